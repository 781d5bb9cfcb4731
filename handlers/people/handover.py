"""Handing a departing person's open cases and drafts to another active PSM in scope: the
receiver is chosen from a list (same desa, then same kecamatan first; the others marked with
their kecamatan) or typed by name (handlers/region_pickers.py), both are told, cases keep
their history, all is audited. A person typing in a draft handed over meanwhile is told where
it went."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.forms.choices import ChoiceOption
from handlers.people.changes import changeable
from handlers.people.common import (
    PAGE,
    data,
    navigation,
    notify,
    people_scope,
    refuse,
)
from handlers.people.done_already import Asked, DoneCheck
from handlers.people.screens import show_changed_meanwhile, show_person
from handlers.region_pickers import RegionPicker, expect_name, hint, typed_options
from handlers.regions import region_name
from handlers.review.reporter import revise_buttons
from storage.models import Role, User, UserStatus

# How long after a handover the departing person's next message may still be an answer meant
# for the draft they had open (a day: drafts are worked on in one sitting).
OPEN_DRAFT_NOTICE = timedelta(days=1)
HANDOVER_ACTION = "person.handover"
# Every receiver a typed name is matched against (a kabupaten's PSM, whichever page).
TYPED_NAME_RECEIVERS = 1000


def _place_code(departing: User, receiver: User) -> str | None:
    """The region a receiver is labelled with: their desa where the kecamatan is the
    departing person's, else their kecamatan."""
    if receiver.kecamatan_code == departing.kecamatan_code:
        return receiver.desa_code or receiver.kecamatan_code
    return receiver.kecamatan_code


async def _receiver_labels(turn: Turn, departing: User, receivers: list[User]) -> list[str]:
    """Each receiver's button: the name with the desa where the kecamatan is the departing
    person's, else with the other kecamatan ("Dewi · Kec. Cijemit"), never unsaid; the
    regions' names read in one query."""
    codes = [code for r in receivers if (code := _place_code(departing, r))]
    names = await turn.repos.regions.names_of(codes)
    labels = []
    for receiver in receivers:
        code = _place_code(departing, receiver)
        place = names.get(code, code) if code else "-"
        if receiver.kecamatan_code != departing.kecamatan_code:
            place = turn.t("people.region_kecamatan", kecamatan=place)
        labels.append(f"{receiver.full_name} · {place}")
    return labels


@typed_options("psm")
async def _typed_receivers(turn: Turn, departing_id: str) -> tuple[list[ChoiceOption], str]:
    """The PSM a name typed at the handover picker may pick: by full name or one of its
    words ("dewi" for Dewi Lestari), labelled as their buttons are."""
    scope = people_scope(turn.user)
    departing = await turn.repos.people.person(int(departing_id), scope)
    if departing is None:
        return [], "-"
    receivers, _ = await turn.repos.people.receivers(
        scope, departing, limit=TYPED_NAME_RECEIVERS, offset=0
    )
    labels = await _receiver_labels(turn, departing, receivers)
    options = [
        ChoiceOption(
            str(receiver.id),
            label,
            aliases=(receiver.full_name, *receiver.full_name.split()),
        )
        for receiver, label in zip(receivers, labels, strict=True)
    ]
    return options, departing.full_name


async def ask_receiver(turn: Turn, person_id: int, version: int, page: int, pressed: str) -> None:
    """The active PSM who could take over (same kecamatan first), in pages."""
    person = await changeable(turn, person_id, version, pressed)
    if person is None:
        return
    cases, drafts = await turn.repos.people.workload(person.id, people_scope(turn.user))
    if not cases and not drafts:
        await show_person(turn, person.id, turn.t("people.nothing_to_hand_over") + "\n\n")
        return
    receivers, total = await turn.repos.people.receivers(
        people_scope(turn.user), person, limit=PAGE, offset=page * PAGE
    )
    back = [Button(label=turn.t("people.back"), data=data("u", person.id))]
    if total == 0:
        turn.reply(Outbound.say(turn.t("people.no_receiver"), [back]))
        return
    labels = await _receiver_labels(turn, person, receivers)
    rows = [
        [Button(label=label, data=data("hc", person.id, version, receiver.id))]
        for receiver, label in zip(receivers, labels, strict=True)
    ]
    if nav := navigation(turn, page, total, "h", person.id, version):
        rows.append(nav)
    rows.append(back)
    text = turn.t("people.ask_receiver", name=person.full_name, cases=cases, drafts=drafts)
    turn.reply(Outbound.say(text + "\n" + hint(turn, "psm"), rows))
    tap = data("hc", person.id, version, "{code}")
    again = data("h", person.id, version, 0)
    await expect_name(turn, RegionPicker("psm", str(person.id), tap, again))


async def _receiver(turn: Turn, departing: User, receiver_id: int) -> User | None:
    receiver = await turn.repos.people.person(receiver_id, people_scope(turn.user))
    if (
        receiver is None
        or receiver.id == departing.id
        or receiver.role != Role.PSM
        or receiver.status != UserStatus.ACTIVE
        or receiver.kabupaten_code != departing.kabupaten_code
    ):
        return None
    return receiver


def _handed_over(turn: Turn, receiver_id: int) -> DoneCheck:
    """A handover to `receiver_id` asked when the person's last one went to them and nothing
    is left to hand over."""

    async def done(person: User) -> Asked | None:
        entries, _ = await turn.repos.audit.page(
            actions=(HANDOVER_ACTION,), subject=f"user:{person.id}", limit=1
        )
        if not entries or entries[0].detail.get("to") != receiver_id:
            return None
        if any(await turn.repos.people.workload(person.id, people_scope(turn.user))):
            return None
        receiver = await turn.repos.users.get(receiver_id)
        values = {"receiver": receiver.full_name if receiver else "-"}
        return Asked("handed_over", (HANDOVER_ACTION,), values)

    return done


async def _giver_and_receiver(
    turn: Turn, person_id: int, version: int, receiver_id: int, pressed: str
) -> tuple[User, User] | None:
    """The departing person (as the presser saw them) and the PSM taking over; else says why
    (already handed over to them, when so)."""
    done = _handed_over(turn, receiver_id)
    person = await changeable(turn, person_id, version, pressed, done=done)
    if person is None:
        return None
    receiver = await _receiver(turn, person, receiver_id)
    if receiver is None:
        await refuse(turn, pressed, "people.not_found")
        return None
    return person, receiver


async def confirm(turn: Turn, person_id: int, version: int, receiver_id: int, pressed: str) -> None:
    """Say what will move to whom, with the final yes."""
    pair = await _giver_and_receiver(turn, person_id, version, receiver_id, pressed)
    if pair is None:
        return
    person, receiver = pair
    cases, drafts = await turn.repos.people.workload(person.id, people_scope(turn.user))
    rows = [
        [
            Button(
                label=turn.t("people.hand_over_yes"),
                data=data("hy", person.id, version, receiver.id),
            ),
            Button(label=turn.t("people.back"), data=data("u", person.id)),
        ]
    ]
    text = turn.t(
        "people.hand_over_confirm",
        name=person.full_name,
        receiver=receiver.full_name,
        cases=cases,
        drafts=drafts,
    )
    if receiver.kecamatan_code != person.kecamatan_code:
        text += "\n\n" + turn.t(
            "people.hand_over_other_kecamatan",
            receiver=receiver.full_name,
            kecamatan=await region_name(turn, receiver.kecamatan_code),
            own=await region_name(turn, person.kecamatan_code),
        )
    turn.reply(Outbound.say(text, rows))


async def hand_over(
    turn: Turn, person_id: int, version: int, receiver_id: int, pressed: str
) -> None:
    """Move the work (if nobody changed the person meanwhile) and tell both."""
    assert turn.user is not None
    pair = await _giver_and_receiver(turn, person_id, version, receiver_id, pressed)
    if pair is None:
        return
    person, receiver = pair
    if not await turn.repos.people.bump(person.id, version=version, now=turn.now):
        await show_changed_meanwhile(turn, person.id)
        return
    cases, drafts = await turn.repos.people.hand_over(
        from_id=person.id,
        to_id=receiver.id,
        scope=people_scope(turn.user),
        by_id=turn.user.id,
        now=turn.now,
    )
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=HANDOVER_ACTION,
        subject=f"user:{person.id}",
        detail={"to": receiver.id, "cases": [c for c, _ in cases], "drafts": drafts},
    )
    for case_id, _ in cases:
        await turn.repos.audit.record(
            now=turn.now,
            actor_id=turn.user.id,
            action="case.handed_over",
            subject=f"case:{case_id}",
            detail={"from": person.id, "to": receiver.id},
        )
    # The case numbers after a colon; nothing (never ": -") when only drafts moved.
    numbers = ": " + ", ".join(number for _, number in cases) if cases else ""
    moved = [case_id for case_id, _ in cases]
    sent_back = (
        await turn.repos.cases.sent_back(receiver.id, len(moved), among=moved) if moved else []
    )
    await notify(
        turn,
        receiver,
        "people.you_received",
        then="case.mine_revise_hint" if sent_back else None,
        buttons=revise_buttons(turn.app.catalog, receiver.language, sent_back),
        name=person.full_name,
        by=turn.user.full_name,
        count=len(sent_back),
        work=work_text(turn, receiver.language, len(cases), len(drafts)),
        where=work_text(turn, receiver.language, len(cases), len(drafts), "people.received_where"),
        numbers=numbers,
    )
    # Thanked for their service only when they leave (suspended), not when they stay active.
    await notify(
        turn,
        person,
        "people.you_handed_over",
        then=None if person.status == UserStatus.ACTIVE else "people.farewell",
        name=receiver.full_name,
        by=turn.user.full_name,
        work=work_text(turn, person.language, len(cases), len(drafts)),
        numbers=numbers,
    )
    work = work_text(turn, turn.language, len(cases), len(drafts))
    done = turn.t("people.handed_over", receiver=receiver.full_name, work=work, numbers=numbers)
    await show_person(turn, person.id, done + "\n\n")


def work_text(turn: Turn, language: str, cases: int, drafts: int, key: str = "people.work") -> str:
    """What moved, naming only what there is ("1 draf", never "0 laporan dan 1 draf"); under
    `key`: its texts for cases, drafts and both, in `language`."""
    which = "both" if cases and drafts else "cases" if cases else "drafts"
    return turn.app.catalog.text(language, f"{key}.{which}", cases=cases, drafts=drafts)


async def tell_open_draft_handed_over(turn: Turn) -> bool:
    """A message (or a form button) from someone whose open draft was just handed over, who
    has no form now: say to whom (and by whom) it went and that the answer was not kept,
    instead of "not understood". Told once. Whether it was told."""
    assert turn.user is not None
    found = await turn.repos.people.handed_over_notice(
        turn.user.id, since=turn.now - OPEN_DRAFT_NOTICE
    )
    if found is None:
        return False
    receiver_id, by_id = found
    receiver = await turn.repos.users.get(receiver_id)
    by = await turn.repos.users.get(by_id) if by_id is not None else None
    # Typed for the draft's NIK or KK question, perhaps: it leaves the chat as it would there.
    turn.identifier_question = True
    key = "people.draft_open_handed_over_by" if by else "people.draft_open_handed_over"
    name = receiver.full_name if receiver else "-"
    turn.reply(turn.t(key, receiver=name, by=by.full_name if by else ""))
    return True
