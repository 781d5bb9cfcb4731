"""Who declined a training and why, for its organiser: the first few on the training's page,
all of them a page at a time behind its "Yang berhalangan" button (`tp:<id>:d<page>`).

The reason is the person's own words and may hold personal data: a NIK or KK in it is masked
(`mask_identifiers`), and it is cut short in these lists.
"""

from __future__ import annotations

import html

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.masking import mask_identifiers
from handlers.paging import page_buttons
from handlers.trainings.common import PAGE_PREFIX, names_of
from storage.trainings import Invitation, Training

ON_PAGE = 5  # declines named on the training's page
PER_PAGE = 10  # declines per page of the full list
SHORT_ON_PAGE = 40  # characters of a reason on the training's page
SHORT_IN_LIST = 100  # characters of a reason in the full list
ACTION = "d"  # the page button's action: "d" (first page), "d2"...


def declined(invitations: list[Invitation]) -> list[Invitation]:
    """The invitations answered "Berhalangan", the latest answer first."""
    found = [i for i in invitations if i.rsvp == "berhalangan"]
    return sorted(found, key=lambda i: i.rsvp_at or i.invited_at, reverse=True)


def _line(turn: Turn, invitation: Invitation, limit: int) -> str:
    """• Bu Ani (Sakit): demam dari kemarin"""
    name = html.escape(invitation.full_name, quote=False)
    if invitation.reason_kind is None:  # the reason not given (yet)
        return "• " + name + " " + turn.t("training_extra.declined_no_reason")
    kind = turn.t(f"training.status.{invitation.reason_kind}")
    words = mask_identifiers(" ".join((invitation.reason_text or "").split()))
    if len(words) > limit:
        words = words[: limit - 1].rstrip() + "…"
    return f"• {name} ({kind}): <i>{html.escape(words, quote=False)}</i>"


def page_lines(turn: Turn, invitations: list[Invitation]) -> list[str]:
    """The first declines for the training's page (none: nothing), with how many more."""
    found = declined(invitations)
    if not found:
        return []
    lines = [turn.t("training_extra.declined_title")]
    lines += [_line(turn, invitation, SHORT_ON_PAGE) for invitation in found[:ON_PAGE]]
    if len(found) > ON_PAGE:
        lines.append(turn.t("training_extra.declined_more", count=len(found) - ON_PAGE))
    return lines


def page_button(turn: Turn, training: Training, invitations: list[Invitation]) -> Button | None:
    """The button to the full list, when the page cannot name everyone."""
    if len(declined(invitations)) <= ON_PAGE:
        return None
    label = turn.t("training_extra.button_declined")
    return Button(label=label, data=f"{PAGE_PREFIX}:{training.id}:{ACTION}")


async def show(turn: Turn, training: Training, page: int) -> None:
    """One page of everyone who declined, with their reasons, and the way back."""
    found = declined(await turn.repos.trainings.invitations(training.id))
    shown = found[page * PER_PAGE : (page + 1) * PER_PAGE]
    lines = [turn.t("training_extra.declined_list", **names_of(turn, training), count=len(found))]
    lines += [_line(turn, invitation, SHORT_IN_LIST) for invitation in shown]
    if not shown:
        lines.append(turn.t("training_extra.declined_none"))
    rows = []
    paging = page_buttons(
        turn.t,
        page,
        size=PER_PAGE,
        total=len(found),
        data=lambda n: f"{PAGE_PREFIX}:{training.id}:{ACTION}{n}",
    )
    if paging:
        rows.append(paging)
    back = Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}")
    rows.append([back])
    turn.reply(Outbound.say("\n".join(lines), rows))
