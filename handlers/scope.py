"""Who may see which case: PSM their desa (and their own), TKSK their kecamatan,
coordinators their kabupaten, admins everything."""

from __future__ import annotations

from storage.models import Role, User, UserStatus
from storage.scope import Scope


def scope_of(user: User | None) -> Scope:
    """The cases a person may see, as a storage scope (enforced in the queries)."""
    if user is None or user.status != UserStatus.ACTIVE:
        return Scope()
    if user.role == Role.ADMIN:
        return Scope(everything=True)
    if user.role == Role.COORDINATOR and user.kabupaten_code:
        return Scope(kabupaten_code=user.kabupaten_code)
    if user.role == Role.TKSK and user.kecamatan_code:
        return Scope(kecamatan_code=user.kecamatan_code)
    if user.role == Role.PSM:
        if user.desa_code:
            return Scope(desa_code=user.desa_code, reporter_id=user.id)
        return Scope(reporter_id=user.id)
    return Scope()


def own_cases(user: User | None) -> Scope:
    """The cases a person reported (is the current reporter of), whatever their role and
    region are now: a case sent back stays theirs to correct."""
    if user is None or user.status != UserStatus.ACTIVE:
        return Scope()
    return Scope(reporter_id=user.id)


def can_see_case(
    user: User | None, *, kabupaten_code: str, kecamatan_code: str, desa_code: str, reporter_id: int
) -> bool:
    """Whether a case in this region, by this reporter, is within the user's scope."""
    if user is None or user.status != UserStatus.ACTIVE:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return kabupaten_code == user.kabupaten_code
    if user.role == Role.TKSK:
        return kecamatan_code == user.kecamatan_code
    if user.role == Role.PSM:
        return reporter_id == user.id or desa_code == user.desa_code
    return False
