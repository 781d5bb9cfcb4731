"""Settings from the environment: defaults, one clear line per wrong value, the console entry."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import (
    BOTFATHER_HELP,
    ConfigError,
    Settings,
    load_settings,
    quiet_hour_warnings,
    require_channel,
)
from handlers.context import District
from tests.e2e.conftest import free_port

PROJECT = Path(__file__).resolve().parents[2]

SETTING_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_FILE_BASE_URL",
    "TELEGRAM_POLL_TIMEOUT",
    "DATABASE_PATH",
    "MEDIA_PATH",
    "ADMIN_TELEGRAM_IDS",
    "TIMEZONE",
    "DEFAULT_LANGUAGE",
    "DISTRICTS",
    "LOG_LEVEL",
)

GOOD_TOKEN = "123456789:AAEfake-token_for_tests"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No .env and no setting from the developer's shell leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in os.environ:
        if name.upper() in SETTING_NAMES or name.upper().startswith(("TELEGRAM_", "WHATSAPP_")):
            monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_enabled is False
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert settings.telegram_poll_timeout == 30
    assert settings.database_path == Path("data/psm.db")
    assert settings.media_path == Path("data/media")
    assert settings.admin_telegram_id_set == frozenset()
    assert settings.timezone == "Asia/Jakarta"
    assert str(settings.zone) == "Asia/Jakarta"
    assert settings.default_language == "id"
    assert settings.log_level == "INFO"
    assert settings.district_list == [
        District(code="32.08", prefix="KNG"),
        District(code="35.23", prefix="TBN"),
    ]


def test_good_overrides() -> None:
    settings = load_settings(
        telegram_bot_token=GOOD_TOKEN,
        admin_telegram_ids=" 12, 34 ,",
        districts="35.23=TBN",
        timezone="Asia/Makassar",
        default_language="en",
        log_level="DEBUG",
        telegram_api_base_url="http://localhost:8081/bot",
    )
    assert settings.telegram_enabled is True
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)
    assert settings.admin_telegram_id_set == frozenset({"12", "34"})
    assert settings.district_list == [District(code="35.23", prefix="TBN")]
    assert str(settings.zone) == "Asia/Makassar"
    require_channel(settings)


def test_export_messages_leave_the_chat_within_telegrams_48_hours() -> None:
    assert load_settings().export_message_ttl_hours == 4
    assert load_settings(export_message_ttl_hours="47").export_message_ttl_hours == 47
    with pytest.raises(ConfigError) as raised:
        load_settings(export_message_ttl_hours="48")
    assert "48 hours" in _single_problem(raised, "EXPORT_MESSAGE_TTL_HOURS")


@pytest.mark.parametrize("ids", ["12,abc", "12,3²", "١٢"])
def test_admin_ids_must_be_plain_digits(ids: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(admin_telegram_ids=ids)
    assert "Telegram user ids" in _single_problem(raised, "ADMIN_TELEGRAM_IDS")


@pytest.mark.parametrize(
    "phones",
    ["081299998888", "0812-9999-8888", "+62 812 9999 8888", "6281299998888", "+6281299998888"],
)
def test_admin_whatsapp_phones_are_read_as_any_other_phone_number(phones: str) -> None:
    """The same rule as a number in a chat or `user export --phone`: 0812... made nobody
    admin (kept as +0812...), 0812-... was refused."""
    settings = load_settings(admin_whatsapp_phones=f"{phones}, 6281100001111")
    assert settings.admin_whatsapp_phone_set == frozenset({"+6281299998888", "+6281100001111"})


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("0811-0000-1111", "6281100001111"),
        ("+62 811 0000 1111", "6281100001111"),
        ("(0232) 871234", "62232871234"),
    ],
)
def test_the_display_number_becomes_international_digits_for_wa_me(
    number: str, digits: str
) -> None:
    assert load_settings(whatsapp_display_number=number).whatsapp_display_number == digits


def test_empty_token_means_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert load_settings().telegram_bot_token is None


@pytest.mark.parametrize("value", ["", "  "])
def test_a_blank_setting_means_its_default(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """QA walk 9: DATABASE_PATH= made every command look for "no database at /tmp" (the
    current folder); a setting left blank in .env is its default, as for the secrets."""
    for name in ("DATABASE_PATH", "MEDIA_PATH", "TELEGRAM_POLL_TIMEOUT", "TIMEZONE"):
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.database_path == Path("data/psm.db")
    assert settings.media_path == Path("data/media")
    assert settings.telegram_poll_timeout == 30 and settings.timezone == "Asia/Jakarta"
    assert load_settings(database_path=value).database_path == Path("data/psm.db")


SECRETS = [
    name.upper()
    for name, field in Settings.model_fields.items()
    if field.annotation == SecretStr | None
]


def test_every_optional_secret_is_checked_here() -> None:
    assert sorted(SECRETS) == [
        "AUDIT_KEY",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    ]


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_secret_means_not_set(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(load_settings(), name.lower()) is None
    assert getattr(load_settings(**{name.lower(): value}), name.lower()) is None


def test_the_shipped_env_example_with_a_token_runs_telegram_only(tmp_path: Path) -> None:
    """`make run` copies .env.example to .env; the newcomer fills in the token only."""
    example = (PROJECT / ".env.example").read_text(encoding="utf-8")
    assert "\nTELEGRAM_BOT_TOKEN=\n" in example
    assert "\nWHATSAPP_ACCESS_TOKEN=\n" in example
    (tmp_path / ".env").write_text(
        example.replace("\nTELEGRAM_BOT_TOKEN=\n", f"\nTELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n"),
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.telegram_enabled is True
    assert settings.whatsapp_enabled is False
    assert settings.webhook_needed is False
    require_channel(settings)


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\nLOG_LEVEL=WARNING\n", encoding="utf-8"
    )
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    settings = load_settings()
    assert settings.telegram_enabled is True
    assert settings.log_level == "ERROR"  # the environment wins over .env


BAD_VALUES = [
    ("TELEGRAM_BOT_TOKEN", "abc"),
    ("TIMEZONE", "Mars/Olympus"),
    ("DISTRICTS", ""),
    ("DISTRICTS", "3208:KNG"),
    ("DISTRICTS", "32.08:kng"),
    ("ADMIN_TELEGRAM_IDS", "12,abc"),
    ("ADMIN_WHATSAPP_PHONES", "6281299990000,12345"),
    ("ADMIN_WHATSAPP_PHONES", "0232871234"),  # a landline has no WhatsApp account to admin
    ("WHATSAPP_DISPLAY_NUMBER", "0812"),
    ("DEFAULT_LANGUAGE", "fr"),
    ("TELEGRAM_API_BASE_URL", "ftp://x"),
    ("LOG_LEVEL", "LOUD"),
    ("EXPORT_MESSAGE_TTL_HOURS", "48"),
    ("EXPORT_MESSAGE_TTL_HOURS", "0"),
    ("TRANSCRIPT_TTL_HOURS", "0"),
    ("REMINDER_TIME", "24:00"),
    ("DIGEST_TIME", "7:00"),
    ("QUIET_HOURS", "21:00"),
    ("QUIET_HOURS", "21:00-24:00"),
    ("QUIET_HOURS", "21:00-6:00"),
]


def _single_problem(raised: pytest.ExceptionInfo[ConfigError], name: str) -> str:
    problems = raised.value.problems
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"{name}: "), problem
    assert "\n" not in problem
    assert str(raised.value) == problem
    return problem


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_value_as_override(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(**{name.lower(): value})
    problem = _single_problem(raised, name)
    assert "Value error" not in problem


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_value_in_environment(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    _single_problem(raised, name)


def test_bad_token_says_where_tokens_come_from_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(telegram_bot_token="12:almost-secret")
    assert "@BotFather" in raised.value.problems[0]
    assert "almost-secret" not in str(raised.value)


def test_several_bad_values_give_several_lines() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            telegram_bot_token="abc",
            timezone="Mars/Olympus",
            districts="3208:KNG",
            log_level="LOUD",
        )
    problems = raised.value.problems
    assert sorted(problem.split(":", 1)[0] for problem in problems) == [
        "DISTRICTS",
        "LOG_LEVEL",
        "TELEGRAM_BOT_TOKEN",
        "TIMEZONE",
    ]
    assert str(raised.value).count("\n") == 3


def test_a_day_hour_inside_the_quiet_hours_is_accepted_with_a_warning() -> None:
    """REMINDER_TIME or DIGEST_TIME inside QUIET_HOURS starts (an existing deployment's
    .env may hold one), warned of in one line saying when its messages go out instead."""
    assert quiet_hour_warnings(load_settings()) == []
    assert quiet_hour_warnings(load_settings(reminder_time="20:59", digest_time="06:00")) == []
    evening, dawn = quiet_hour_warnings(load_settings(reminder_time="21:30", digest_time="05:00"))
    assert evening.startswith("REMINDER_TIME: 21:30 is inside QUIET_HOURS 21:00-06:00;")
    assert "go out at 20:30 instead" in evening
    assert dawn.startswith("DIGEST_TIME: 05:00 is inside QUIET_HOURS 21:00-06:00;")
    assert "go out at 06:00 instead" in dawn
    moved = load_settings(quiet_hours="15:00-06:00")  # the default 16:00 is inside them now
    (line,) = quiet_hour_warnings(moved)
    assert line.startswith("REMINDER_TIME: 16:00") and "at 14:30 instead" in line


def test_require_channel_without_token() -> None:
    settings = load_settings()
    with pytest.raises(ConfigError) as raised:
        require_channel(settings)
    assert raised.value.problems == [BOTFATHER_HELP]
    (line,) = raised.value.problems
    assert line.startswith("TELEGRAM_BOT_TOKEN")
    assert "BotFather" in line
    assert "make demo" in line


# -- the real console entry -----------------------------------------------------------------


def run_cli(
    tmp_path: Path, *args: str, prefix: tuple[str, ...] = (), **env_vars: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot.cli *args` in `tmp_path`, no settings of ours from the environment;
    `prefix` runs it under another program (tests/bot/test_file_access.py: setpriv)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in SETTING_NAMES
        and not name.upper().startswith(("TELEGRAM_", "WHATSAPP_"))
    }
    env["PYTHONPATH"] = str(PROJECT)
    env.update(env_vars)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_cli_run_without_token_exits_2_with_botfather_help(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", DATABASE_PATH=str(tmp_path / "psm.db"))
    assert result.returncode == 2, result.stderr
    assert BOTFATHER_HELP in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "psm.db").exists()


def test_cli_run_with_the_shipped_env_example_asks_for_a_token(tmp_path: Path) -> None:
    """README: the first `make run` copies .env.example to .env and, without a token, stops
    with the BotFather help (it named three WhatsApp settings instead)."""
    shutil.copy(PROJECT / ".env.example", tmp_path / ".env")
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [BOTFATHER_HELP]
    assert not (tmp_path / "data").exists()


def test_cli_run_with_bad_timezone_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=GOOD_TOKEN,
        TIMEZONE="Nowhere",
        DATABASE_PATH=str(tmp_path / "psm.db"),
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("TIMEZONE: ")
    assert "Nowhere" in lines[0]
    assert "Traceback" not in result.stderr
    assert GOOD_TOKEN not in result.stderr + result.stdout


def test_cli_run_warns_of_a_reminder_time_in_the_quiet_hours_and_starts(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=GOOD_TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot",  # nobody: the start stops
        REMINDER_TIME="21:30",
        DATABASE_PATH=str(tmp_path / "psm.db"),
    )
    assert result.returncode == 1, result.stderr  # not 2: it went on to reach Telegram
    assert "could not reach Telegram" in result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "REMINDER_TIME" in line]
    assert "WARNING" in warning and "go out at 20:30 instead" in warning


def test_cli_several_bad_values_one_line_each(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "migrate", TIMEZONE="Nowhere", LOG_LEVEL="LOUD")
    assert result.returncode == 2, result.stderr
    names = sorted(line.split(":", 1)[0] for line in result.stderr.splitlines())
    assert names == ["LOG_LEVEL", "TIMEZONE"]


def test_cli_migrate_works_without_a_token(tmp_path: Path) -> None:
    database = tmp_path / "somewhere" / "psm.db"
    result = run_cli(tmp_path, "migrate", DATABASE_PATH=str(database))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert str(database) in result.stdout
    assert database.exists()
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA user_version").fetchone()[0] >= 1
        kabupaten = connection.execute(
            "SELECT code FROM regions WHERE level = 'kabupaten' ORDER BY code"
        ).fetchall()
        assert [row[0] for row in kabupaten] == ["32.08", "35.23"]
    finally:
        connection.close()
    # A second migrate is harmless.
    again = run_cli(tmp_path, "migrate", DATABASE_PATH=str(database))
    assert again.returncode == 0, again.stderr


def test_cli_migrate_reads_dotenv_from_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_PATH=from-dotenv/psm.db\n", encoding="utf-8")
    result = run_cli(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv" / "psm.db").exists()
