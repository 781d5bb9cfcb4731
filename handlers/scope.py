"""Who may see which case: PSM their desa (and their own), TKSK their kecamatan,
coordinators their kabupaten, admins everything."""

from __future__ import annotations

from storage.models import Role, User, UserStatus


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
