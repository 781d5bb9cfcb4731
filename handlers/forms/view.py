"""How a form looks: questions, choice screens, the summary and its edit menu.

Every button carries `f<session>.<rev>:<action>` (<= 64 bytes: `button_data`); labels come from
the form's short labels, already checked against the channels' limits when the form was loaded.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from handlers.channel_traits import UNKNOWN_CHANNEL, ChannelTraits
from handlers.events import Button, Outbound
from handlers.forms.answer_dates import age_said
from handlers.forms.answer_numbers import display_decimal
from handlers.forms.choices import ChoiceOption
from handlers.forms.dates import day_and_date
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import Position
from handlers.forms.step import button_data
from handlers.forms.ways_back import SUMMARY_AGAIN
from handlers.i18n import Catalog
from handlers.paging import page_buttons, page_count, within
from storage.identifiers import mask_identifier

PAGE_SIZE = 8
# 7 answers, previous, next and "back to the summary" make 10 rows: a WhatsApp list, never
# numbered text, so a typed number always means the summary's line of that number.
EDIT_PAGE_SIZE = 7
MISSING_CHOICES = ("tidak_punya", "tidak_tahu")


class FormView:
    """Renders for one person (language), one session at one revision and the channel they
    write on."""

    def __init__(
        self,
        catalog: Catalog,
        language: str,
        session_id: int,
        next_rev: int,
        traits: ChannelTraits = UNKNOWN_CHANNEL,
    ) -> None:
        self.catalog, self.language = catalog, language
        self.session_id, self.next_rev = session_id, next_rev
        self.traits = traits

    def t(self, key: str, /, **values: Any) -> str:
        return self.catalog.text(self.language, key, **values)

    def label(self, texts: dict[str, str]) -> str:
        return texts.get(self.language) or texts["id"]

    def data(self, action: str) -> str:
        return button_data(self.session_id, self.next_rev, action)

    def button(self, label: str, action: str) -> Button:
        return Button(label=label, data=self.data(action))

    def _page_buttons(self, page: int, size: int, total: int, action: str) -> list[Button]:
        """Previous / next for a paged question, summary or edit menu (`<action><page>`)."""
        return page_buttons(
            self.t, page, size=size, total=total, data=lambda n: self.data(f"{action}{n}")
        )

    # -- values ---------------------------------------------------------------------------------

    def display(self, question: Question, value: Any) -> str:
        """How a stored answer is shown back (masked where personal)."""
        if value is None:
            return self.t("form.skipped")
        kind = question.type
        if kind in (QuestionType.NIK, QuestionType.KK):
            if isinstance(value, dict):
                return self.t(f"form.missing.{value['missing']}")
            return mask_identifier(value)
        if kind == QuestionType.PHONE:
            return value["e164"]
        if kind == QuestionType.GEOPOINT:
            return f"{value['lat']:.5f}, {value['lon']:.5f}"
        if kind == QuestionType.IMAGE:
            return self.t("form.photos", count=len(value))
        if kind == QuestionType.DATE:
            return self.day(value)
        if kind == QuestionType.TIME:
            return value.replace(":", ".")
        if kind in (QuestionType.INTEGER, QuestionType.DECIMAL):
            return self.with_unit(question, value)
        if kind == QuestionType.AGE:
            return self.age(value)
        if isinstance(value, dict) and "label" in value:
            return self.option(question, value)
        if isinstance(value, list):
            return ", ".join(
                self.option(question, v) if isinstance(v, dict) else str(v) for v in value
            )
        return str(value)

    def option(self, question: Question, chosen: dict[str, Any]) -> str:
        """A chosen option's label in the reader's language, from the form by its code: the
        label stored with it is the one it was picked in (a report made in Indonesian, its
        correction opened in English). Options the form does not list (read from the
        regions) or no longer has keep the label stored."""
        for choice in question.choices or []:
            if choice.name == chosen.get("name"):
                return self.label(choice.label)
        return chosen["label"]

    def day(self, value: str) -> str:
        """A stored date (ISO) as shown back, with its day name: "Senin, 07-12-2026"."""
        return day_and_date(date.fromisoformat(value), self.language)

    def with_unit(self, question: Question, value: Any) -> str:
        """A number as shown back, followed by what it counts when the question says
        ("60 menit")."""
        shown = display_decimal(value) if question.type == QuestionType.DECIMAL else str(value)
        unit = question.unit_word(self.language)
        return f"{shown} {unit}" if unit else shown

    def age(self, value: dict[str, Any]) -> str:
        spoken = age_said(self.t, value["months"])
        if value.get("birth_date"):
            born = date.fromisoformat(value["birth_date"]).strftime("%d-%m-%Y")
            return f"{born} ({spoken})"
        return spoken

    # -- questions ------------------------------------------------------------------------------

    def heading(
        self,
        question: Question,
        position: Position,
        group_label: str | None,
        label: str | None = None,
    ) -> str:
        """The question's label (`label`: as the engine filled in its ${name}), its group
        item and hint."""
        text = f"<b>{html.escape(label if label is not None else self.label(question.label))}</b>"
        if group_label is not None:
            text = f"<i>{html.escape(group_label)} {position.index + 1}</i>\n{text}"
        if question.type in (QuestionType.NIK, QuestionType.KK):
            text += f"\n<i>{self.identifier_note()}</i>"
        elif question.hint:
            text += f"\n<i>{html.escape(self.label(question.hint))}</i>"
        if question.type == QuestionType.SELECT_MULTIPLE:
            text += f"\n<i>{self.several_note()}</i>"
        return text

    def identifier_note(self) -> str:
        """What happens to the message holding a NIK or KK, as the channel can do it: deleted
        by the bot (Telegram), or the person is asked to delete it (WhatsApp cannot). It takes
        the place of such a question's own hint, which before case_report 5 promised the
        deletion on every channel."""
        note = "deleted" if self.traits.deletes_messages else "delete_yourself"
        return self.t(f"form.identifier_note.{note}")

    def several_note(self) -> str:
        """How several options are picked on the person's channel: tapped one by one among
        buttons that stay (Telegram), or picked one at a time from a list or typed as numbers
        (WhatsApp, whose numbered text adds its own "1,3,5" line). Before case_report 6 the
        labels said "lalu tekan Selesai memilih" on every channel."""
        done = self.t("form.done_picking")  # the button's own words
        return self.t(f"form.several_note.{self.traits.several_choices}", done=done)

    def question(
        self,
        question: Question,
        heading: str,
        *,
        options: list[ChoiceOption],
        picking: list[Any],
        page: int,
        default: Any,
        back_to_summary: bool = False,
    ) -> Outbound:
        """One question with its buttons; `back_to_summary` (a question edited from the
        summary) adds "‹ Ke ringkasan" under them, the answer left as it was."""
        rows: list[list[Button]] = []
        request, request_label, text = None, "", heading
        kind = question.type
        if kind in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            rows, note = self.choice_rows(question, options, picking, page, default)
            text += note
        elif kind == QuestionType.PHONE and question.request_button:
            request, request_label = "contact", self.t("form.share_contact")
            if not question.verified_only:  # else the question's hint says what to do
                text += "\n" + self.t("form.phone_hint")
        elif kind == QuestionType.GEOPOINT and question.request_button:
            request, request_label = "location", self.t("form.share_location")
            text += "\n" + self.t("form.location_hint")
        elif kind in (QuestionType.NIK, QuestionType.KK) and question.allow_missing:
            rows.append(
                [
                    self.button(self.t(f"form.missing.{name}"), f"m{index}")
                    for index, name in enumerate(MISSING_CHOICES)
                ]
            )
        elif kind == QuestionType.IMAGE:
            text += "\n" + self.t("form.photo_hint", limit=question.max_count)
            if picking:
                # Photos there already (received, or kept from before when edited from the
                # summary): kept by "done", more added up to the limit, all deleted only on
                # purpose (`photos_removal`).
                limit = question.max_count
                full = len(picking) >= limit
                key = "form.photos_full" if full else "form.photos_so_far"
                text += "\n" + self.t(key, count=len(picking), limit=limit)
                rows.append([self.button(self.t("form.done_photos"), "d")])
                rows.append([self.button(self.t("form.remove_photos"), "x")])
        if default is not None and kind not in (
            QuestionType.SELECT_ONE,
            QuestionType.SELECT_MULTIPLE,
        ):
            unit = question.unit_word(self.language)
            shown = f"{default} {unit}" if unit else default
            rows.insert(0, [self.button(self.t("form.use_default", value=shown), "df")])
        if not question.required and not (kind == QuestionType.IMAGE and picking):
            rows.append([self.button(self.t("form.skip"), "s")])
        if back_to_summary:
            rows.append([self.button(self.t("form.to_summary"), SUMMARY_AGAIN)])
        return Outbound(
            text=text,
            buttons=rows,
            request=request,
            request_label=request_label,
            several=kind == QuestionType.SELECT_MULTIPLE,
        )

    def photos_removal(self, count: int, prefix: str = "") -> Outbound:
        """ "Delete every photo?" asked at the photo question before its photos go: yes
        (`xy`), or no, keeping them (`xn`)."""
        text = prefix + self.t("form.photos_remove_confirm", count=count)
        rows = [
            [self.button(self.t("form.photos_remove_yes"), "xy")],
            [self.button(self.t("form.photos_remove_no"), "xn")],
        ]
        return Outbound(text=text, buttons=rows)

    def _screen(
        self, question: Question, options: list[ChoiceOption], page: int, default: Any
    ) -> list[tuple[int, ChoiceOption]]:
        """The options on one screen (a choice group, or a page of 8), each with its index
        among all the options, in the order shown (the suggested answer first)."""
        indexed = list(enumerate(options))
        if default is not None:
            indexed.sort(key=lambda pair: pair[1].name != default)
        if question.choice_groups:
            group = question.choice_groups[within(page, len(question.choice_groups))].name
            return [(i, o) for i, o in indexed if o.group == group]
        page = within(page, page_count(len(indexed), PAGE_SIZE))
        return indexed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]

    def by_number(
        self, question: Question, options: list[ChoiceOption], page: int, default: Any
    ) -> list[ChoiceOption]:
        """The options a typed bare number counts: those on the screen the person has (the
        whole list, or its page or choice group `page`), in the order shown (the suggested
        one first, then row by row, left to right), so "1" is the first option button they
        see on any channel that prints no numbers (and shows them in sight: a list behind one
        button counts none, `ChoiceStep._numbers_hidden`). Navigation, group and "done"
        buttons follow the options and are not counted: a number never turns a page."""
        return [option for _, option in self._screen(question, options, page, default)]

    def shows_all(self, question: Question, options: list[ChoiceOption]) -> bool:
        """Whether one screen holds every option (no pages, no choice groups)."""
        return not question.choice_groups and len(options) <= PAGE_SIZE

    def choice_rows(
        self,
        question: Question,
        options: list[ChoiceOption],
        picking: list[Any],
        page: int,
        default: Any,
    ) -> tuple[list[list[Button]], str]:
        """Option buttons for one screen (a choice group, or a page of 8) and navigation."""
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        shown = self._screen(question, options, page, default)
        note = ""
        navigation: list[Button] = []
        if question.choice_groups:
            groups = question.choice_groups
            page = within(page, len(groups))
            note = f"\n<i>{html.escape(self.label(groups[page].label))}</i>"
            navigation = [
                self.button(("› " if n == page else "") + self.label(g.label), f"p{n}")
                for n, g in enumerate(groups)
                if n != page
            ]
        else:
            pages = page_count(len(options), PAGE_SIZE)
            page = within(page, pages)
            navigation = self._page_buttons(page, PAGE_SIZE, len(options), "p")
        picked = set(picking)
        buttons = []
        for index, option in shown:
            mark = "✅ " if multiple and option.name in picked else ""
            star = "⭐ " if option.name == default else ""
            buttons.append(self.button(mark + star + option.label, f"o{index}"))
        per_row = 2 if all(len(b.label) <= 16 for b in buttons) else 1
        rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
        rows.extend([navigation[i : i + 2] for i in range(0, len(navigation), 2)])
        if multiple:
            rows.append([self.button(self.t("form.done_picking"), "d")])
            if picked:
                chosen = [o.label for o in options if o.name in picked]
                note += "\n" + self.t("form.picked_so_far", chosen=", ".join(chosen))
        return rows, note

    def which_date(self, heading: str, typed: str, readings: tuple[date, ...]) -> Outbound:
        """A typed word that means one of two dates ("senin depan" on a Sunday): which one,
        a button for each (`dt<ISO date>`), or the date typed."""
        shown = [day_and_date(day, self.language) for day in readings]
        text = self.t("answer.date_two_readings", typed=typed, first=shown[0], second=shown[1])
        rows = [
            [self.button(label, f"dt{day.isoformat()}")]
            for label, day in zip(shown, readings, strict=True)
        ]
        return Outbound.say("⚠️ " + text + "\n\n" + heading, rows)

    def more(self, prompt: dict[str, str], prefix: str) -> Outbound:
        """The repeat group's "add another?" question."""
        return Outbound.say(
            prefix + f"<b>{html.escape(self.label(prompt))}</b>",
            [[self.button(self.t("common.yes"), "y"), self.button(self.t("common.no"), "n")]],
        )

    # -- summary --------------------------------------------------------------------------------

    def summary(self, lines: list[tuple[str, str]], prefix: str, heading: str = "") -> Outbound:
        """The answers to check, all in one message, "Kirim" under the last of them: a long
        summary is cut between lines by the channel (Telegram 4096 characters, a WhatsApp
        interactive body 1024), its buttons on the last part, so nothing is sent unseen.
        `heading` (HTML) names what the answers are about, above them."""
        top = f"<b>{heading}</b>\n" if heading else ""
        text = [prefix + top + f"<b>{self.t('form.summary_title')}</b>"]
        for number, (label, shown) in enumerate(lines, start=1):
            text.append(f"{number}. {html.escape(label)}: {html.escape(shown)}")
        text += ["", self.t("form.summary_hint")]
        rows = [
            [self.button(self.t("form.submit"), "ok")],
            [self.button(self.t("form.edit"), "ed")],
        ]
        return Outbound.say("\n".join(text), rows)

    def edit_menu(self, labels: list[str], page: int, prefix: str = "") -> Outbound:
        """Which answer to change: one button per answer, paged."""
        pages = page_count(len(labels), EDIT_PAGE_SIZE)
        page = within(page, pages)
        start = page * EDIT_PAGE_SIZE
        rows = [
            [self.button(label, f"e{index}")]
            for index, label in enumerate(labels[start : start + EDIT_PAGE_SIZE], start=start)
        ]
        navigation = self._page_buttons(page, EDIT_PAGE_SIZE, len(labels), "ep")
        if navigation:
            rows.append(navigation)
        rows.append([self.button(self.t("form.back_to_summary"), SUMMARY_AGAIN)])
        return Outbound.say(prefix + self.t("form.edit_which"), rows)
