# psm-bot: `make run` sets everything up and starts the bot; `make test` runs lint + tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo migrate lint format bench clean soak

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@test -f .env || install -m 600 .env.example .env
	$(BIN)/psm-bot migrate
	$(BIN)/psm-bot run

migrate: $(STAMP)
	$(BIN)/psm-bot migrate

demo: $(STAMP)
	$(BIN)/psm-bot demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest -q

# Long durability runs: more crashes, fuzz examples and backups (PSM_SOAK_FACTOR=5 by default).
soak: $(STAMP)
	PSM_SOAK_FACTOR=$${PSM_SOAK_FACTOR:-5} $(BIN)/python -m pytest tests/durability -m soak -q

# Benchmarks (about 25 minutes; figures in bench/results/*.json). `python -m bench steps|scale|footprint`.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
