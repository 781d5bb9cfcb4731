"""What the people-management screens share: who manages whom, button data, a person's card.

Buttons are `pg:<verb>:<fields>` with short ids (user ids, region codes, a page number and
the version of the person shown); every press is re-checked against the presser's role and
scope (`storage/people.py` enforces the scope in its queries).
"""

from __future__ import annotations

from handlers.command_menu import notice_help
from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.i18n import Catalog
from handlers.paging import page_buttons
from handlers.permissions import allowed
from storage.models import Role, User
from storage.scope import Scope

PREFIX = "pg"
PAGE = 7  # rows per page: with previous / next / menu it fits a WhatsApp list (10 rows)
ROLE_CODES = {"p": Role.PSM, "t": Role.TKSK, "c": Role.COORDINATOR, "a": Role.ADMIN}
CODE_OF_ROLE = {role: code for code, role in ROLE_CODES.items()}


def data(*fields: object) -> str:
    """Button data for a people-management button."""
    return ":".join([PREFIX, *(str(f) for f in fields)])


def page_button(person: User) -> Button:
    """A button to a person's page (their name): the TKSK a kecamatan already has, where a
    second one is refused or waits for approval."""
    return Button(label=person.full_name[:24], data=data("u", person.id))


def people_scope(user: User | None) -> Scope:
    """The people a person may manage: admins everyone, coordinators their kabupaten."""
    if not allowed(user, "people.manage") or user is None:
        return Scope()
    if user.role == Role.ADMIN:
        return Scope(everything=True)
    if user.role == Role.COORDINATOR and user.kabupaten_code:
        return Scope(kabupaten_code=user.kabupaten_code)
    return Scope()


def assignable_roles(user: User | None) -> tuple[Role, ...]:
    """Roles a person may give (and the roles of the people they may change): only admins
    make (or change) coordinators and admins."""
    if allowed(user, "people.assign_staff"):
        return (Role.PSM, Role.TKSK, Role.COORDINATOR, Role.ADMIN, Role.CALON)
    if allowed(user, "people.manage"):
        return (Role.PSM, Role.TKSK, Role.CALON)
    return ()


def may_change(turn: Turn, person: User) -> bool:
    """Whether the presser may change this person (never themselves)."""
    actor = turn.user
    if actor is None or actor.id == person.id:
        return False
    return person.role is None or person.role in assignable_roles(actor)


def phone_shown(catalog: Catalog, language: str, shown: str | None, verified: bool) -> str:
    """A profile's phone: the number as shown (full or masked) and whether it is verified,
    or "belum ada" alone (never "- (terverifikasi: Tidak)")."""
    if not shown:
        return catalog.text(language, "common.no_phone")
    yes_no = catalog.text(language, "common.yes" if verified else "common.no")
    return catalog.text(language, "common.phone_verified", phone=shown, verified=yes_no)


def masked_phone(phone: str | None) -> str:
    """+6281234567890 -> +62812*****890: enough to recognise, not to dial."""
    if not phone:
        return "-"
    if len(phone) <= 8:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]


def role_label(turn: Turn, role: str | None) -> str:
    return turn.t(f"roles.{role}") if role else "-"


def navigation(turn: Turn, page: int, total: int, *fields: object) -> list[Button]:
    """Previous / next buttons of a paged list whose button data is `fields` + page."""
    return page_buttons(turn.t, page, size=PAGE, total=total, data=lambda n: data(*fields, n))


def menu_button(turn: Turn) -> Button:
    return Button(label=turn.t("people.back_to_menu"), data=data("m"))


async def refuse(turn: Turn, pressed: str, key: str = "errors.not_allowed") -> None:
    """A press that acts on nothing: said politely, revealing nothing, and audited."""
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id if turn.user else None,
        action="people.refused",
        detail={"data": pressed[:64]},
    )
    turn.reply(turn.t(key))


async def notify(
    turn: Turn,
    person: User,
    key: str,
    *,
    then: str | tuple[str, ...] | None = None,
    buttons: list[list[Button]] | None = None,
    with_help: bool = False,
    thread: str | None = None,
    **values: object,
) -> None:
    """Tell a person (in their language) what a coordinator or admin changed; `with_help`
    adds their help (for their new role, or back in use), `then` other catalogue texts;
    `thread` makes it the latest word on that (`Outbound.thread`)."""
    catalog = turn.app.catalog
    text = catalog.text(person.language, key, **values)
    if with_help:
        text += "\n\n" + await notice_help(turn, person)
    for more in (then,) if isinstance(then, str) else then or ():
        if catalog.has(more):
            text += "\n\n" + catalog.text(person.language, more, **values)
    summary = catalog.text(person.language, "announced.account")
    message = Outbound(text=text, buttons=buttons or [], summary=summary, thread=thread)
    await turn.deliver(person.id, message)
