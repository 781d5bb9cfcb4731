"""The command menu table stays in step with the router, the permissions and the catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers.command_menu import COMMAND_PERMISSIONS, VISITOR_COMMANDS, command_names, may_use
from handlers.i18n import LANGUAGES, Catalog
from handlers.permissions import table
from handlers.router import COMMANDS
from storage.models import Role, User, UserStatus


def _user(role: Role | None, status: UserStatus = UserStatus.ACTIVE) -> User:
    return User.model_validate(
        {
            "id": 1, "full_name": "X", "role": role, "requested_role": None, "status": status,
            "kabupaten_code": None, "kecamatan_code": None, "desa_code": None, "phone": None,
            "phone_verified": False, "language": "id", "preferred_channel": None,
            "decided_by": None, "decided_at": None,
            "created_at": "2026-11-29T00:00:00+00:00", "updated_at": "2026-11-29T00:00:00+00:00",
        }
    )  # fmt: skip


def test_every_routed_command_has_a_menu_rule() -> None:
    aliases = {"start", "help"}  # in the visitor menu / the English alias of /bantuan
    assert set(COMMANDS) - aliases == set(COMMAND_PERMISSIONS)
    assert set(VISITOR_COMMANDS) <= set(COMMANDS)


def test_rules_name_real_permissions() -> None:
    actions = set(table())
    for command, needed in COMMAND_PERMISSIONS.items():
        assert set(needed) <= actions, command


def test_descriptions_exist_and_fit_telegram() -> None:
    catalog = Catalog.load()
    for language in LANGUAGES:
        for command in [*COMMAND_PERMISSIONS, *VISITOR_COMMANDS]:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
            description = catalog.text(language, f"commands.{command}")
            assert 1 <= len(description) <= 256, (language, command)


def test_menus_by_role() -> None:
    psm, coordinator = command_names(_user(Role.PSM)), command_names(_user(Role.COORDINATOR))
    assert "lapor" in psm and "antrian" not in psm and "pengguna" not in psm
    assert "antrian" in coordinator and "audit" not in coordinator
    assert "daftar" in command_names(_user(Role.CALON)) and "lapor" not in command_names(
        _user(Role.CALON)
    )
    assert command_names(_user(Role.PSM, UserStatus.SUSPENDED)) == list(VISITOR_COMMANDS)
    assert command_names(_user(None, UserStatus.PENDING)) == list(VISITOR_COMMANDS)


@pytest.mark.parametrize(
    ("role", "status", "command", "may"),
    [
        (Role.PSM, UserStatus.ACTIVE, "jadwal", True),
        (Role.PSM, UserStatus.ACTIVE, "statistik", False),
        (Role.PSM, UserStatus.ACTIVE, "cari", False),
        (Role.PSM, UserStatus.ACTIVE, "daftar", True),  # open to anyone (it says what to do)
        (Role.PSM, UserStatus.ACTIVE, "help", True),
        (Role.TKSK, UserStatus.ACTIVE, "cari", True),
        (Role.ADMIN, UserStatus.ACTIVE, "lapor", False),
        (None, UserStatus.REGISTERING, "statistik", False),
        (None, UserStatus.REGISTERING, "bahasa", True),
        (None, UserStatus.PENDING, "kontak", True),
        (Role.PSM, UserStatus.SUSPENDED, "kontak", False),
        (Role.PSM, UserStatus.SUSPENDED, "jadwal", False),
    ],
)
def test_who_may_use_a_command(role, status, command, may) -> None:
    """A typed command word the person may not use is no command inside a form (router)."""
    assert may_use(_user(role, status), command) is may


def test_the_readme_lists_every_published_command() -> None:
    """QA walk 14: README's "The bot publishes its commands" left out nine of them."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("The bot publishes its commands")
    paragraph = readme[start : readme.index("Each person's menu", start)]
    listed = re.findall(r"`/(\w+)", paragraph)
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == set(COMMAND_PERMISSIONS) | set(VISITOR_COMMANDS)
