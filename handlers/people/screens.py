"""/pengguna: the menu, paged lists of people (waiting registrations, by role, by kecamatan,
by name) and a person's page with what may be done to them."""

from __future__ import annotations

from handlers.channel_choice import channel_name
from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.paging import page_count
from handlers.people.common import (
    CODE_OF_ROLE,
    PAGE,
    ROLE_CODES,
    data,
    may_change,
    menu_button,
    navigation,
    people_scope,
    phone_shown,
    refuse,
    role_label,
)
from handlers.permissions import allowed
from handlers.region_pickers import RegionPicker, expect_name, hint
from handlers.regions import region_name, region_name_after_level
from handlers.registration_request import request_message
from storage.models import Role, User, UserStatus

LISTED_ROLES = (Role.PSM, Role.TKSK, Role.COORDINATOR)
MARKS = {UserStatus.SUSPENDED: "⏸ ", UserStatus.REJECTED: "✖️ "}


async def show_people(turn: Turn) -> None:
    """/pengguna [name]: the menu, or the people whose name matches."""
    if not allowed(turn.user, "people.manage"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    words = turn.event.command_args.strip()
    if words:
        await show_search(turn, words)
    else:
        await show_menu(turn)


async def show_menu(turn: Turn) -> None:
    """Where to start: registrations waiting, people by role or kecamatan, a name search."""
    assert turn.user is not None
    scope = people_scope(turn.user)
    _, waiting = await turn.repos.people.pending(scope, limit=1, offset=0)
    area = (
        await region_name(turn, turn.user.kabupaten_code)
        if not scope.everything
        else turn.t("people.everywhere")
    )
    rows = [[Button(label=turn.t("people.pending_button", count=waiting), data=data("p", 0))]]
    rows += [
        [Button(label=turn.t(f"people.list_role.{role}"), data=data("r", CODE_OF_ROLE[role], 0))]
        for role in LISTED_ROLES
    ]
    if scope.everything:
        kabupaten = [district.code for district in turn.app.districts]
    else:
        kabupaten = [turn.user.kabupaten_code]
    for code in kabupaten:
        label = turn.t("people.by_kecamatan", kabupaten=await region_name(turn, code))
        rows.append([Button(label=label, data=data("k", code, 0))])
    turn.reply(Outbound.say(turn.t("people.menu", area=area, waiting=waiting), rows))


async def _people_rows(turn: Turn, people: list[User]) -> list[list[Button]]:
    rows = []
    for person in people:
        mark = MARKS.get(person.status, "")
        place = await region_name(turn, person.desa_code or person.kecamatan_code)
        label = f"{mark}{person.full_name}" + (f" · {place}" if place != "-" else "")
        rows.append([Button(label=label, data=data("u", person.id))])
    return rows


async def _list(
    turn: Turn, title: str, people: list[User], total: int, page: int, *fields: object
) -> None:
    if total == 0:
        turn.reply(Outbound.say(title + "\n\n" + turn.t("people.nobody"), [[menu_button(turn)]]))
        return
    rows = await _people_rows(turn, people)
    if nav := navigation(turn, page, total, *fields):
        rows.append(nav)
    rows.append([menu_button(turn)])
    pages = page_count(total, PAGE)
    heading = title + "\n" + turn.t("people.page", total=total, page=page + 1, pages=pages)
    turn.reply(Outbound.say(heading, rows))


async def show_pending(turn: Turn, page: int) -> None:
    scope = people_scope(turn.user)
    people, total = await turn.repos.people.pending(scope, limit=PAGE, offset=page * PAGE)
    await _list(turn, turn.t("people.pending_title"), people, total, page, "p")


async def show_role(turn: Turn, code: str, page: int) -> None:
    role = ROLE_CODES[code]
    people, total = await turn.repos.people.with_role(
        people_scope(turn.user), role, limit=PAGE, offset=page * PAGE
    )
    title = turn.t("people.role_title", role=role_label(turn, role))
    await _list(turn, title, people, total, page, "r", code)


async def show_kecamatan_choice(turn: Turn, kabupaten_code: str, page: int) -> None:
    """The kecamatan of a kabupaten in scope, to list the people of one."""
    scope = people_scope(turn.user)
    if not scope.everything and kabupaten_code != scope.kabupaten_code:
        turn.reply(turn.t("errors.not_allowed"))
        return
    kecamatan = await turn.repos.regions.children(kabupaten_code)
    shown = kecamatan[page * PAGE : (page + 1) * PAGE]
    rows = [[Button(label=k.name, data=data("kp", k.code, 0))] for k in shown]
    if nav := navigation(turn, page, len(kecamatan), "k", kabupaten_code):
        rows.append(nav)
    rows.append([menu_button(turn)])
    text = turn.t("people.choose_kecamatan") + "\n" + hint(turn, "kecamatan")
    turn.reply(Outbound.say(text, rows))
    tap, again = data("kp", "{code}", 0), data("k", kabupaten_code, page)
    await expect_name(turn, RegionPicker("kecamatan", kabupaten_code, tap, again))


async def show_kecamatan(turn: Turn, kecamatan_code: str, page: int) -> None:
    people, total = await turn.repos.people.in_kecamatan(
        people_scope(turn.user), kecamatan_code, limit=PAGE, offset=page * PAGE
    )
    title = turn.t("people.kecamatan_title", kecamatan=await region_name(turn, kecamatan_code))
    await _list(turn, title, people, total, page, "kp", kecamatan_code)


async def show_search(turn: Turn, words: str) -> None:
    """People whose name holds every word typed (the first page; more words narrow it)."""
    people, total = await turn.repos.people.named(
        people_scope(turn.user), words[:60], limit=PAGE, offset=0
    )
    if total == 0:
        turn.reply(Outbound.say(turn.t("people.search_none"), [[menu_button(turn)]]))
        return
    rows = await _people_rows(turn, people)
    rows.append([menu_button(turn)])
    text = turn.t("people.search_found", count=total)
    if total > PAGE:
        text += "\n" + turn.t("people.search_narrow", shown=PAGE)
    turn.reply(Outbound.say(text, rows))


async def person_text(turn: Turn, person: User) -> str:
    cases, drafts = await turn.repos.people.workload(person.id, people_scope(turn.user))
    channels = sorted({i.channel for i in await turn.repos.users.identities_of(person.id)})
    return turn.t(
        "people.card",
        name=person.full_name or "-",
        role=role_label(turn, person.role or person.requested_role),
        status=turn.t(f"status.{person.status}"),
        kabupaten=await region_name_after_level(turn, person.kabupaten_code),
        kecamatan=await region_name(turn, person.kecamatan_code),
        desa=await region_name(turn, person.desa_code),
        channels=", ".join(channel_name(turn, c) for c in channels) or "-",
        # In full: the page is only ever shown to the person's coordinators and the admins
        # (`people_scope`), who must be able to call them, as the registration request shows
        # it; elsewhere (audit, notices to others) a number stays masked.
        phone=phone_shown(turn.app.catalog, turn.language, person.phone, person.phone_verified),
        cases=cases,
        drafts=drafts,
    )


async def show_person(turn: Turn, person_id: int, prefix: str = "") -> None:
    """A person's page: who they are and the buttons for what the presser may do."""
    assert turn.user is not None
    person = await turn.repos.people.person(person_id, people_scope(turn.user))
    if person is None:  # says nothing about other districts
        await refuse(turn, data("u", person_id), "people.not_found")
        return
    await turn.repos.audit.record(
        now=turn.now, actor_id=turn.user.id, action="person.view", subject=f"user:{person.id}"
    )
    if person.awaits_decision:
        # The registration request with its approve / reject buttons: one decision path.
        request = await request_message(turn, person, turn.user, from_people=True)
        turn.reply(request.model_copy(update={"text": prefix + request.text}))
        return
    rows: list[list[Button]] = []
    version = person.version
    if may_change(turn, person) and person.status in (UserStatus.ACTIVE, UserStatus.SUSPENDED):
        actions = [Button(label=turn.t("people.change_role"), data=data("o", person.id, version))]
        if person.role in (Role.PSM, Role.TKSK):
            code = CODE_OF_ROLE[person.role]
            actions.append(
                Button(
                    label=turn.t("people.change_region"),
                    data=data("g", person.id, version, code, 0),
                )
            )
        rows.append(actions)
        if person.status == UserStatus.ACTIVE:
            rows.append(
                [Button(label=turn.t("people.suspend"), data=data("s", person.id, version))]
            )
        else:
            rows.append(
                [Button(label=turn.t("people.reactivate"), data=data("a", person.id, version))]
            )
        cases, drafts = await turn.repos.people.workload(person.id, people_scope(turn.user))
        if cases or drafts:
            rows.append(
                [Button(label=turn.t("people.hand_over"), data=data("h", person.id, version, 0))]
            )
    if may_change(turn, person) and person.status == UserStatus.REJECTED:
        rows.append(
            [Button(label=turn.t("people.reconsider"), data=data("rv", person.id, version))]
        )
    rows.append([menu_button(turn)])
    # A request about their personal data is carried out on the server by this number.
    data_request = turn.t("people.data_request", id=person.id)
    turn.reply(Outbound.say(f"{prefix}{await person_text(turn, person)}\n{data_request}", rows))


async def show_changed_meanwhile(turn: Turn, person_id: int) -> None:
    """The person's page again, saying they changed since the presser saw them."""
    await show_person(turn, person_id, turn.t("people.changed_meanwhile") + "\n\n")
