"""Server-side people management used by the CLI."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.config import Settings
from bot.runtime import one_transaction
from handlers.forms.answers import clean_text
from handlers.masking import holds_nik_or_kk
from storage.models import Role, UserStatus
from storage.repos import Repos

REGION_CODE = re.compile(r"[0-9]+(\.[0-9]+)*")


async def region_code(repos: Repos, given: str, level: str, *, within: str) -> str:
    """The code of the region `--<level>` names: its code as given, or its name (any case)
    when one region of that level under `within` has it; else a ValueError saying which
    codes an ambiguous name may mean, or where the names are listed."""
    if REGION_CODE.fullmatch(given.strip()):
        return given.strip()
    found = await repos.regions.named(given, level=level, within=within)
    if len(found) == 1:
        return found[0].code
    if found:
        codes = ", ".join(f"{region.code} ({region.name})" for region in found)
        raise ValueError(
            f"--{level} {given}: several of that name under {within}: {codes}; give the code"
        )
    raise ValueError(
        f"--{level} {given}: no {level} of that name under {within} (names and codes:"
        " regions/*.csv)"
    )


async def add_user(
    settings: Settings,
    *,
    role: str,
    telegram_id: int,
    name: str,
    kabupaten: str | None,
    kecamatan: str | None = None,
    desa: str | None = None,
    now: datetime | None = None,
) -> int:
    """Create an active user known by Telegram id (they have not started the bot yet),
    registered at `now` (the real clock unless given)."""
    role_value = Role(role)
    served = {d.code for d in settings.district_list}
    if role_value != Role.ADMIN and kabupaten not in served:
        raise ValueError(f"--kabupaten must be one of the districts served: {sorted(served)}")
    # A TKSK serves (and broadcasts to) one kecamatan, a PSM one desa of it.
    needed = {
        Role.TKSK: (("--kecamatan", kecamatan),),
        Role.PSM: (("--kecamatan", kecamatan), ("--desa", desa)),
    }
    missing = [option for option, value in needed.get(role_value, ()) if not value]
    if missing:
        raise ValueError(f"a {role_value.value} needs {' and '.join(missing)}")
    name = clean_text(name)
    if len(name) < 3:
        raise ValueError("--name needs at least 3 characters")
    if holds_nik_or_kk(name):  # as registration refuses it; not echoed
        raise ValueError("--name holds a number shaped like a NIK or KK: give the name only")
    async with one_transaction(settings) as (repos, _):
        if kecamatan and kabupaten:
            kecamatan = await region_code(repos, kecamatan, "kecamatan", within=kabupaten)
        if desa and kecamatan:
            desa = await region_code(repos, desa, "desa", within=kecamatan)
        for code, parent, option in (
            (kecamatan, kabupaten, "--kecamatan"),
            (desa, kecamatan, "--desa"),
        ):
            region = await repos.regions.get(code) if code else None
            if code and (region is None or region.parent_code != parent):
                raise ValueError(f"{option} {code} is not a region under {parent}")
        if await repos.users.identity("telegram", str(telegram_id)):
            raise ValueError(f"Telegram user {telegram_id} already has an account")
        holder = (
            await repos.people.active_tksk(kecamatan, other_than=0)  # 0: nobody yet
            if role_value == Role.TKSK and kecamatan
            else None
        )
        if holder is not None:  # a kecamatan has one TKSK, as /pengguna keeps it
            raise ValueError(
                f"kecamatan {kecamatan} already has an active TKSK: {holder.full_name}"
                f" (user {holder.id}); change their role or region in /pengguna first"
            )
        now = now or datetime.now(UTC)
        user = await repos.users.create(
            now=now,
            status=UserStatus.ACTIVE,
            full_name=name,
            role=role_value,
            kabupaten_code=kabupaten,
            language=settings.default_language,
        )
        user = await repos.users.update(
            user.id,
            now=now,
            kecamatan_code=kecamatan,
            desa_code=desa,
            requested_role=role_value,
        )
        await repos.users.add_identity(
            user_id=user.id, channel="telegram", external_id=str(telegram_id)
        )
        await repos.audit.record(
            now=now,
            actor_id=None,
            action="user.added_by_cli",
            subject=f"user:{user.id}",
            detail={"role": role},
        )
        return user.id
