"""/kontak: the contact line of a district's Dinas Sosial office (who to call, which number,
when), set by the district's coordinators (admins: any district) with the `district_contact`
form, and shown wherever a message sends someone to the office: a rejected registration, a
suspension, a number taken by another account, /bantuan, a broadcast. Without one, those
messages keep their general wording ("hubungi koordinator Dinas Sosial kabupaten Bapak/Ibu").
Everyone else registered (PSM, TKSK, calon, someone waiting for approval) reads it with
/kontak.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.events import Outbound
from handlers.forms.runner import form_context, on_complete, resume_form, start_form
from handlers.i18n import Catalog
from handlers.permissions import allowed
from handlers.regions import region_name
from storage.models import FormSession, Role, User, UserStatus
from storage.repos import Repos

FORM_ID = "district_contact"


async def contact_note(
    repos: Repos, catalog: Catalog, language: str, kabupaten_code: str | None
) -> str:
    """What to add to a message sending someone to their district's office: a line with the
    office's contact when the district set one, else nothing."""
    contact = await repos.district_contacts.contact(kabupaten_code)
    if contact is None:
        return ""
    return "\n\n" + catalog.text(language, "district_contact.line", contact=contact)


async def office_text(turn: Turn, person: User, key: str, /, **values: Any) -> str:
    """A catalogue text sending `person` to their district's office, in their language, with
    the office's contact when it is set."""
    catalog = turn.app.catalog
    note = await contact_note(turn.repos, catalog, person.language, person.kabupaten_code)
    return catalog.text(person.language, key, **values) + note


def may_set(user: User | None, kabupaten_code: str | None) -> bool:
    """Coordinators set their own kabupaten's contact, admins any district's."""
    if not allowed(user, "district.contact") or user is None or not kabupaten_code:
        return False
    return user.role == Role.ADMIN or user.kabupaten_code == kabupaten_code


async def _current(turn: Turn, codes: list[str]) -> str:
    lines = []
    for code in codes:
        contact = await turn.repos.district_contacts.contact(code)
        lines.append(
            turn.t(
                "district_contact.current",
                district=await region_name(turn, code),
                contact=contact if contact is not None else turn.t("district_contact.unset"),
            )
        )
    return "\n".join(lines)


def _may_view(user: User | None) -> bool:
    """Everyone registered reads their office's contact: active people of any role, and
    someone whose registration waits for a decision."""
    if user is not None and user.status == UserStatus.PENDING:
        return True
    return allowed(user, "district.contact_view")


async def office_contacts(turn: Turn, user: User) -> str:
    """What /kontak shows `user`: the contact of their district office (someone without a
    kabupaten: of every district served), or whom to ask while it is not set."""
    if user.kabupaten_code:
        codes = [user.kabupaten_code]
    else:
        codes = [district.code for district in turn.app.districts]
    lines = []
    for code in codes:
        contact = await turn.repos.district_contacts.contact(code)
        district = await region_name(turn, code)
        if contact is None:
            # A TKSK is not sent to the kecamatan's TKSK: himself.
            unset = "view_unset_tksk" if user.role == Role.TKSK else "view_unset"
            lines.append(turn.t(f"district_contact.{unset}", district=district))
        else:
            lines.append(turn.t("district_contact.view", district=district, contact=contact))
    return "\n".join(lines)


async def show(turn: Turn) -> None:
    """/kontak read only: the contact of the person's district office (`office_contacts`),
    then the question of a form left open, if any."""
    assert turn.user is not None
    user = turn.user
    turn.reply(await office_contacts(turn, user))
    # /kontak opens a form for coordinators, so the router does not resume one after it.
    session = await turn.repos.forms.active(user.id)
    if session is not None and user.status == UserStatus.ACTIVE:
        await resume_form(turn, session, turn.t("form.continue_hint") + "\n\n")


async def ask(turn: Turn) -> None:
    """/kontak: show the current contact (an admin: every district's) and ask for the new
    one. A coordinator's kabupaten is fixed when the form starts and checked again at the end.
    Anyone else registered sees their office's contact (`show`)."""
    user = turn.user
    if user is not None and user.role == Role.ADMIN and allowed(user, "district.contact"):
        codes = [district.code for district in turn.app.districts]
        context = None  # the form asks the admin which district
    elif user is not None and may_set(user, user.kabupaten_code):
        assert user.kabupaten_code is not None
        codes, context = [user.kabupaten_code], {"kabupaten": user.kabupaten_code}
    elif _may_view(user):
        await show(turn)
        return
    else:
        turn.reply(turn.t("errors.not_allowed"))
        return
    intro = turn.t("district_contact.intro", current=await _current(turn, codes))
    await start_form(turn, FORM_ID, prefix=intro + "\n\n", context=context)


@on_complete(FORM_ID)
async def complete(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Store the contact for the district, if the person may still set that district's (a
    coordinator moved to another kabupaten, or no longer a coordinator, may not)."""
    assert turn.user is not None
    user = turn.user
    picked = answers.get("kabupaten")
    kabupaten = picked["name"] if picked else form_context(session).get("kabupaten")
    served = {district.code for district in turn.app.districts}
    if kabupaten not in served or not may_set(user, kabupaten):
        await turn.repos.audit.record(
            now=turn.now,
            actor_id=user.id,
            action="district.contact_refused",
            subject=f"kabupaten:{kabupaten}" if kabupaten else None,
        )
        turn.reply(Outbound(text=turn.t("errors.not_allowed"), remove_keyboard=True))
        return
    contact = str(answers["contact"]).strip()
    await turn.repos.district_contacts.set_contact(kabupaten, contact, by=user.id, now=turn.now)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=user.id,
        action="district.contact_set",
        subject=f"kabupaten:{kabupaten}",
        detail={"chars": len(contact)},  # the text names staff: not kept in the log
    )
    text = turn.t(
        "district_contact.saved",
        district=await region_name(turn, kabupaten),
        contact=contact,
    )
    turn.reply(Outbound(text=text, remove_keyboard=True))
