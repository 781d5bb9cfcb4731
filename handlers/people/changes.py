"""Changing a person from their page: role and region (`apply`; the roles offered here, the
role chosen and the region pickers in handlers/people/placement.py), suspension and
reactivation. Each change is audited, told to the person, refused out of scope and applied
only if the person is still as the presser saw them (their version)."""

from __future__ import annotations

from handlers.admin_numbers import is_configured_admin
from handlers.context import Turn
from handlers.district_contact import office_text
from handlers.events import Button, Outbound
from handlers.people.common import (
    CODE_OF_ROLE,
    assignable_roles,
    data,
    may_change,
    notify,
    page_button,
    people_scope,
    refuse,
    role_label,
)
from handlers.people.done_already import Asked, DoneCheck, tell_done_already
from handlers.people.screens import show_changed_meanwhile, show_person
from handlers.people.verifications_left import stops_verifying, verifications_left
from handlers.regions import region_name
from handlers.status_explained import STATUS_THREAD
from storage.models import Role, User, UserStatus

CHOOSABLE = (Role.PSM, Role.TKSK, Role.COORDINATOR, Role.ADMIN)


async def changeable(
    turn: Turn,
    person_id: int,
    version: int,
    pressed: str,
    *,
    status: UserStatus | None = None,
    done: DoneCheck | None = None,
) -> User | None:
    """The person if the presser may change them as they saw them (and, given a `status`, they
    still have it); else says why (None): changed meanwhile, or (`done`) already as asked."""
    person = await turn.repos.people.person(person_id, people_scope(turn.user))
    if person is None:
        await refuse(turn, pressed, "people.not_found")
        return None
    if not may_change(turn, person):
        await refuse(turn, pressed)
        return None
    if await is_configured_admin(turn, person):
        turn.reply(turn.t("people.configured_admin"))
        return None
    if person.version != version or (status is not None and person.status != status):
        asked = await done(person) if done is not None else None
        if asked is not None:  # a double tap, or another presser did the same
            await tell_done_already(turn, person, asked)
        else:
            await show_changed_meanwhile(turn, person.id)
        return None
    return person


def placed_done(
    turn: Turn, role: Role, *, kecamatan_code: str | None = None, desa_code: str | None = None
) -> DoneCheck:
    """A role (in a kecamatan, at a desa) asked of someone who has it now: said with the
    region they have (as a region changed when that was the latest change: "Ubah wilayah")."""

    async def done(person: User) -> Asked | None:
        if (
            person.role != role
            or desa_code not in (None, person.desa_code)
            or kecamatan_code not in (None, person.kecamatan_code)
        ):
            return None
        region = await _placed_in(
            turn, turn.language, person.kecamatan_code, person.desa_code, person.kabupaten_code
        )
        values = {"role": role_label(turn, role), "region": region}
        actions = ("person.role_changed", "person.region_changed")
        return Asked("placed", actions, values, worded={"person.region_changed": "moved"})

    return done


def _status_done(status: UserStatus) -> DoneCheck:
    """A suspension (a reactivation) asked of someone suspended (active) now."""
    if status == UserStatus.SUSPENDED:
        asked = Asked("suspended", ("person.suspended",))
    else:
        asked = Asked("reactivated", ("person.reactivated",))

    async def done(person: User) -> Asked | None:
        return asked if person.status == status else None

    return done


def _placement(person: User) -> dict[str, str | None]:
    """Role and region codes, as the audit records a change of them."""
    return {
        "role": person.role,
        "kabupaten": person.kabupaten_code,
        "kecamatan": person.kecamatan_code,
        "desa": person.desa_code,
    }


async def _tksk_free(turn: Turn, person: User, kecamatan_code: str | None) -> bool:
    """A kecamatan has one active TKSK: refuse a second one, pointing to the one there, with
    the way back to the person being changed."""
    if not kecamatan_code:
        return True
    holder = await turn.repos.people.active_tksk(kecamatan_code, other_than=person.id)
    if holder is None:
        return True
    rows = [
        [page_button(holder)],
        [Button(label=turn.t("people.back"), data=data("u", person.id))],
    ]
    turn.reply(Outbound.say(turn.t("people.tksk_taken", name=holder.full_name), rows))
    return False


# -- role -----------------------------------------------------------------------------------


async def ask_role(turn: Turn, person_id: int, version: int, pressed: str) -> None:
    """The roles this presser may give."""
    person = await changeable(turn, person_id, version, pressed)
    if person is None:
        return
    allowed_roles = assignable_roles(turn.user)
    rows = [
        [
            Button(
                label=role_label(turn, role),
                data=data("or", person.id, version, CODE_OF_ROLE[role]),
            )
        ]
        for role in CHOOSABLE
        if role in allowed_roles and role != person.role
    ]
    rows.append([Button(label=turn.t("people.back"), data=data("u", person.id))])
    text = turn.t("people.ask_role", name=person.full_name, role=role_label(turn, person.role))
    text += await verifications_left(turn, person, asked=True)
    turn.reply(Outbound.say(text, rows))


# -- placement ------------------------------------------------------------------------------


def in_scope(turn: Turn, kabupaten_code: str | None) -> bool:
    """Whether a kabupaten is the presser's to place people in (admins: any)."""
    scope = people_scope(turn.user)
    return kabupaten_code is not None and (
        scope.everything or kabupaten_code == scope.kabupaten_code
    )


# What a person is told, by (role changed, region changed): only what changed is named.
_CHANGE_TOLD = {
    (True, True): "people.you_changed",
    (True, False): "people.you_changed_role",
    (False, True): "people.you_changed_region",
    (False, False): "people.you_changed_region",  # the same again: their placement restated
}


async def _placed_in(
    turn: Turn, language: str, kecamatan: str | None, desa: str | None, kabupaten: str | None
) -> str:
    """Where a person works, in their language: a desa with its kecamatan (the two may share a
    name: "Desa Ciawigebang, Kec. Ciawigebang"), a kecamatan, or the kabupaten's name."""
    catalog = turn.app.catalog
    if desa:
        names = {
            "desa": await region_name(turn, desa),
            "kecamatan": await region_name(turn, kecamatan),
        }
        return catalog.text(language, "people.region_desa", **names)
    if kecamatan:
        return catalog.text(
            language, "people.region_kecamatan", kecamatan=await region_name(turn, kecamatan)
        )
    return await region_name(turn, kabupaten, language)


async def apply(
    turn: Turn,
    person: User,
    role: Role,
    kabupaten_code: str | None,
    kecamatan_code: str | None,
    desa_code: str | None,
    pressed: str,
) -> None:
    """Give a person a role and region (if nobody changed them meanwhile); tell them."""
    assert turn.user is not None
    if role not in assignable_roles(turn.user) or (
        role in (Role.PSM, Role.TKSK, Role.COORDINATOR) and not in_scope(turn, kabupaten_code)
    ):
        await refuse(turn, pressed)
        return
    if (
        role == Role.TKSK
        and person.status == UserStatus.ACTIVE
        and not await _tksk_free(turn, person, kecamatan_code)
    ):
        return
    changed = await turn.repos.people.change(
        person.id,
        version=person.version,
        scope=people_scope(turn.user),
        manageable=assignable_roles(turn.user),
        now=turn.now,
        role=role,
        kabupaten_code=kabupaten_code,
        kecamatan_code=kecamatan_code,
        desa_code=desa_code,
    )
    if changed is None:
        await show_changed_meanwhile(turn, person.id)
        return
    action = "person.role_changed" if role != person.role else "person.region_changed"
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=action,
        subject=f"user:{person.id}",
        detail={"from": _placement(person), "to": _placement(changed)},
    )
    catalog = turn.app.catalog
    role_changed = role != person.role
    region_changed = (kabupaten_code, kecamatan_code, desa_code) != (
        person.kabupaten_code,
        person.kecamatan_code,
        person.desa_code,
    )
    await notify(
        turn,
        changed,
        _CHANGE_TOLD[(role_changed, region_changed)],
        with_help=role_changed and changed.status == "active",
        role=catalog.text(changed.language, f"roles.{role}"),
        region=await _placed_in(turn, changed.language, kecamatan_code, desa_code, kabupaten_code),
        by=turn.user.full_name,
    )
    # Counted before the change is told: the person, no longer their TKSK, is counted as was.
    left = (
        await verifications_left(turn, person, asked=False)
        if stops_verifying(person, changed)
        else ""
    )
    await show_person(turn, changed.id, turn.t("people.changed") + left + "\n\n")


# -- suspension -----------------------------------------------------------------------------


async def ask_suspend(turn: Turn, person_id: int, version: int, pressed: str) -> None:
    person = await changeable(
        turn,
        person_id,
        version,
        pressed,
        status=UserStatus.ACTIVE,
        done=_status_done(UserStatus.SUSPENDED),
    )
    if person is None:
        return
    rows = [
        [
            Button(label=turn.t("people.suspend_yes"), data=data("sy", person.id, version)),
            Button(label=turn.t("people.back"), data=data("u", person.id)),
        ]
    ]
    text = turn.t("people.suspend_confirm", name=person.full_name)
    text += await verifications_left(turn, person, asked=True)
    turn.reply(Outbound.say(text, rows))


async def change_status(turn: Turn, person: User, version: int, status: UserStatus) -> User | None:
    """A person's new status, as the presser may set it (their scope, the roles they manage,
    the version they saw); None, with the page shown again, when it changed meanwhile."""
    assert turn.user is not None
    changed = await turn.repos.people.change(
        person.id,
        version=version,
        scope=people_scope(turn.user),
        manageable=assignable_roles(turn.user),
        now=turn.now,
        status=status,
    )
    if changed is None:
        await show_changed_meanwhile(turn, person.id)
    return changed


async def set_status(
    turn: Turn, person_id: int, version: int, status: UserStatus, pressed: str
) -> None:
    """Suspend an active person or reactivate a suspended one."""
    assert turn.user is not None
    expected = UserStatus.ACTIVE if status == UserStatus.SUSPENDED else UserStatus.SUSPENDED
    done = _status_done(status)
    person = await changeable(turn, person_id, version, pressed, status=expected, done=done)
    if person is None:
        return
    if (
        status == UserStatus.ACTIVE
        and person.role == Role.TKSK
        and not await _tksk_free(turn, person, person.kecamatan_code)
    ):
        return
    changed = await change_status(turn, person, version, status)
    if changed is None:
        return
    suspended = status == UserStatus.SUSPENDED
    resumed = False
    if suspended:
        # Nothing queued for them goes out any more; the form they were in waits as a draft
        # (one without an answer is dropped), and is open again when they are reactivated.
        await turn.repos.people.drop_unsent(person.id)
        await turn.repos.people.pause_session(person.id, now=turn.now)
    else:
        resumed = await turn.repos.people.resume_session(person.id, now=turn.now)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="person.suspended" if suspended else "person.reactivated",
        subject=f"user:{person.id}",
    )
    if suspended:
        text = await office_text(turn, changed, "people.you_suspended", by=turn.user.full_name)
        summary = turn.app.catalog.text(changed.language, "announced.account")
        notice = Outbound(text=text, summary=summary, thread=STATUS_THREAD)
        await turn.deliver(changed.id, notice)
    else:
        then = "people.form_kept" if resumed else None
        await notify(
            turn, changed, "people.you_reactivated", then=then, with_help=True, thread=STATUS_THREAD
        )
    key = "people.suspended" if suspended else "people.reactivated"
    left = await verifications_left(turn, person, asked=False) if suspended else ""
    await show_person(turn, changed.id, turn.t(key, name=changed.full_name) + left + "\n\n")
