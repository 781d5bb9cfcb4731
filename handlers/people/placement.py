"""A person's placement chosen from their page: a role (`set_role`), and the kecamatan and
desa it needs, or a new region: pickers of the regions table (a coordinator's kabupaten, an
admin's choice of district; a desa of the chosen kecamatan), paged, where a name may be typed
too (handlers/region_pickers.py). What is chosen is given with `changes.apply`, which checks
the scope and the person's version again."""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.people.changes import apply, changeable, in_scope, placed_done
from handlers.people.common import (
    PAGE,
    ROLE_CODES,
    assignable_roles,
    data,
    navigation,
    people_scope,
    refuse,
)
from handlers.region_pickers import RegionPicker, expect_name, hint
from handlers.regions import region_name
from storage.models import Region, Role


async def set_role(turn: Turn, person_id: int, version: int, code: str, pressed: str) -> None:
    """A role was chosen: apply it, or first ask for the kecamatan / desa it needs."""
    role = ROLE_CODES.get(code)
    if role is None or role not in assignable_roles(turn.user):
        await refuse(turn, pressed)
        return
    person = await changeable(turn, person_id, version, pressed, done=placed_done(turn, role))
    if person is None:
        return
    if role == Role.PSM and not person.desa_code:
        if person.kecamatan_code:
            await ask_desa(turn, person_id, version, code, person.kecamatan_code, 0, pressed)
        else:
            await ask_kecamatan(turn, person_id, version, code, 0, None, pressed)
        return
    if role == Role.TKSK and not person.kecamatan_code:
        await ask_kecamatan(turn, person_id, version, code, 0, None, pressed)
        return
    kabupaten = person.kabupaten_code or _default_kabupaten(turn)
    if role == Role.PSM:
        await apply(turn, person, role, kabupaten, person.kecamatan_code, person.desa_code, pressed)
    elif role == Role.TKSK:
        await apply(turn, person, role, kabupaten, person.kecamatan_code, None, pressed)
    else:  # coordinators and admins work for a whole kabupaten (or everywhere)
        await apply(turn, person, role, kabupaten, None, None, pressed)


def _default_kabupaten(turn: Turn) -> str | None:
    assert turn.user is not None
    if turn.user.kabupaten_code:
        return turn.user.kabupaten_code
    return turn.app.districts[0].code if turn.app.districts else None


# -- region ---------------------------------------------------------------------------------


async def ask_kecamatan(
    turn: Turn,
    person_id: int,
    version: int,
    code: str,
    page: int,
    kabupaten_code: str | None,
    pressed: str,
) -> None:
    """The kecamatan of the kabupaten (admins may switch kabupaten)."""
    person = await changeable(turn, person_id, version, pressed)
    if person is None:
        return
    kabupaten = kabupaten_code or person.kabupaten_code or _default_kabupaten(turn)
    if code not in ("p", "t") or not in_scope(turn, kabupaten):
        await refuse(turn, pressed)
        return
    assert kabupaten is not None
    kecamatan = await turn.repos.regions.children(kabupaten)
    rows = [
        [Button(label=k.name, data=data("gk", person.id, version, code, k.code, 0))]
        for k in kecamatan[page * PAGE : (page + 1) * PAGE]
    ]
    fields = ("g", person.id, version, code)
    # Paging keeps the kabupaten chosen: it goes after the page number.
    nav = [
        b.model_copy(update={"data": f"{b.data}:{kabupaten}"})
        for b in navigation(turn, page, len(kecamatan), *fields)
    ]
    if nav:
        rows.append(nav)
    if people_scope(turn.user).everything:
        others = [d.code for d in turn.app.districts if d.code != kabupaten]
        for other in others:
            label = turn.t("people.other_kabupaten", kabupaten=await region_name(turn, other))
            rows.append([Button(label=label, data=data(*fields, 0, other))])
    rows.append([Button(label=turn.t("people.back"), data=data("u", person.id))])
    text = turn.t(
        "people.ask_kecamatan",
        name=person.full_name,
        kabupaten=await region_name(turn, kabupaten),
    )
    turn.reply(Outbound.say(text + "\n" + hint(turn, "kecamatan"), rows))
    tap = data("gk", person.id, version, code, "{code}", 0)
    again = data(*fields, page, kabupaten)
    await expect_name(turn, RegionPicker("kecamatan", kabupaten, tap, again))


async def _region(turn: Turn, code: str, level: str) -> Region | None:
    region = await turn.repos.regions.get(code)
    return region if region is not None and region.level == level else None


async def ask_desa(
    turn: Turn,
    person_id: int,
    version: int,
    code: str,
    kecamatan_code: str,
    page: int,
    pressed: str,
) -> None:
    """A kecamatan was chosen: a PSM also needs a desa; a TKSK is done."""
    # Only a TKSK's kecamatan is a change (tapped twice: made); a PSM's leads to the desa.
    done = placed_done(turn, Role.TKSK, kecamatan_code=kecamatan_code) if code == "t" else None
    person = await changeable(turn, person_id, version, pressed, done=done)
    if person is None:
        return
    kecamatan = await _region(turn, kecamatan_code, "kecamatan")
    role = ROLE_CODES.get(code)
    if (
        kecamatan is None
        or role not in (Role.PSM, Role.TKSK)
        or role not in assignable_roles(turn.user)
        or not in_scope(turn, kecamatan.parent_code)
    ):
        await refuse(turn, pressed)
        return
    if role == Role.TKSK:
        await apply(turn, person, role, kecamatan.parent_code, kecamatan.code, None, pressed)
        return
    desa = await turn.repos.regions.children(kecamatan.code)
    rows = [
        [Button(label=d.name, data=data("gd", person.id, version, code, d.code))]
        for d in desa[page * PAGE : (page + 1) * PAGE]
    ]
    if nav := navigation(turn, page, len(desa), "gk", person.id, version, code, kecamatan.code):
        rows.append(nav)
    rows.append([Button(label=turn.t("people.back"), data=data("u", person.id))])
    text = turn.t("people.ask_desa", name=person.full_name, kecamatan=kecamatan.name)
    turn.reply(Outbound.say(text + "\n" + hint(turn, "desa"), rows))
    tap = data("gd", person.id, version, code, "{code}")
    again = data("gk", person.id, version, code, kecamatan.code, page)
    await expect_name(turn, RegionPicker("desa", kecamatan.code, tap, again))


async def set_desa(
    turn: Turn, person_id: int, version: int, code: str, desa_code: str, pressed: str
) -> None:
    """A desa was chosen (tapped or typed): the person is a PSM there, if still in scope."""
    done = placed_done(turn, Role.PSM, desa_code=desa_code)
    person = await changeable(turn, person_id, version, pressed, done=done)
    if person is None:
        return
    desa = await _region(turn, desa_code, "desa")
    kecamatan = await _region(turn, desa.parent_code, "kecamatan") if desa else None
    if (
        desa is None
        or kecamatan is None
        or ROLE_CODES.get(code) != Role.PSM
        or not in_scope(turn, kecamatan.parent_code)
    ):
        await refuse(turn, pressed)
        return
    await apply(turn, person, Role.PSM, kecamatan.parent_code, kecamatan.code, desa.code, pressed)
