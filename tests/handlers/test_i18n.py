"""Tests for the message catalogues and for the catalogue keys used in handlers/."""

from __future__ import annotations

import ast
import re
import string
import textwrap
from pathlib import Path

import pytest

from handlers.i18n import LANGUAGES, LOCALES_DIR, Catalog, CatalogError, Markup

HANDLERS_DIR = Path(__file__).resolve().parents[2] / "handlers"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --------------------------------------------------------------------------------------
# The shipped catalogues
# --------------------------------------------------------------------------------------
def test_shipped_catalogues_load(catalog):
    assert set(catalog.texts) == set(LANGUAGES)
    assert catalog.texts["id"], "Indonesian catalogue is empty"
    assert set(catalog.texts["id"]) == set(catalog.texts["en"])


def test_shipped_catalogues_are_all_text(catalog):
    for language, texts in catalog.texts.items():
        for key, value in texts.items():
            assert isinstance(value, str) and value.strip(), (language, key)


def test_shipped_placeholders_match_between_languages(catalog):
    differing = {
        key: (_placeholders(catalog.texts["id"][key]), _placeholders(catalog.texts["en"][key]))
        for key in catalog.texts["id"]
        if _placeholders(catalog.texts["id"][key]) != _placeholders(catalog.texts["en"][key])
    }
    assert differing == {}


# Said when a choice was not made: the options may be buttons (Telegram), a list behind
# "Pilih" or numbered text (WhatsApp), so no text speaks of buttons to tap.
CHOICE_ERRORS = [
    "answer.no_such_choice",
    "answer.use_buttons_or_type",
    "answer.did_you_mean",
    "answer.not_meant",
    "answer.pick_at_least_one",
    "form.typed_on_summary",
    "form.typed_on_edit_menu",
    "cancel.need_yes_no",
    "case.pick_a_draft",
]


@pytest.mark.parametrize("key", CHOICE_ERRORS)
def test_choice_errors_fit_buttons_lists_and_numbers(catalog, key):
    said = catalog.text("id", key).lower()
    assert "tombol" not in said and "tekan" not in said, said
    english = catalog.text("en", key).lower()
    assert "button" not in english and "tap" not in english, english


def test_shipped_yes_and_no_keys_are_strings(catalog):
    # Unquoted `yes:`/`no:` would become YAML booleans; the texts are looked up as strings.
    assert catalog.has("common.yes")
    assert catalog.has("common.no")


# --------------------------------------------------------------------------------------
# Broken catalogues (id.yaml, en.yaml written to tmp_path)
# (id.yaml text, en.yaml text, fragments the CatalogError message must contain)
# --------------------------------------------------------------------------------------
BROKEN_CATALOGUES = [
    pytest.param(
        "greeting:\n  hello: Halo {name}\n  bye: Dah\n",
        "greeting:\n  hello: Hello {name}\n",
        ["greeting.bye", "missing in en"],
        id="key-missing-in-en",
    ),
    pytest.param(
        "greeting:\n  hello: Halo {name}\n",
        "greeting:\n  hello: Hello {name}\n  extra: Extra\n",
        ["greeting.extra", "missing in id"],
        id="key-missing-in-id",
    ),
    pytest.param(
        "greeting:\n  hello: Halo {name}\n",
        "greeting:\n  hello: Hello {nama}\n",
        ["greeting.hello", "placeholders differ"],
        id="placeholder-renamed",
    ),
    pytest.param(
        "greeting:\n  hello: Halo {name}\n",
        "greeting:\n  hello: Hello\n",
        ["greeting.hello", "placeholders differ"],
        id="placeholder-dropped",
    ),
    pytest.param(
        "greeting:\n  hello: Halo\n",
        "greeting:\n  hello: Hello {name}\n",
        ["greeting.hello", "placeholders differ"],
        id="placeholder-added",
    ),
    pytest.param(
        "greeting:\n  hello: 'Halo {name'\n",
        "greeting:\n  hello: 'Hello {name'\n",
        ["greeting.hello"],
        id="unclosed-brace",
    ),
    pytest.param(
        "greeting:\n  hello:\n    - Halo\n    - Hai\n",
        "greeting:\n  hello: Hello\n",
        ["greeting.hello", "expected text", "list"],
        id="value-is-a-list",
    ),
    pytest.param(
        "greeting:\n  count: 3\n",
        "greeting:\n  count: three\n",
        ["greeting.count", "expected text", "int"],
        id="value-is-a-number",
    ),
    pytest.param(
        "greeting:\n  hello: Halo\n",
        "greeting:\n  hello: yes\n",
        ["greeting.hello", "expected text", "bool"],
        id="value-is-unquoted-yes",
    ),
    pytest.param(
        "greeting:\n  hello:\n",
        "greeting:\n  hello: Hello\n",
        ["greeting.hello", "expected text", "NoneType"],
        id="value-is-empty",
    ),
    pytest.param(
        "greeting:\n  hello: Halo\n  bad: [unclosed\n",
        "greeting:\n  hello: Hello\n",
        ["id.yaml"],
        id="malformed-yaml",
    ),
    pytest.param(
        "found: 'Ada {count} laporan'\n",
        "found: '{count} {count:report}'\n",
        ["found", "plural", "needs 2 forms"],
        id="english-plural-with-one-form",
    ),
    pytest.param(
        "found: '{count} {count:laporan|laporan}'\n",
        "found: '{count} {count:report|reports}'\n",
        ["found", "plural", "in id needs 1 forms"],
        id="indonesian-has-no-plural-forms",
    ),
]


def _write(directory: Path, id_text: str | None, en_text: str | None) -> Path:
    for name, content in (("id.yaml", id_text), ("en.yaml", en_text)):
        if content is not None:
            (directory / name).write_text(textwrap.dedent(content), encoding="utf-8")
    return directory


@pytest.mark.parametrize(("id_text", "en_text", "fragments"), BROKEN_CATALOGUES)
def test_broken_catalogue_is_refused(tmp_path, id_text, en_text, fragments):
    _write(tmp_path, id_text, en_text)
    with pytest.raises(CatalogError) as caught:
        Catalog.load(tmp_path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message


def test_missing_file_is_refused(tmp_path):
    _write(tmp_path, "greeting:\n  hello: Halo\n", None)
    with pytest.raises(CatalogError) as caught:
        Catalog.load(tmp_path)
    assert "en.yaml" in str(caught.value)


def test_good_temporary_catalogue_loads(tmp_path):
    _write(
        tmp_path,
        "greeting:\n  hello: Halo {name}\n  bye: Dah\n",
        "greeting:\n  hello: Hello {name}\n  bye: Bye\n",
    )
    loaded = Catalog.load(tmp_path)
    assert loaded.text("en", "greeting.hello", name="Ani") == "Hello Ani"
    assert loaded.has("greeting.bye")
    assert not loaded.has("greeting")


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
@pytest.fixture
def small(tmp_path) -> Catalog:
    _write(
        tmp_path,
        "msg:\n  hello: Halo <b>{name}</b>\n  plain: Tanpa isian\n",
        "msg:\n  hello: Hello <b>{name}</b>\n  plain: No placeholders\n",
    )
    return Catalog.load(tmp_path)


# (language, value for {name}, expected text)
TEXT_CASES = [
    pytest.param("id", "Ani", "Halo <b>Ani</b>", id="indonesian"),
    pytest.param("en", "Ani", "Hello <b>Ani</b>", id="english"),
    pytest.param(
        "id", "<script>alert(1)</script>", "Halo <b>&lt;script&gt;alert(1)&lt;/script&gt;</b>",
        id="script-escaped",
    ),
    pytest.param("id", "Tom & Jerry", "Halo <b>Tom &amp; Jerry</b>", id="ampersand-escaped"),
    pytest.param("id", "a</b><i>b", "Halo <b>a&lt;/b&gt;&lt;i&gt;b</b>", id="tags-escaped"),
    pytest.param("id", "{other}", "Halo <b>{other}</b>", id="braces-in-value-not-formatted"),
    pytest.param("id", 42, "Halo <b>42</b>", id="number-value"),
    pytest.param("id", Markup("<i>Ani</i>"), "Halo <b><i>Ani</i></b>", id="markup-not-escaped"),
    pytest.param("fr", "Ani", "Halo <b>Ani</b>", id="unknown-language-falls-back-to-id"),
    pytest.param("", "Ani", "Halo <b>Ani</b>", id="empty-language-falls-back-to-id"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "value", "expected"), TEXT_CASES)
def test_text_formats_and_escapes(small, language, value, expected):
    assert small.text(language, "msg.hello", name=value) == expected


def test_text_without_placeholders(small):
    assert small.text("en", "msg.plain") == "No placeholders"
    assert small.text("xx", "msg.plain") == "Tanpa isian"


def test_shipped_text_escapes_names(catalog):
    out = catalog.text("id", "start.welcome_back", name="<script>")
    assert "&lt;script&gt;" in out
    assert "<script>" not in out


# --------------------------------------------------------------------------------------
# Every literal key used in handlers/ exists in the catalogue (catches typos)
# --------------------------------------------------------------------------------------
# Callables whose positional argument at this index is a catalogue key.
KEY_ARGUMENT = {
    "t": 0,  # turn.t("..."), self.t("...")
    "Invalid": 0,  # Invalid("answer...."), parsers.Invalid("...")
    "IdentifierError": 0,
    "text": 1,  # catalog.text(language, "...")
    "_ask_again": 1,  # engine._ask_again(state, "answer....")
}


def _literals(node: ast.AST) -> list[str]:
    """String constants an expression can evaluate to ("a" or `"a" if x else "b"`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _prefix(node: ast.AST) -> str | None:
    """The fixed start of an f-string key such as f"roles.{role}"."""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def scan_handlers(
    directory: Path = HANDLERS_DIR,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Literal keys and f-string key prefixes in handlers/, each with where it was found."""
    keys: dict[str, list[str]] = {}
    prefixes: dict[str, list[str]] = {}
    for path in sorted(directory.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            candidates: list[ast.AST] = []
            if isinstance(node, ast.Call):
                index = KEY_ARGUMENT.get(_callee(node) or "")
                if index is not None and len(node.args) > index:
                    candidates.append(node.args[index])
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                # key = "cancel.done_registration" if ... else "cancel.done"
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None and any(
                    isinstance(t, ast.Name) and t.id.endswith("key") for t in targets
                ):
                    candidates.append(node.value)
            where = f"{path.relative_to(directory.parent)}:{getattr(node, 'lineno', '?')}"
            for candidate in candidates:
                for literal in _literals(candidate):
                    if KEY_PATTERN.fullmatch(literal):
                        keys.setdefault(literal, []).append(where)
                prefix = _prefix(candidate)
                if prefix and "." in prefix:
                    prefixes.setdefault(prefix, []).append(where)
    return keys, prefixes


# A regex pass over the source as well, so a call the AST walk misses is still seen.
REGEX_PATTERNS = [
    re.compile(r"""\bt\(\s*["']([^"'{}]+)["']"""),
    re.compile(r"""\.text\(\s*[\w.]+\s*,\s*["']([^"'{}]+)["']"""),
    re.compile(r"""\bInvalid\(\s*["']([^"'{}]+)["']"""),
    re.compile(r"""\bIdentifierError\(\s*["']([^"'{}]+)["']"""),
]


def regex_scan_handlers(directory: Path = HANDLERS_DIR) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for path in sorted(directory.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for pattern in REGEX_PATTERNS:
            for match in pattern.finditer(source):
                if "." in match[1]:
                    line = source.count("\n", 0, match.start()) + 1
                    where = f"{path.relative_to(directory.parent)}:{line}"
                    keys.setdefault(match[1], []).append(where)
    return keys


def test_scanner_finds_keys_in_every_shape():
    keys, prefixes = scan_handlers()
    expected = {
        "answer.need_text",  # Invalid("...") and parsers.Invalid("...")
        "identifier.bad_serial",  # IdentifierError("...")
        "registration.request",  # catalog.text(\n language,\n "...")
        "registration.already_decided",  # turn.t(\n "...")
        "form.ack",  # self.t(\n "...")
        "form.summary_title",  # self.t('...') inside an f-string
        "common.yes",  # t("common.yes" if ... else "common.no")
        "common.no",
        "cancel.done_registration",  # key = "..." if ... else "..."
        "registration.rejected_by",  # outcome_key = ... else "..."
        "answer.need_yes_no",  # self._ask_again(state, "...")
        "errors.not_allowed",
    }
    assert expected <= set(keys), expected - set(keys)
    assert {"roles.", "status.", "help.commands."} <= set(prefixes)
    assert set(regex_scan_handlers()) <= set(keys)


def missing_keys(catalog: Catalog, directory: Path = HANDLERS_DIR) -> dict[str, list[str]]:
    keys, _ = scan_handlers(directory)
    found = {**regex_scan_handlers(directory), **keys}
    return {key: places for key, places in found.items() if not catalog.has(key)}


def test_every_literal_key_in_handlers_exists(catalog):
    assert missing_keys(catalog) == {}, "keys used in handlers/ but not in locales/*.yaml"


# (source of a fake handler module, the typo the scan must report)
TYPO_SOURCES = [
    pytest.param('turn.reply(turn.t("registration.welcom"))\n', "registration.welcom", id="t"),
    pytest.param(
        'x = catalog.text(\n    language,\n    "common.yess",\n)\n', "common.yess",
        id="multiline-text",
    ),
    pytest.param('raise Invalid("answer.need_txt")\n', "answer.need_txt", id="invalid"),
    pytest.param(
        'raise IdentifierError("identifier.bad_serail")\n', "identifier.bad_serail",
        id="identifier-error",
    ),
    pytest.param(
        'key = "cancel.don" if done else "cancel.done"\n', "cancel.don", id="assigned-key"
    ),
]  # fmt: skip


@pytest.mark.parametrize(("source", "typo"), TYPO_SOURCES)
def test_scan_reports_a_typo(catalog, tmp_path, source, typo):
    package = tmp_path / "handlers"
    package.mkdir()
    (package / "fake.py").write_text(source, encoding="utf-8")
    assert set(missing_keys(catalog, package)) == {typo}


def test_every_fstring_key_prefix_exists(catalog):
    _, prefixes = scan_handlers()
    missing = {
        prefix: places
        for prefix, places in prefixes.items()
        if not any(key.startswith(prefix) for key in catalog.texts["id"])
    }
    assert missing == {}


def test_locales_dir_is_the_shipped_one():
    assert (LOCALES_DIR / "id.yaml").is_file()
    assert (LOCALES_DIR / "en.yaml").is_file()


def test_feature_catalogues_are_merged(tmp_path):
    _write(tmp_path, "greeting:\n  hello: Halo\n", "greeting:\n  hello: Hello\n")
    for language, text in (("id", "Dah"), ("en", "Bye")):
        (tmp_path / language).mkdir()
        (tmp_path / language / "farewell.yaml").write_text(f"farewell:\n  bye: {text}\n")
    catalog = Catalog.load(tmp_path)
    assert catalog.text("en", "farewell.bye") == "Bye"
    assert catalog.text("id", "greeting.hello") == "Halo"


def test_key_defined_in_two_files_is_refused(tmp_path):
    _write(tmp_path, "greeting:\n  hello: Halo\n", "greeting:\n  hello: Hello\n")
    (tmp_path / "id").mkdir()
    (tmp_path / "id" / "more.yaml").write_text("greeting:\n  hello: Hai\n")
    with pytest.raises(CatalogError) as caught:
        Catalog.load(tmp_path)
    assert "greeting.hello" in str(caught.value) and "more.yaml" in str(caught.value)


LISTED = [
    ("id", [], ""),
    ("id", ["Kec. Ciniru"], "Kec. Ciniru"),
    ("id", ["Kec. Ciniru", "Kec. Jalaksana"], "Kec. Ciniru dan Kec. Jalaksana"),
    ("id", ["A", "B", "C"], "A, B dan C"),
    ("en", ["A", "B", "C"], "A, B and C"),
    ("id", ["A & B", "<C>"], "A &amp; B dan &lt;C&gt;"),  # each escaped once
]


@pytest.mark.parametrize(("language", "items", "expected"), LISTED)
def test_a_list_is_joined_as_the_language_lists_it(catalog, language, items, expected):
    joined = catalog.listed(language, items)
    assert joined == expected
    # Put into another text as it is, not escaped again.
    filled = catalog.text(language, "region_answer.elsewhere", name="X", places=joined, here="Y")
    assert expected in filled


# --------------------------------------------------------------------------------------
# English that reads naturally (QA walk 9): plural forms, one set of region words
# --------------------------------------------------------------------------------------
# Indonesian region words an English text says in English (sub-district, district, village);
# a placeholder such as {kecamatan} is a value, not a word of the text.
INDONESIAN_REGION_WORDS = re.compile(r"\b(kecamatan|kabupaten|kelurahan|desa|kec\.|kab\.)", re.I)


def _words(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)


def test_english_counts_use_plural_forms_not_s_in_brackets(catalog):
    hedged = {key: text for key, text in catalog.texts["en"].items() if "(s)" in _words(text)}
    assert hedged == {}


def test_english_says_its_region_words_in_english(catalog):
    indonesian = {
        key: text
        for key, text in catalog.texts["en"].items()
        if INDONESIAN_REGION_WORDS.search(_words(text))
    }
    assert indonesian == {}


@pytest.mark.parametrize(
    ("count", "english", "indonesian"),
    [
        (1, "Found 1 report:", "Ditemukan 1 laporan:"),
        (0, "Found 0 reports:", "Ditemukan 0 laporan:"),
        (3, "Found 3 reports:", "Ditemukan 3 laporan:"),
        ("1", "Found 1 report:", "Ditemukan 1 laporan:"),  # a count already formatted
        ("1,234", "Found 1,234 reports:", "Ditemukan 1,234 laporan:"),
    ],
)
def test_a_count_picks_its_plural_form(catalog, count, english, indonesian):
    assert catalog.text("en", "review.search_found", count=count) == english
    assert catalog.text("id", "review.search_found", count=count) == indonesian


def test_plural_forms_and_escaping_in_one_text(tmp_path):
    _write(
        tmp_path,
        "n: '{name}: {count} orang'\n",
        "n: '{name}: {count} {count:person was|people were} told'\n",
    )
    loaded = Catalog.load(tmp_path)
    assert loaded.text("en", "n", name="<Ani>", count=1) == "&lt;Ani&gt;: 1 person was told"
    assert loaded.text("en", "n", name=Markup("<b>Ani</b>"), count=2) == (
        "<b>Ani</b>: 2 people were told"
    )
    assert loaded.text("id", "n", name="Ani", count=1) == "Ani: 1 orang"
