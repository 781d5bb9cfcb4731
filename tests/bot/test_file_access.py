"""A file or folder the bot's user cannot use (an install done as root, then run as the
service's user): one line naming the path and the fix, exit 2, never a traceback (exit 1
made the systemd unit retry every 10 s for ever)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.test_config import GOOD_TOKEN, PROJECT, run_cli
from tests.e2e.conftest import free_port

# As root (this machine, CI) a mode-000 file opens anyway: the CLI runs without the
# capabilities that override file permissions, so it sees files as the service's user does.
_WITHOUT_OVERRIDE = (
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
)


def _unprivileged(folder: Path) -> tuple[str, ...] | None:
    """How to run the CLI so that file permissions hold for it: as it is for a normal user;
    as root, under setpriv (`_WITHOUT_OVERRIDE`); None when neither makes a mode-000 file
    unreadable."""
    probe = folder / "probe"
    probe.write_text("x", encoding="utf-8")
    probe.chmod(0)
    try:
        for prefix in ((), _WITHOUT_OVERRIDE):
            if prefix and shutil.which(prefix[0]) is None:
                continue
            tried = subprocess.run(
                [*prefix, sys.executable, "-c", f"open({str(probe)!r}).read()"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if "PermissionError" in tried.stderr:
                return prefix
        return None
    finally:
        probe.chmod(0o600)
        probe.unlink()


@pytest.fixture
def unprivileged(tmp_path: Path) -> tuple[str, ...]:
    """The prefix `run_cli` needs for file permissions to hold (see `_unprivileged`)."""
    prefix = _unprivileged(tmp_path)
    if prefix is None:
        pytest.skip("file permissions are not enforced here, and setpriv cannot drop them")
    return prefix


@pytest.fixture
def server(tmp_path: Path, unprivileged: tuple[str, ...]) -> Iterator[Path]:
    """The bot's folder with the shipped .env.example as .env and a token (no Telegram)."""
    shutil.copy(PROJECT / ".env.example", tmp_path / ".env")
    with (tmp_path / ".env").open("a", encoding="utf-8") as env:
        env.write(f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n")
        env.write(f"TELEGRAM_API_BASE_URL=http://127.0.0.1:{free_port()}/bot\n")
    yield tmp_path
    for path in (tmp_path, *tmp_path.rglob("*")):  # let pytest clean up
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def _one_line_naming(result_stderr: str, path: Path) -> str:
    lines = result_stderr.splitlines()
    assert "Traceback" not in result_stderr, result_stderr
    assert len(lines) == 1, lines
    assert f"permission denied: {path}" in lines[0]
    assert "chown" in lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_an_unreadable_env_file_is_named(
    server: Path, command: str, unprivileged: tuple[str, ...]
) -> None:
    (server / ".env").chmod(0)
    result = run_cli(server, command, prefix=unprivileged)
    assert result.returncode == 2, result.stderr
    line = _one_line_naming(result.stderr, server / ".env")
    assert "must read it" in line


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_a_database_of_another_user_is_named(
    server: Path, command: str, unprivileged: tuple[str, ...]
) -> None:
    assert run_cli(server, "migrate", prefix=unprivileged).returncode == 0
    database = server / "data" / "psm.db"
    database.chmod(0)
    result = run_cli(server, command, prefix=unprivileged)
    assert result.returncode == 2, result.stderr
    _one_line_naming(result.stderr, database)


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_an_audit_key_file_of_another_user_is_named(
    server: Path, command: str, unprivileged: tuple[str, ...]
) -> None:
    assert run_cli(server, "migrate", prefix=unprivileged).returncode == 0
    key = server / "data" / "psm.db.audit-key"
    key.chmod(0)
    result = run_cli(server, command, prefix=unprivileged)
    assert result.returncode == 2, result.stderr
    assert "must read it" in _one_line_naming(result.stderr, key)


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_a_data_folder_the_bot_cannot_write_is_named(
    server: Path, command: str, unprivileged: tuple[str, ...]
) -> None:
    (server / "data").mkdir()
    (server / "data").chmod(0o500)
    result = run_cli(server, command, prefix=unprivileged)
    assert result.returncode == 2, result.stderr
    _one_line_naming(result.stderr, server / "data")
    assert not (server / "data" / "psm.db").exists()


def test_a_backup_folder_the_bot_cannot_write_is_named(
    server: Path, unprivileged: tuple[str, ...]
) -> None:
    assert run_cli(server, "migrate", prefix=unprivileged).returncode == 0
    backups = server / "backups"
    backups.mkdir()
    backups.chmod(0o500)
    result = run_cli(server, "backup", str(backups / "psm"), prefix=unprivileged)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"permission denied: {backups}" in result.stderr
