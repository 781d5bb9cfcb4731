"""Who may do what: one role x action table kept as data (`permissions.yaml`).

Features add rows to the YAML file; `allowed()` is the one place that answers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from handlers.yaml_files import read_yaml
from storage.models import Role, User, UserStatus

TABLE_PATH = Path(__file__).with_name("permissions.yaml")


class PermissionTableError(ValueError):
    """The permission table is malformed."""


@cache
def table() -> dict[str, frozenset[Role]]:
    """Action -> roles allowed, loaded once and validated."""
    raw = read_yaml(TABLE_PATH) or {}
    result: dict[str, frozenset[Role]] = {}
    for action, roles in raw.items():
        try:
            result[action] = frozenset(Role(role) for role in roles)
        except (TypeError, ValueError) as exc:
            raise PermissionTableError(f"{TABLE_PATH}: {action}: {exc}") from exc
    return result


def allowed(user: User | None, action: str) -> bool:
    """Whether an active user's role may perform an action."""
    roles = table().get(action)
    if roles is None:
        raise PermissionTableError(f"{TABLE_PATH}: no row for action {action!r}")
    if user is None or user.status != UserStatus.ACTIVE or user.role is None:
        return False
    return user.role in roles
