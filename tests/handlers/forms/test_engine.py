"""Tests for the channel-agnostic form engine, driven the way handlers/forms/runner.py does.

The runner saves the session with rev + 1 after every step, and every button rendered in a
step carries the session's id and that next revision. `FormDriver` does the same: it keeps
`rev`, builds a fresh engine with `next_rev=rev + 1` for each step and increments `rev`
afterwards. The runner
stores the state as JSON, so the driver checks after every step that it survives a round trip.

The newer features (albums, age, allow_missing, defaults, NIK checks, choice groups, paged
summary and edit menu) have focused tests in test_engine_features.py; this file keeps them
in the big test form so the walk-through and the random-event property cover them too.
"""

from __future__ import annotations

import copy
import html
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.events import Button, Inbound, InboundKind, Outbound
from handlers.forms.answer_dates import months_between
from handlers.forms.choices import ChoiceOption
from handlers.forms.engine import ChoiceSource, FormEngine, StepContext, StepResult, new_state
from handlers.forms.loading import form_from_data
from handlers.forms.model import Form, Question, QuestionType, RepeatGroup
from handlers.forms.option_model import ChoicesFrom
from handlers.forms.state import MORE
from handlers.forms.step import button_data
from handlers.forms.view import MISSING_CHOICES, PAGE_SIZE
from handlers.i18n import Catalog

TODAY = date(2026, 11, 29)
SESSION_ID = 41  # the driven session's id, which its buttons name
CATALOG = Catalog.load()
LANGUAGE = "id"

NIK = "3208010101900001"
NIK_MASKED = "320801******0001"
KK = "3208011203150002"
KK_MASKED = "320801******0002"
# A girl's NIK (day 05 + 40): born 05-06-2023, so 3 years 5 months old on TODAY.
MEMBER_NIK = "3208014506230003"
MEMBER_NIK_MASKED = "320801******0003"
MEMBER_BORN = "05-06-2023"
MEMBER_AGE_SHOWN = "05-06-2023 (3 th 5 bln)"


def t(key: str, **values: Any) -> str:
    """A catalogue text exactly as the engine renders it."""
    return CATALOG.text(LANGUAGE, key, **values)


# -- the test form ------------------------------------------------------------------------------

CATEGORIES = [
    ("kemiskinan", "Kemiskinan"),
    ("disabilitas", "Disabilitas"),
    ("lansia", "Lansia terlantar"),
    ("stunting", "Stunting"),
    ("anak_terlantar", "Anak terlantar"),
    ("kdrt", "KDRT"),
    ("rumah", "Rumah tak layak huni"),
    ("putus_sekolah", "Putus sekolah"),
    ("pengangguran", "Pengangguran"),
    ("sakit_kronis", "Sakit kronis"),
    ("bencana", "Korban bencana"),
    ("kecanduan", "Kecanduan"),
]


AID = [
    ("sembako", "Sembako", "pangan"),
    ("blt", "BLT tunai", "pangan"),
    ("bpjs", "BPJS PBI", "kesehatan"),
    ("obat", "Obat rutin", "kesehatan"),
    ("kursi_roda", "Kursi roda", "kesehatan"),
]


def _q(type_: str, name: str, label: str, short: str | None = None, **extra: Any) -> dict:
    question: dict[str, Any] = {"type": type_, "name": name, "label": {"id": label}}
    if short is not None:
        question["short"] = {"id": short}
    question.update(extra)
    return question


FORM_DATA: dict[str, Any] = {
    "id": "kasus_uji",
    "version": 1,
    "title": {"id": "Laporan kasus (uji)", "en": "Case report (test)"},
    "items": [
        _q(
            "text",
            "name",
            "Siapa nama kepala keluarga?",
            "Nama",
            max_length=100,
            constraint="string-length(.) >= 3",
            constraint_message={"id": "Nama minimal 3 huruf. Silakan ketik lagi."},
        ),
        _q(
            "integer",
            "age",
            "Berapa umur kepala keluarga?",
            "Umur",
            constraint=". >= 0 and . <= 120",
        ),
        _q("decimal", "income", "Berapa penghasilan sebulan (juta rupiah)?", "Penghasilan"),
        _q("date", "visit_date", "Kapan tanggal kunjungan?", "Tanggal kunjungan"),
        _q("time", "visit_time", "Jam berapa kunjungannya?", "Jam kunjungan"),
        _q(
            "select_one",
            "has_child",
            "Apakah ada balita di rumah ini?",
            "Ada balita",
            choices=[
                {"name": "ya", "label": {"id": "Ya", "en": "Yes"}},
                {"name": "tidak", "label": {"id": "Tidak", "en": "No"}},
            ],
        ),
        _q(
            "text",
            "child_name",
            "Siapa nama balita itu?",
            "Nama balita",
            relevant="${has_child} = 'ya'",
        ),
        _q(
            "select_multiple",
            "cats",
            "Masalah apa saja yang dihadapi keluarga ini?",
            "Masalah",
            choices=[{"name": name, "label": {"id": label}} for name, label in CATEGORIES],
        ),
        _q(
            "text",
            "stunting_note",
            "Ceritakan kondisi gizi anak itu.",
            "Catatan gizi",
            relevant="selected(${cats}, 'stunting')",
        ),
        _q(
            "select_multiple",
            "aid",
            "Bantuan apa yang dibutuhkan?",
            "Bantuan",
            required=False,
            choice_groups=[
                {"name": "pangan", "label": {"id": "Pangan"}},
                {"name": "kesehatan", "label": {"id": "Kesehatan"}},
            ],
            choices=[
                {"name": name, "label": {"id": label}, "group": group} for name, label, group in AID
            ],
        ),
        _q(
            "select_one",
            "kabupaten",
            "Di kabupaten mana keluarga ini tinggal?",
            "Kabupaten",
            choices_from={"source": "districts"},
        ),
        _q(
            "select_one",
            "kecamatan",
            "Di kecamatan mana? Pilih atau ketik namanya.",
            "Kecamatan",
            choices_from={"source": "regions", "parent": "${kabupaten}"},
        ),
        _q("geopoint", "location", "Di mana lokasi rumahnya?", "Lokasi"),
        _q("image", "photo", "Kirim foto rumahnya.", "Foto rumah", max_count=3),
        _q("note", "privacy", "Nomor NIK dan KK akan disamarkan di setiap pesan."),
        _q("nik", "nik", "Berapa NIK kepala keluarga?", "NIK"),
        _q("kk", "kk", "Berapa nomor Kartu Keluarga?", "No. KK"),
        _q("phone", "phone", "Berapa nomor HP keluarga ini?", "Nomor HP", required=False),
        {
            "type": "repeat",
            "name": "members",
            "label": {"id": "Anggota keluarga"},
            "add_another": {"id": "Tambah anggota keluarga lain?"},
            "min_count": 1,
            "children": [
                _q("text", "member_name", "Siapa nama anggota keluarga?", "Nama anggota"),
                _q(
                    "integer",
                    "member_age",
                    "Berapa umur anggota itu?",
                    "Umur anggota",
                    constraint=". >= 0 and . <= 120",
                ),
                _q(
                    "nik",
                    "member_nik",
                    "Berapa NIK anggota itu?",
                    "NIK anggota",
                    allow_missing=True,
                ),
                _q(
                    "text",
                    "member_nik_reason",
                    "Mengapa NIK-nya tidak ada?",
                    "Alasan tanpa NIK",
                    relevant="${member_nik} = ''",
                ),
                _q(
                    "age",
                    "member_birth",
                    "Kapan anggota itu lahir, atau berapa umurnya?",
                    "Lahir/umur anggota",
                    nik="member_nik",
                    default="${member_nik_birth_date}",
                ),
                _q(
                    "select_one",
                    "member_sex",
                    "Apa jenis kelamin anggota itu?",
                    "Kelamin anggota",
                    nik="member_nik",
                    default="${member_nik_sex}",
                    choices=[
                        {"name": "L", "label": {"id": "Laki-laki"}},
                        {"name": "P", "label": {"id": "Perempuan"}},
                    ],
                ),
            ],
        },
    ],
}
FORM = form_from_data(FORM_DATA, "test")


class StubChoices:
    """A channel-free `ChoiceSource`: fixed options keyed by the parent answer."""

    DISTRICTS: ClassVar[tuple[ChoiceOption, ...]] = (
        ChoiceOption("3208", "Kuningan"),
        ChoiceOption("3209", "Cirebon"),
    )
    REGIONS: ClassVar[dict[str, tuple[ChoiceOption, ...]]] = {
        "3208": (
            ChoiceOption("320801", "Luragung"),
            ChoiceOption("320802", "Cilimus"),
            ChoiceOption("320803", "Karang Kancana"),
            ChoiceOption("320804", "Ciawigebang"),
        ),
        "3209": (ChoiceOption("320901", "Sumber"), ChoiceOption("320902", "Plumbon")),
    }

    async def options(
        self, spec: ChoicesFrom, parent: str | None, language: str
    ) -> list[ChoiceOption]:
        if spec.source == "districts":
            return list(self.DISTRICTS)
        return list(self.REGIONS.get(parent or "", ()))

    async def region_known(self, code: str) -> bool:
        return code.startswith(("32.08", "35.23"))

    async def named_elsewhere(
        self, spec: ChoicesFrom, parent: str, typed: str
    ) -> list[tuple[str, str]]:
        return []


ALL_STUB_OPTIONS = {
    "kabupaten": {o.name for o in StubChoices.DISTRICTS},
    "kecamatan": {o.name for options in StubChoices.REGIONS.values() for o in options},
}


# -- the driver ---------------------------------------------------------------------------------


class FormDriver:
    """Drives a `FormEngine` like the runner: one engine per step, rev + 1 after each."""

    def __init__(
        self, form: Form = FORM, *, rev: int = 0, choices: ChoiceSource | None = None
    ) -> None:
        self.form = form
        self.choices = choices if choices is not None else StubChoices()
        self.state: dict[str, Any] = new_state()
        self.rev = rev
        self.session_id = SESSION_ID
        self.history: list[Outbound] = []  # every message the engine ever produced
        self.last: Outbound | None = None  # the last message that is not a delete
        self.result: StepResult | None = None
        self.finished = False
        self._ids = itertools.count(1)

    def engine(self) -> FormEngine:
        context = StepContext(
            catalog=CATALOG,
            language=LANGUAGE,
            today=TODAY,
            choices=self.choices,
            session_id=self.session_id,
            next_rev=self.rev + 1,
        )
        return FormEngine(self.form, context)

    def data(self, action: str, rev: int | None = None) -> str:
        """A button of this session with `action`, at the current revision unless `rev`."""
        return button_data(self.session_id, self.rev if rev is None else rev, action)

    def _record(self, result: StepResult) -> StepResult:
        # The runner stores the state as JSON after every step.
        assert json.loads(json.dumps(result.state)) == result.state, result.state
        self.rev += 1
        self.result = result
        self.state = result.state
        self.finished = result.finished
        self.history.extend(result.messages)
        shown = [m for m in result.messages if m.type != "delete"]
        if shown:
            self.last = shown[-1]
        return result

    async def start(self) -> StepResult:
        return self._record(await self.engine().start(self.state))

    def event(self, kind: InboundKind, **fields: Any) -> Inbound:
        fields.setdefault("message_id", f"m{next(self._ids)}")
        return Inbound(channel="telegram", external_user_id="77", chat_id="77", kind=kind, **fields)

    async def send(self, event: Inbound) -> StepResult:
        assert not self.finished, "the form is already finished"
        return self._record(await self.engine().step(self.state, event, self.rev))

    async def send_text(self, text: str) -> StepResult:
        return await self.send(self.event(InboundKind.TEXT, text=text))

    async def press(self, data: str | None) -> StepResult:
        """A button event with arbitrary data (forged, stale or real)."""
        return await self.send(self.event(InboundKind.BUTTON, data=data, callback_id="cb"))

    def button(self, label: str) -> Button:
        """The button of the last message labelled `label` (exactly, else a unique substring)."""
        assert self.last is not None
        buttons = [b for row in self.last.buttons for b in row]
        exact = [b for b in buttons if b.label == label]
        if len(exact) == 1:
            return exact[0]
        found = [b for b in buttons if label in b.label]
        assert len(found) == 1, f"{label!r} in {[b.label for b in buttons]}"
        return found[0]

    def labels(self) -> list[str]:
        assert self.last is not None
        return [b.label for row in self.last.buttons for b in row]

    async def tap(self, label: str) -> StepResult:
        return await self.press(self.button(label).data)

    async def share_location(self, latitude: float, longitude: float | None) -> StepResult:
        event = self.event(InboundKind.LOCATION, latitude=latitude, longitude=longitude)
        return await self.send(event)

    async def send_photo(
        self,
        ref: str | None = "photo-file-1",
        *,
        album: str | None = None,
        more: bool = False,
        rest: int = 0,
    ) -> StepResult:
        """A photo; `album` is its media group, `more` says more of the album are waiting,
        `rest` how many of them are photos."""
        event = self.event(
            InboundKind.PHOTO,
            photo_ref=ref,
            media_group_id=album,
            album_continues=more,
            album_rest=rest,
        )
        return await self.send(event)

    async def send_album(self, album: str, refs: list[str]) -> list[StepResult]:
        """An album as the inbox worker hands it on, all of it arrived: all but the last photo
        say more are waiting, and how many."""
        return [
            await self.send_photo(
                ref, album=album, more=number < len(refs), rest=len(refs) - number
            )
            for number, ref in enumerate(refs, start=1)
        ]

    async def send_sticker(self) -> StepResult:
        return await self.send(self.event(InboundKind.OTHER, other_type="sticker"))

    async def share_contact(self, phone: str, *, is_sender: bool = True) -> StepResult:
        event = self.event(InboundKind.CONTACT, contact_phone=phone, contact_is_sender=is_sender)
        return await self.send(event)

    @property
    def last_text(self) -> str:
        assert self.last is not None
        return self.last.text

    @property
    def answers(self) -> dict[str, Any]:
        return self.state["answers"]

    def final_answers(self) -> dict[str, Any]:
        return self.engine().final_answers(self.state)

    def current(self) -> str | None:
        """The name of the next unanswered question (MORE for "add another?"), or None."""
        position = self.engine().next_position(self.state)
        return None if position is None else position.name


Action = Callable[[FormDriver], Awaitable[Any]]


async def _pick_categories(driver: FormDriver) -> None:
    await driver.tap("Kemiskinan")
    await driver.tap("Disabilitas")
    await driver.tap("Selesai memilih")


async def _pick_aid(driver: FormDriver) -> None:
    await driver.tap("Sembako")
    await driver.tap("Kesehatan")  # the other choice group's screen
    await driver.tap("BPJS PBI")
    await driver.tap("Selesai memilih")


async def _one_photo(driver: FormDriver) -> None:
    await driver.send_photo("photo-file-1")
    await driver.tap(t("form.done_photos"))


# How the standard walk answers each question.
STANDARD: dict[str, Action] = {
    "name": lambda d: d.send_text("Budi Santoso"),
    "age": lambda d: d.send_text("45"),
    "income": lambda d: d.send_text("2,5"),
    "visit_date": lambda d: d.send_text("17-08-2026"),
    "visit_time": lambda d: d.send_text("jam 3 sore"),
    "has_child": lambda d: d.tap("Ya"),
    "child_name": lambda d: d.send_text("Siti"),
    "cats": _pick_categories,
    "stunting_note": lambda d: d.send_text("Berat badan kurang"),
    "aid": _pick_aid,
    "kabupaten": lambda d: d.tap("Kuningan"),
    "kecamatan": lambda d: d.tap("Luragung"),
    "location": lambda d: d.share_location(-6.97, 108.48),
    "photo": _one_photo,
    "nik": lambda d: d.send_text(NIK),
    "kk": lambda d: d.send_text(KK),
    "phone": lambda d: d.send_text("0812-3456-7890"),
    "member_name": lambda d: d.send_text("Siti"),
    "member_age": lambda d: d.send_text("3"),
    "member_nik": lambda d: d.send_text(MEMBER_NIK),
    "member_nik_reason": lambda d: d.send_text("Belum direkam"),
    "member_birth": lambda d: d.tap(t("form.use_default", value=MEMBER_BORN)),
    "member_sex": lambda d: d.tap("Perempuan"),  # shown as "⭐ Perempuan": the NIK's sex
    MORE: lambda d: d.tap("Tidak"),
}

# A member without a NIK: the reason is asked and nothing offers a default.
NO_MEMBER_NIK: dict[str, Action] = {
    "member_nik": lambda d: d.tap(t("form.missing.tidak_punya")),
    "member_birth": lambda d: d.send_text("3 tahun"),
}


async def walk_to(
    target: str | None, overrides: dict[str, Action] | None = None, driver: FormDriver | None = None
) -> FormDriver:
    """Start (unless given a driver) and answer with STANDARD until `target` is asked.

    `target=None` walks to the summary.
    """
    if driver is None:
        driver = FormDriver()
        await driver.start()
    actions = {**STANDARD, **(overrides or {})}
    for _ in range(60):
        current = driver.current()
        if current == target:
            return driver
        assert current is not None, f"reached the summary before {target!r}"
        await actions[current](driver)
    raise AssertionError(f"never reached {target!r}")


def all_buttons(message: Outbound) -> list[Button]:
    return [b for row in message.buttons for b in row]


def option_labels(message: Outbound) -> list[str]:
    return [b.label for b in all_buttons(message) if re.search(r":o\d+$", b.data)]


def summary_line(label: str, value: str) -> re.Pattern[str]:
    return re.compile(rf"^\d+\. {re.escape(html.escape(label))}: {re.escape(html.escape(value))}$")


def summary_title() -> str:
    """The bold title of the summary (one message, however many answers)."""
    return f"<b>{t('form.summary_title')}</b>"


async def read_summary(driver: FormDriver) -> list[str]:
    """Every line of the summary, which comes in one message."""
    assert driver.last is not None
    assert t("form.summary_title") in driver.last_text, driver.last_text
    assert t("form.next") not in driver.labels()
    return driver.last_text.splitlines()


async def summary_labels(driver: FormDriver) -> list[str]:
    return _summary_labels("\n".join(await read_summary(driver)))


def assert_outbound_limits(message: Outbound) -> None:
    assert len(message.text) <= 4096, message.text[:200]
    for button in all_buttons(message):
        assert button.label.strip(), message
        assert len(button.data.encode("utf-8")) <= 64, button.data


EXPECTED_FINAL = {
    "name": "Budi Santoso",
    "age": 45,
    "income": 2.5,
    "visit_date": "2026-08-17",
    "visit_time": "15:00",
    "has_child": {"name": "ya", "label": "Ya"},
    "child_name": "Siti",
    "cats": [
        {"name": "kemiskinan", "label": "Kemiskinan"},
        {"name": "disabilitas", "label": "Disabilitas"},
    ],
    "aid": [
        {"name": "sembako", "label": "Sembako"},
        {"name": "bpjs", "label": "BPJS PBI"},
    ],
    "kabupaten": {"name": "3208", "label": "Kuningan"},
    "kecamatan": {"name": "320801", "label": "Luragung"},
    "location": {"lat": -6.97, "lon": 108.48},
    "photo": [{"ref": "photo-file-1"}],
    "privacy": True,
    "nik": NIK,
    "kk": KK,
    "phone": {"e164": "+6281234567890", "verified": False},
    "members": [
        {
            "member_name": "Siti",
            "member_age": 3,
            "member_nik": MEMBER_NIK,
            "member_birth": {"birth_date": "2023-06-05", "months": 41},
            "member_sex": {"name": "P", "label": "Perempuan"},
        }
    ],
}
# What the summary shows for each answer of the standard walk, in order.
EXPECTED_SUMMARY = [
    ("Nama", "Budi Santoso"),
    ("Umur", "45"),
    ("Penghasilan", "2,5"),
    ("Tanggal kunjungan", "Senin, 17-08-2026"),
    ("Jam kunjungan", "15.00"),
    ("Ada balita", "Ya"),
    ("Nama balita", "Siti"),
    ("Masalah", "Kemiskinan, Disabilitas"),
    ("Bantuan", "Sembako, BPJS PBI"),
    ("Kabupaten", "Kuningan"),
    ("Kecamatan", "Luragung"),
    ("Lokasi", "-6.97000, 108.48000"),
    ("Foto rumah", "1 foto"),
    ("NIK", NIK_MASKED),
    ("No. KK", KK_MASKED),
    ("Nomor HP", "+6281234567890"),
    ("Nama anggota (1)", "Siti"),
    ("Umur anggota (1)", "3"),
    ("NIK anggota (1)", MEMBER_NIK_MASKED),
    ("Lahir/umur anggota (1)", MEMBER_AGE_SHOWN),
    ("Kelamin anggota (1)", "Perempuan"),
]


# -- the whole form -----------------------------------------------------------------------------


async def test_form_definition_covers_every_question_type() -> None:
    types = set()
    for item in FORM.items:
        children = item.children if isinstance(item, RepeatGroup) else [item]
        types.update(child.type for child in children)
    assert types == set(QuestionType)
    assert any(isinstance(item, RepeatGroup) for item in FORM.items)


async def test_walking_the_whole_form_then_ok_finishes_with_final_answers() -> None:
    driver = await walk_to(None)
    summary = driver.last_text
    # 20 answers in one message, "Kirim" and "Ubah jawaban" under the last of them.
    assert summary.startswith(summary_title() + "\n")
    assert [[b.label for b in row] for row in driver.last.buttons] == [
        [t("form.submit")],
        [t("form.edit")],
    ]

    result = await driver.tap(t("form.submit"))

    assert result.finished is True
    assert result.messages == []
    assert driver.final_answers() == EXPECTED_FINAL
    # The follow-up questions that were off are not in the answers at all.
    assert "stunting_note" not in driver.answers
    assert "member_nik_reason" not in driver.answers["members"][0]


async def test_summary_lists_every_answer_with_its_short_label() -> None:
    driver = await walk_to(None)
    lines = await read_summary(driver)
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert len(numbered) == len(EXPECTED_SUMMARY)
    for number, ((label, value), line) in enumerate(
        zip(EXPECTED_SUMMARY, numbered, strict=True), start=1
    ):
        assert summary_line(label, value).match(line), (label, line)
        assert line.startswith(f"{number}. "), line  # numbering runs on across pages
    # A note is shown once while asking, never listed in the summary.
    assert not any("disamarkan" in line for line in lines)


async def test_the_summary_is_one_message_with_its_buttons_under_the_last_answer() -> None:
    driver = await walk_to(None)
    lines = driver.last_text.splitlines()
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert len(numbered) == len(EXPECTED_SUMMARY)
    assert re.search(r"^16\. Nomor HP: \+6281234567890$", driver.last_text, flags=re.MULTILINE)
    assert "(halaman" not in driver.last_text
    assert lines[-1] == t("form.summary_hint")
    assert driver.labels() == [t("form.submit"), t("form.edit")]


async def test_each_answer_is_restated_before_the_next_question() -> None:
    driver = FormDriver()
    await driver.start()
    steps: list[tuple[str, Action, str]] = [
        ("name", STANDARD["name"], "Nama: Budi Santoso"),
        ("age", STANDARD["age"], "Umur: 45"),
        ("income", STANDARD["income"], "Penghasilan: 2,5"),
        ("visit_date", STANDARD["visit_date"], "Tanggal kunjungan: Senin, 17-08-2026"),
        ("visit_time", STANDARD["visit_time"], "Jam kunjungan: 15.00"),
        ("has_child", STANDARD["has_child"], "Ada balita: Ya"),
        ("child_name", STANDARD["child_name"], "Nama balita: Siti"),
        ("cats", STANDARD["cats"], "Masalah: Kemiskinan, Disabilitas"),
        ("aid", STANDARD["aid"], "Bantuan: Sembako, BPJS PBI"),
        ("kabupaten", STANDARD["kabupaten"], "Kabupaten: Kuningan"),
        ("kecamatan", STANDARD["kecamatan"], "Kecamatan: Luragung"),
        ("location", STANDARD["location"], "Lokasi: -6.97000, 108.48000"),
        ("photo", STANDARD["photo"], "Foto rumah: 1 foto"),
        ("nik", STANDARD["nik"], f"NIK: {NIK_MASKED}"),
        ("kk", STANDARD["kk"], f"No. KK: {KK_MASKED}"),
        ("phone", STANDARD["phone"], "Nomor HP: +6281234567890"),
        ("member_name", STANDARD["member_name"], "Nama anggota: Siti"),
        ("member_age", STANDARD["member_age"], "Umur anggota: 3"),
        ("member_nik", STANDARD["member_nik"], f"NIK anggota: {MEMBER_NIK_MASKED}"),
        ("member_birth", STANDARD["member_birth"], f"Lahir/umur anggota: {MEMBER_AGE_SHOWN}"),
        ("member_sex", STANDARD["member_sex"], "Kelamin anggota: Perempuan"),
    ]
    for name, action, restated in steps:
        assert driver.current() == name
        await action(driver)
        assert driver.last_text.startswith("✓ " + restated + "\n\n"), (name, driver.last_text)
    assert driver.current() == MORE
    # After the note's question, the note itself was shown once before the NIK question.
    assert any("disamarkan" in m.text and "NIK kepala keluarga" in m.text for m in driver.history)


async def test_nik_is_never_shown_in_full_in_any_message() -> None:
    driver = await walk_to(None)
    await _edit(driver, "NIK")  # edit it and type it again, with separators this time
    await driver.send_text("3208 0101 9000 01")  # wrong length: refused
    await driver.send_text("3208 0101 0190 0001")
    assert driver.answers["nik"] == NIK

    seen = False
    for message in driver.history:
        visible = " ".join(
            [message.text, message.request_label, *(b.label for b in all_buttons(message))]
        )
        for number in (NIK, KK, MEMBER_NIK):
            assert number not in re.sub(r"[ .\-]", "", visible), message.text
        seen = seen or NIK_MASKED in message.text
    assert seen


@pytest.mark.parametrize(
    "typed",
    [NIK, "3208 0101 0190 0001", "32.08.01-010190-0001", " 3208010101900001 "],
)
async def test_nik_is_stored_as_digits(typed: str) -> None:
    # Its message is deleted by the turn (tests/handlers/test_identifier_messages.py).
    driver = await walk_to("nik")
    event = driver.event(InboundKind.TEXT, text=typed, message_id="4242")
    result = await driver.send(event)

    assert driver.answers["nik"] == NIK
    assert result.messages[-1].text.startswith(f"✓ NIK: {NIK_MASKED}")


@pytest.mark.parametrize(
    "typed",
    [
        "٣٢٠٨٠١٠١٠١٩٠٠٠٠١",  # Arabic-Indic digits: str.isdigit() is True for them
        "３２０８０１０１０１９００００１",  # fullwidth digits
    ],
)
async def test_nik_in_non_ascii_digits_is_refused_or_stored_as_ascii(typed: str) -> None:
    driver = await walk_to("nik")
    await driver.send_text(typed)
    if "nik" in driver.answers:
        assert re.fullmatch(r"[0-9]{16}", driver.answers["nik"]), driver.answers["nik"]
    else:
        assert driver.last_text.startswith("⚠️")


async def test_kk_answer_is_stored_as_digits() -> None:
    driver = await walk_to("kk")
    await driver.send(driver.event(InboundKind.TEXT, text=KK, message_id="99"))
    assert driver.answers["kk"] == KK


# -- wrong answers ------------------------------------------------------------------------------


def _text(value: str) -> Action:
    return lambda d: d.send_text(value)


def _sticker(d: FormDriver) -> Awaitable[StepResult]:
    return d.send_sticker()


def _photo(d: FormDriver) -> Awaitable[StepResult]:
    return d.send_photo("unwanted-photo")


def _location(lat: float, lon: float | None) -> Action:
    return lambda d: d.share_location(lat, lon)


def _button(action: str) -> Action:
    """A button of the current revision with this action, shown or not."""
    return lambda d: d.press(d.data(action))


def _failed_photo(d: FormDriver) -> Awaitable[StepResult]:
    return d.send_photo(None)


CONSTRAINT = ("answer.constraint", {})
OUTSIDE = "answer.location_outside_indonesia"
WRONG_ANSWERS: list[tuple[str, str, Action, str | None, dict[str, Any]]] = [
    # (id, question, wrong input, catalogue key of the complaint (None: any), its values)
    ("text-sticker", "name", _sticker, "answer.need_text", {}),
    # A photo before the form's photo question: told to wait for it (QA walk 3).
    ("text-photo", "name", _photo, "answer.photo_later", {}),
    ("text-blank", "name", _text(" \t\x00 "), "answer.empty", {}),
    ("text-too-long", "name", _text("x" * 101), "answer.too_long", {"limit": 100, "length": 101}),
    ("text-constraint", "name", _text("Bu"), None, {}),
    ("integer-abc", "age", _text("abc"), "answer.need_integer", {}),
    ("integer-fraction", "age", _text("4,5"), "answer.need_integer", {}),
    ("integer-200", "age", _text("200"), *CONSTRAINT),
    ("integer-negative", "age", _text("-1"), *CONSTRAINT),
    ("integer-sticker", "age", _sticker, "answer.need_integer", {}),
    ("decimal-abc", "income", _text("abc"), "answer.need_decimal", {}),
    ("decimal-two-commas", "income", _text("1,2,3"), "answer.need_decimal", {}),
    ("date-31-02", "visit_date", _text("31-02-2020"), "answer.date_impossible", {}),
    ("date-future", "visit_date", _text("30-11-2026"), "answer.date_future", {}),
    (
        "date-words",
        "visit_date",
        _text("kemarin sore"),
        "answer.need_date_when.past",
        {"date": "28-11-2026", "day_month": "28-11"},
    ),
    ("date-1800s", "visit_date", _text("01-01-1850"), "answer.date_impossible", {}),
    ("time-words", "visit_time", _text("sore"), "answer.need_time", {}),
    ("time-25", "visit_time", _text("25.00"), "answer.time_impossible", {}),
    ("select-sticker", "has_child", _sticker, "answer.use_buttons_or_type", {}),
    ("select-nonsense", "has_child", _text("qwxz"), "answer.no_such_choice", {}),
    ("multi-photo", "cats", _photo, "answer.photo_later", {}),
    ("multi-nonsense", "cats", _text("qwxz, zzkk"), "answer.no_such_choice", {}),
    ("regions-sticker", "kecamatan", _sticker, "answer.use_buttons_or_type", {}),
    ("geopoint-words", "location", _text("di rumah"), "answer.need_location", {}),
    ("geopoint-lat-95", "location", _location(95.0, 10.0), "answer.location_out_of_range", {}),
    ("geopoint-lon-200", "location", _text("-6.9, 200"), "answer.location_out_of_range", {}),
    ("geopoint-nan", "location", _location(math.nan, 108.0), "answer.location_out_of_range", {}),
    ("geopoint-inf", "location", _location(-6.9, math.inf), "answer.location_out_of_range", {}),
    ("geopoint-no-lon", "location", _location(-6.9, None), "answer.location_out_of_range", {}),
    ("geopoint-sticker", "location", _sticker, "answer.need_location", {}),
    ("geopoint-shared-paris", "location", _location(48.85, 2.35), OUTSIDE, {}),
    ("geopoint-typed-paris", "location", _text("48.85, 2.35"), OUTSIDE, {}),
    ("geopoint-gps-not-locked", "location", _location(0.0, 0.0), OUTSIDE, {}),
    ("image-text", "photo", _text("foto rumah"), "answer.photo_not_text", {}),
    ("image-sticker", "photo", _sticker, "answer.need_photo", {}),
    ("nik-15-digits", "nik", _text("320801010190001"), "identifier.wrong_length", {}),
    ("nik-17-digits", "nik", _text("32080101019000011"), "identifier.wrong_length", {}),
    ("nik-letters", "nik", _text("32080101019000O1"), "identifier.not_digits", {}),
    ("nik-bad-date", "nik", _text("3208013201900001"), "identifier.nik_bad_date", {}),
    ("nik-born-tomorrow", "nik", _text("3208013011260001"), "identifier.nik_bad_date", {}),
    ("nik-serial-0000", "nik", _text("3208010101900000"), "identifier.bad_serial", {}),
    ("nik-superscript", "nik", _text("320801²101900001"), None, {}),
    ("kk-letters", "kk", _text("abc"), "identifier.not_digits", {}),
    ("kk-bad-date", "kk", _text("3208013213150002"), "identifier.kk_bad_date", {}),
    # QA 13: a woman's NIK (birth day 15 + 40) typed at the KK question is said to be one.
    ("kk-a-nik", "kk", _text("3208015508900001"), "identifier.kk_looks_like_nik", {}),
    ("phone-short", "phone", _text("12345"), "identifier.phone_invalid", {}),
    ("phone-landline", "phone", _text("0221234567"), "identifier.phone_not_mobile", {}),
    ("phone-sticker", "phone", _sticker, "answer.need_phone", {}),
    ("repeat-text-sticker", "member_name", _sticker, "answer.need_text", {}),
    ("repeat-integer-200", "member_age", _text("200"), *CONSTRAINT),
    ("more-sticker", MORE, _sticker, "answer.need_yes_no", {}),
    ("more-words", MORE, _text("mungkin nanti"), "answer.need_yes_no", {}),
    ("image-failed", "photo", _failed_photo, "answer.photo_failed", {}),
    ("image-done-without-photo", "photo", _button("d"), "answer.photo_none_yet", {}),
    ("multi-groups-photo", "aid", _photo, "answer.photo_later", {}),
    ("multi-groups-nonsense", "aid", _text("qwxz"), "answer.no_such_choice", {}),
    ("nik-missing-not-allowed", "nik", _button("m0"), "answer.use_buttons_or_type", {}),
    ("kk-missing-not-allowed", "kk", _button("m1"), "answer.use_buttons_or_type", {}),
    ("nik-no-default", "nik", _button("df"), "answer.use_buttons_or_type", {}),
    ("member-nik-short", "member_nik", _text("123"), "identifier.wrong_length", {}),
    ("member-nik-m2", "member_nik", _button("m2"), "answer.use_buttons_or_type", {}),
    ("member-nik-m", "member_nik", _button("m"), "answer.use_buttons_or_type", {}),
    ("age-words", "member_birth", _text("kemarin sore"), "answer.need_age", {}),
    ("age-days", "member_birth", _text("5 hari"), "answer.need_age", {}),
    ("age-decimal", "member_birth", _text("2,5 tahun"), "answer.need_age", {}),
    ("age-200-years", "member_birth", _text("200 tahun"), "answer.need_age", {}),
    ("age-future", "member_birth", _text("30-11-2026"), "answer.date_future", {}),
    ("age-31-02", "member_birth", _text("31-02-2020"), "answer.date_impossible", {}),
    ("age-sticker", "member_birth", _sticker, "answer.need_age", {}),
    ("age-option-button", "member_birth", _button("o0"), "answer.use_buttons_or_type", {}),
    ("sex-nonsense", "member_sex", _text("qwxz"), "answer.no_such_choice", {}),
    ("sex-default-button", "member_sex", _button("df"), "answer.use_buttons_or_type", {}),
]


def _question_label(name: str) -> str:
    if name == MORE:
        return FORM.group("members").add_another["id"]
    return FORM.question(name).label["id"]


@pytest.mark.parametrize(
    ("question", "wrong", "key", "values"),
    [pytest.param(*case[1:], id=case[0]) for case in WRONG_ANSWERS],
)
async def test_wrong_answer_is_refused_and_the_question_asked_again(
    question: str, wrong: Action, key: str | None, values: dict[str, Any]
) -> None:
    driver = await walk_to(question)
    before = copy.deepcopy(driver.state["answers"])

    result = await wrong(driver)

    assert result.finished is False
    assert len(result.messages) == 1
    text = result.messages[0].text
    assert text.startswith("⚠️ "), text
    assert html.escape(_question_label(question)) in text
    if key is not None:
        assert t(key, **values) in text
    assert driver.state["answers"] == before
    assert driver.current() == question


async def test_a_typed_position_the_other_way_round_is_taken_with_a_warning() -> None:
    driver = await walk_to("location")
    await driver.send_text("108.48, -6.97")
    assert driver.answers["location"] == {"lat": -6.97, "lon": 108.48}
    restated = "✓ Lokasi: -6.97000, 108.48000\n⚠️ " + t("answer.location_swapped") + "\n\n"
    assert driver.last_text.startswith(restated), driver.last_text
    assert driver.current() == "photo"


async def test_constraint_message_of_the_form_is_used() -> None:
    driver = await walk_to("name")
    await driver.send_text("Bu")
    assert driver.last_text.startswith("⚠️ Nama minimal 3 huruf. Silakan ketik lagi.\n\n")


# -- select questions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        *[(word, "ya") for word in ["iya", "y", "ok", "siap", "nggih", "muhun", "Ya", "YA!"]],
        *[(word, "tidak") for word in ["tdk", "gak", "nggak", "mboten", "henteu", "Tidak."]],
    ],
)
async def test_informal_yes_and_no_answer_a_ya_tidak_question(typed: str, expected: str) -> None:
    driver = await walk_to("has_child")
    await driver.send_text(typed)
    assert driver.answers["has_child"]["name"] == expected


@pytest.mark.parametrize(("typed", "adds"), [("iya", True), ("siap", True), ("gak", False)])
async def test_informal_yes_and_no_answer_add_another(typed: str, adds: bool) -> None:
    driver = await walk_to(MORE)
    await driver.send_text(typed)
    assert len(driver.answers["members"]) == (2 if adds else 1)
    assert driver.current() == ("member_name" if adds else None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Luragung", "320801"),
        ("  LURAGUNG  ", "320801"),
        ("karangkancana", "320803"),
        ("Karang  kancana", "320803"),
        ("KARANG KANCANA.", "320803"),
        ("3", "320803"),  # the option's number
    ],
)
async def test_select_by_typing_the_name(typed: str, expected: str) -> None:
    driver = await walk_to("kecamatan")
    await driver.send_text(typed)
    assert driver.answers["kecamatan"]["name"] == expected
    assert driver.last_text.startswith("✓ Kecamatan: ")


async def test_select_misspelling_offers_suggestions_to_tap() -> None:
    driver = await walk_to("kecamatan")
    before = copy.deepcopy(driver.answers)

    await driver.send_text("Luragng")

    assert driver.answers == before
    # One close spelling: asked by its name (QA walk 4: "salah satu dari ini" with one button).
    assert driver.last_text.startswith(t("answer.meant", option="Luragung"))
    assert html.escape(FORM.question("kecamatan").label["id"]) in driver.last_text
    assert driver.labels() == ["Luragung", t("answer.not_these")]
    await driver.tap("Luragung")
    assert driver.answers["kecamatan"] == {"name": "320801", "label": "Luragung"}


@pytest.mark.parametrize("way_out", ["tap", "tidak"])
async def test_a_single_suggestion_has_a_way_back_to_the_list(way_out: str) -> None:
    """QA walk 4: the one button of "Maksud Bapak/Ibu salah satu dari ini?" was no way out."""
    driver = await walk_to("kecamatan")
    await driver.send_text("Luragng")
    if way_out == "tap":
        await driver.tap(t("answer.not_these"))
    else:
        await driver.send_text("tidak")
    assert driver.last_text.startswith("⚠️ " + t("answer.not_meant"))
    assert option_labels(driver.last) == [o.label for o in StubChoices.REGIONS["3208"]]
    assert "kecamatan" not in driver.answers


async def test_a_single_suggestion_is_taken_with_a_typed_yes() -> None:
    driver = await walk_to("kecamatan")
    await driver.send_text("Luragng")
    await driver.send_text("ya")
    assert driver.answers["kecamatan"] == {"name": "320801", "label": "Luragung"}


async def test_select_nonsense_says_no_such_choice() -> None:
    driver = await walk_to("kecamatan")
    await driver.send_text("xqzv wkwk")
    assert t("answer.no_such_choice") in driver.last_text
    assert "kecamatan" not in driver.answers
    assert option_labels(driver.last) == [o.label for o in StubChoices.REGIONS["3208"]]


async def test_choices_from_follow_the_parent_answer() -> None:
    driver = await walk_to("kecamatan", {"kabupaten": lambda d: d.tap("Cirebon")})
    assert option_labels(driver.last) == ["Sumber", "Plumbon"]
    await driver.tap("Plumbon")
    assert driver.answers["kecamatan"] == {"name": "320902", "label": "Plumbon"}


# -- paging and multiple choice -----------------------------------------------------------------


async def test_select_multiple_pages_and_toggles() -> None:
    driver = await walk_to("cats")
    labels = [label for _, label in CATEGORIES]

    # Page 1: eight options, "next" and "done", no "previous".
    assert option_labels(driver.last) == labels[:PAGE_SIZE]
    assert t("form.next") in driver.labels()
    assert t("form.previous") not in driver.labels()
    assert t("form.done_picking") in driver.labels()

    await driver.tap("Berikutnya")
    assert option_labels(driver.last) == labels[PAGE_SIZE:]
    assert t("form.previous") in driver.labels()
    assert t("form.next") not in driver.labels()

    # Toggling edits the message the button was on.
    event = driver.event(
        InboundKind.BUTTON, data=driver.button("Korban bencana").data, message_id="777"
    )
    result = await driver.send(event)
    assert [m.type for m in result.messages] == ["edit"]
    assert result.messages[0].target_message_id == "777"
    assert "✅ Korban bencana" in driver.labels()
    assert driver.state["picking"] == ["bencana"]

    await driver.tap("Korban bencana")
    assert "Korban bencana" in driver.labels()
    assert not any(label.startswith("✅") for label in driver.labels())
    assert driver.state["picking"] == []

    # "Done" with nothing picked on a required question is refused.
    before = copy.deepcopy(driver.answers)
    await driver.tap("Selesai memilih")
    assert driver.last_text.startswith("⚠️ " + t("answer.pick_at_least_one"))
    assert driver.answers == before

    # Picks on both pages are kept, in the options' order.
    await driver.tap("Korban bencana")
    await driver.tap("Sebelumnya")
    assert option_labels(driver.last) == labels[:PAGE_SIZE]
    await driver.tap("Lansia terlantar")
    assert "✅ Lansia terlantar" in driver.labels()
    await driver.tap("Selesai memilih")
    assert driver.answers["cats"] == [
        {"name": "lansia", "label": "Lansia terlantar"},
        {"name": "bencana", "label": "Korban bencana"},
    ]
    assert driver.last_text.startswith("✓ Masalah: Lansia terlantar, Korban bencana")


async def test_toggle_without_message_id_sends_a_new_message() -> None:
    driver = await walk_to("cats")
    data = driver.button("Stunting").data
    result = await driver.send(driver.event(InboundKind.BUTTON, data=data, message_id=None))
    assert [m.type for m in result.messages] == ["text"]
    assert "✅ Stunting" in driver.labels()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("kdrt dan stunting", ["kdrt", "stunting"]),
        ("Kemiskinan, lansia terlantar", ["kemiskinan", "lansia"]),
        ("korban bencana; KDRT", ["bencana", "kdrt"]),
    ],
)
async def test_select_multiple_by_typing(typed: str, expected: list[str]) -> None:
    driver = await walk_to("cats")
    await driver.send_text(typed)
    assert [v["name"] for v in driver.answers["cats"]] == expected


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("12", t("answer.number_not_listed", number="12")),
        # The 9th button is the next page's: said so (QA walk 10).
        ("9", t("answer.number_is_a_button", number="9", numbers="1–8", button="Berikutnya")),
        ("3, 9", t("answer.number_is_a_button", number="9", numbers="1–8", button="Berikutnya")),
    ],
)
async def test_a_number_beyond_the_page_on_screen_picks_nothing(typed: str, refused: str) -> None:
    """Twelve options in pages of 8: a number counts the option buttons of the page on
    screen, so "9" or "12" on the first page is no option there: refused by its number (the
    first one beyond the page; the 9th, "Berikutnya", named), nothing ticked or stored, the
    question again."""
    driver = await walk_to("cats")
    await driver.send_text(typed)
    assert driver.last_text.startswith("⚠️ " + refused), driver.last_text
    assert "cats" not in driver.answers and driver.state["picking"] == []
    assert option_labels(driver.last) == [label for _, label in CATEGORIES][:PAGE_SIZE]


async def test_numbers_typed_on_a_page_tick_what_that_page_shows() -> None:
    """Telegram shows no numbers: "1, 3" on the first page ticks its first and third buttons,
    "1" on the second page its first (the ninth option), each a tap that keeps the ticks of
    the other page; "done" closes, as after taps."""
    driver = await walk_to("cats")
    labels = [label for _, label in CATEGORIES]
    await driver.send_text("1, 3")
    assert f"✅ {labels[0]}" in driver.labels() and f"✅ {labels[2]}" in driver.labels()
    assert "cats" not in driver.answers
    assert driver.last is not None and driver.last.type == "text"  # not an edit of their text
    await driver.tap("Berikutnya")
    await driver.send_text("1")
    assert f"✅ {labels[PAGE_SIZE]}" in driver.labels()
    await driver.tap(t("form.done_picking"))
    names = [name for name, _ in CATEGORIES]
    assert [v["name"] for v in driver.answers["cats"]] == [names[0], names[2], names[PAGE_SIZE]]


# -- stale and forged buttons -------------------------------------------------------------------


async def _stale_select_one(driver: FormDriver) -> str:
    await walk_to("has_child", driver=driver)
    old = driver.button("Ya").data
    await driver.send_sticker()  # the question is asked again with new buttons
    return old


async def _stale_multi(driver: FormDriver) -> str:
    await walk_to("cats", driver=driver)
    old = driver.button("Stunting").data
    await driver.tap("Kemiskinan")
    return old


async def _stale_more(driver: FormDriver) -> str:
    await walk_to(MORE, driver=driver)
    old = driver.button("Ya").data
    await driver.send_text("mungkin")
    return old


async def _stale_summary_ok(driver: FormDriver) -> str:
    await walk_to(None, driver=driver)
    old = driver.button(t("form.submit")).data
    await driver.send_text("mungkin")  # unclear: a hint under the summary's buttons again
    return old


async def _stale_edit_menu(driver: FormDriver) -> str:
    await walk_to(None, driver=driver)
    await driver.tap(t("form.edit"))
    old = driver.button("Nama").data
    await driver.tap(t("form.back_to_summary"))
    return old


async def _stale_edit_menu_page(driver: FormDriver) -> str:
    await walk_to(None, driver=driver)
    await driver.tap(t("form.edit"))
    old = driver.button(t("form.next")).data
    await driver.tap(t("form.next"))
    return old


async def _stale_default(driver: FormDriver) -> str:
    await walk_to("member_birth", driver=driver)
    old = driver.button(t("form.use_default", value=MEMBER_BORN)).data
    await driver.send_sticker()
    return old


async def _stale_missing(driver: FormDriver) -> str:
    await walk_to("member_nik", driver=driver)
    old = driver.button(t("form.missing.tidak_punya")).data
    await driver.send_sticker()
    return old


async def _stale_done_photos(driver: FormDriver) -> str:
    await walk_to("photo", driver=driver)
    await driver.send_photo("p1")
    old = driver.button(t("form.done_photos")).data
    await driver.send_sticker()
    return old


@pytest.mark.parametrize(
    ("setup", "expect_in_reply"),
    [
        (_stale_select_one, FORM.question("has_child").label["id"]),
        (_stale_multi, FORM.question("cats").label["id"]),
        (_stale_more, FORM.group("members").add_another["id"]),
        (_stale_summary_ok, t("form.summary_title")),
        (_stale_edit_menu, t("form.summary_title")),
        (_stale_edit_menu_page, t("form.edit_which")),
        (_stale_default, FORM.question("member_birth").label["id"]),
        (_stale_missing, FORM.question("member_nik").label["id"]),
        (_stale_done_photos, FORM.question("photo").label["id"]),
    ],
    ids=[
        "select_one",
        "select_multiple",
        "add_another",
        "summary_ok",
        "edit_menu",
        "edit_menu_page",
        "default",
        "missing",
        "done_photos",
    ],
)
async def test_stale_button_is_never_applied(
    setup: Callable[[FormDriver], Awaitable[str]], expect_in_reply: str
) -> None:
    driver = FormDriver(rev=5)
    await driver.start()
    old = await setup(driver)
    assert old.startswith(driver.data("", driver.rev - 1))
    before = copy.deepcopy(driver.state)

    result = await driver.press(old)

    assert result.finished is False
    assert len(result.messages) == 1
    assert t("form.stale_button") in result.messages[0].text
    assert html.escape(expect_in_reply) in result.messages[0].text
    assert driver.state["answers"] == before["answers"]
    assert driver.state["picking"] == before["picking"]
    assert driver.state.get("editing") == before.get("editing")


FORGED = [
    "f{session}.{rev}:o999",
    "f{session}.{rev}:zzz",
    "f{session}.{rev}:",
    "f{session}.{rev}:o",
    "f{session}.{rev}:o-1",
    "f{session}.{rev}:o²",
    "f{session}.{rev}:p²",
    "f{session}.{rev}:e²",
    "f{session}.{rev}:e999",
    "f{session}.{rev}:d:x",
    "f{session}.{rev}:m9",
    "f{session}.{rev}:m²",
    "f{session}.{rev}:sp²",
    "f{session}.{rev}:ep-1",
    "f{session}.{rev}:df:x",
    "f{session}.²:o0",
    "f{session}.{next}:o0",
    "f{session}.:o0",
    "f{session}.-1:o0",
    "f²:o0",
    "f:o0",
    "f{rev}:o0",  # a button from before buttons named their session
    "f{other}.{rev}:o0",  # another session's at the same revision
    "f.{rev}:o0",
    "f{session}{rev}:o0",
    "garbage",
    "",
    None,
    "🙂" * 16,  # 64 bytes of junk
    "f{session}.{rev}:" + "\x00" * 57,
]


async def _phase_summary(driver: FormDriver) -> None:
    await walk_to(None, driver=driver)


async def _phase_edit_menu(driver: FormDriver) -> None:
    await walk_to(None, driver=driver)
    await driver.tap(t("form.edit"))


async def _phase_image_with_a_photo(driver: FormDriver) -> None:
    await walk_to("photo", driver=driver)
    await driver.send_photo("p1")


async def _phase_summary_after_a_hint(driver: FormDriver) -> None:
    await walk_to(None, driver=driver)
    await driver.send_text("mungkin")


async def _phase_edit_menu_page_3(driver: FormDriver) -> None:
    await walk_to(None, driver=driver)
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.next"))


PHASES: dict[str, Callable[[FormDriver], Awaitable[Any]]] = {
    "text": lambda d: walk_to("name", driver=d),
    "select_one": lambda d: walk_to("has_child", driver=d),
    "select_multiple": lambda d: walk_to("cats", driver=d),
    "regions": lambda d: walk_to("kecamatan", driver=d),
    "add_another": lambda d: walk_to(MORE, driver=d),
    "choice_groups": lambda d: walk_to("aid", driver=d),
    "image": lambda d: walk_to("photo", driver=d),
    "image_with_a_photo": _phase_image_with_a_photo,
    "nik_allow_missing": lambda d: walk_to("member_nik", driver=d),
    "age_with_default": lambda d: walk_to("member_birth", driver=d),
    "select_one_with_default": lambda d: walk_to("member_sex", driver=d),
    "summary": _phase_summary,
    "summary_after_a_hint": _phase_summary_after_a_hint,
    "edit_menu": _phase_edit_menu,
    "edit_menu_page_3": _phase_edit_menu_page_3,
}


@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("template", FORGED, ids=repr)
async def test_forged_button_data_never_raises_nor_changes_answers(
    phase: str, template: str | None
) -> None:
    driver = FormDriver()
    await driver.start()
    await PHASES[phase](driver)
    data = None
    if template is not None:
        data = (
            template.replace("{rev}", str(driver.rev))
            .replace("{next}", str(driver.rev + 1))
            .replace("{session}", str(driver.session_id))
            .replace("{other}", str(driver.session_id + 1))
        )
    before = copy.deepcopy(driver.state)

    result = await driver.press(data)

    assert result.finished is False
    assert result.messages, "a forged button must get a reply"
    assert driver.state["answers"] == before["answers"]
    assert driver.state["picking"] == before["picking"]
    for message in result.messages:
        assert_outbound_limits(message)


# -- skipping -----------------------------------------------------------------------------------


async def test_optional_question_has_a_skip_button() -> None:
    driver = await walk_to("phone")
    skip = driver.button(t("form.skip"))
    assert skip.data == driver.data("s")
    assert driver.last.request == "contact"

    await driver.tap(t("form.skip"))

    assert driver.answers["phone"] is None
    assert driver.last_text.startswith("✓ Nomor HP: (dilewati)")
    assert driver.last.remove_keyboard is True  # the share-contact keyboard is closed
    driver = await walk_to(None, driver=driver)
    assert any(summary_line("Nomor HP", "(dilewati)").match(x) for x in await read_summary(driver))
    await driver.tap(t("form.submit"))
    assert driver.final_answers()["phone"] is None


@pytest.mark.parametrize("typed", ["lewati", "Lewati", "LEWATI.", " skip "])
async def test_typing_lewati_skips_an_optional_question(typed: str) -> None:
    driver = await walk_to("phone")
    await driver.send_text(typed)
    assert driver.answers["phone"] is None
    assert driver.current() == "member_name"


async def test_shared_contact_of_the_sender_is_verified() -> None:
    driver = await walk_to("phone")
    await driver.share_contact("+62 812-3456-7890", is_sender=True)
    assert driver.answers["phone"] == {"e164": "+6281234567890", "verified": True}


@pytest.mark.parametrize(
    "question",
    ["name", "age", "has_child", "cats", "kecamatan", "photo", "nik", "member_nik", "member_birth"],
)
async def test_required_question_cannot_be_skipped(question: str) -> None:
    driver = await walk_to(question)
    assert t("form.skip") not in driver.labels()
    before = copy.deepcopy(driver.answers)

    await driver.press(driver.data("s"))

    assert driver.last_text.startswith("⚠️ " + t("answer.required"))
    assert html.escape(FORM.question(question).label["id"]) in driver.last_text
    assert driver.answers == before
    assert driver.current() == question


# -- relevant and editing from the summary ------------------------------------------------------


async def _cats_with_stunting(driver: FormDriver) -> None:
    await driver.tap("Stunting")
    await driver.tap("Selesai memilih")


async def test_relevant_select_one_turns_a_question_on() -> None:
    driver = await walk_to("has_child")
    await driver.tap("Ya")
    assert driver.current() == "child_name"
    assert html.escape(FORM.question("child_name").label["id"]) in driver.last_text


async def test_relevant_select_one_off_skips_the_question() -> None:
    driver = await walk_to("has_child")
    await driver.tap("Tidak")
    assert driver.current() == "cats"
    driver = await walk_to(None, driver=driver)
    assert "child_name" not in driver.final_answers()


async def test_relevant_select_multiple_turns_a_question_on() -> None:
    """`selected(${cats}, 'stunting')` must see the multiple-choice answer."""
    driver = await walk_to("cats")
    await _cats_with_stunting(driver)
    assert driver.current() == "stunting_note"
    assert html.escape(FORM.question("stunting_note").label["id"]) in driver.last_text


async def _edit(driver: FormDriver, short_label: str) -> None:
    """From the summary: "Ubah jawaban", then the answer with this label (paging on to it)."""
    await driver.tap(t("form.edit"))
    for _ in range(20):
        assert driver.last_text == t("form.edit_which")
        if short_label in driver.labels():
            await driver.tap(short_label)
            return
        await driver.tap(t("form.next"))
    raise AssertionError(f"{short_label!r} is not in the edit menu")


def _summary_labels(text: str) -> list[str]:
    return [m[1] for m in re.finditer(r"^\d+\. (.+?): ", text, flags=re.MULTILINE)]


async def test_edit_from_summary_turns_a_follow_up_off_and_another_on() -> None:
    driver = await walk_to(None)  # has_child = ya (child_name on), no stunting (note off)
    assert "Nama balita" in await summary_labels(driver)
    assert "Catatan gizi" not in await summary_labels(driver)

    # Turning the controlling answer off drops the follow-up everywhere.
    await _edit(driver, "Ada balita")
    assert html.escape(FORM.question("has_child").label["id"]) in driver.last_text
    await driver.tap("Tidak")
    assert driver.last_text.startswith("✓ Ada balita: Tidak")
    assert t("form.summary_title") in driver.last_text
    assert "Nama balita" not in await summary_labels(driver)
    assert "child_name" not in driver.final_answers()

    # Ticking "Stunting" turns its follow-up on: it is asked before the summary.
    await _edit(driver, "Masalah")
    assert "✅ Kemiskinan" in driver.labels()  # the earlier picks are kept
    await driver.tap("Stunting")
    await driver.tap("Selesai memilih")
    assert driver.last_text.startswith("✓ Masalah: Kemiskinan, Disabilitas, Stunting")
    assert t("form.summary_title") not in driver.last_text
    assert html.escape(FORM.question("stunting_note").label["id"]) in driver.last_text
    await driver.send_text("Berat badan kurang")
    assert t("form.summary_title") in driver.last_text
    assert "Catatan gizi" in await summary_labels(driver)

    await driver.tap(t("form.submit"))
    assert driver.finished
    final = driver.final_answers()
    assert "child_name" not in final
    assert final["stunting_note"] == "Berat badan kurang"
    assert final["has_child"] == {"name": "tidak", "label": "Tidak"}


async def test_edit_from_summary_turns_a_select_one_follow_up_on_and_off() -> None:
    driver = await walk_to(None, {"has_child": lambda d: d.tap("Tidak")})
    assert "Nama balita" not in await summary_labels(driver)

    await _edit(driver, "Ada balita")
    await driver.tap("Ya")
    # The follow-up is asked before going back to the summary.
    assert driver.last_text.startswith("✓ Ada balita: Ya")
    assert html.escape(FORM.question("child_name").label["id"]) in driver.last_text
    assert t("form.summary_title") not in driver.last_text
    await driver.send_text("Siti")
    assert "Nama balita" in await summary_labels(driver)

    await _edit(driver, "Ada balita")
    await driver.send_text("tidak")
    assert "Nama balita" not in await summary_labels(driver)
    await driver.tap(t("form.submit"))
    assert "child_name" not in driver.final_answers()


async def test_editing_a_parent_choice_asks_its_dependent_choice_again() -> None:
    """kecamatan's options come from kabupaten: a kecamatan of another kabupaten is invalid."""
    driver = await walk_to(None)
    assert driver.answers["kecamatan"]["name"] == "320801"  # Luragung, in Kuningan

    await _edit(driver, "Kabupaten")
    await driver.tap("Cirebon")

    assert driver.last_text.startswith("✓ Kabupaten: Cirebon")
    assert t("form.summary_title") not in driver.last_text, driver.last_text
    assert option_labels(driver.last) == ["Sumber", "Plumbon"]
    await driver.tap("Plumbon")
    assert t("form.summary_title") in driver.last_text
    await driver.tap(t("form.submit"))
    final = driver.final_answers()
    assert final["kabupaten"]["name"] == "3209"
    assert final["kecamatan"] == {"name": "320902", "label": "Plumbon"}


async def test_edit_a_plain_answer_goes_back_to_the_summary() -> None:
    driver = await walk_to(None)
    await _edit(driver, "Umur")
    await driver.send_text("46")
    assert driver.last_text.startswith("✓ Umur: 46\n\n")
    assert t("form.summary_title") in driver.last_text
    await driver.tap(t("form.submit"))
    assert driver.final_answers() == {**EXPECTED_FINAL, "age": 46}


async def test_back_to_summary_from_the_edit_menu() -> None:
    driver = await walk_to(None)
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.back_to_summary"))
    assert driver.last_text.startswith(summary_title())
    # From a later page of the edit menu as well.
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.back_to_summary"))
    assert driver.last_text.startswith(summary_title())
    await driver.tap(t("form.submit"))
    assert driver.finished


async def test_unclear_text_on_the_summary_shows_it_again_with_a_hint() -> None:
    driver = await walk_to(None)
    result = await driver.send_text("terima kasih")
    assert not result.finished
    hint = "⚠️ " + t("form.typed_on_summary") + "\n\n"
    assert driver.last_text.startswith(hint + summary_title() + "\n")
    assert driver.labels() == [t("form.submit"), t("form.edit")]
    await driver.send_text("Kirim!")
    assert driver.finished


# -- repeat group -------------------------------------------------------------------------------


async def test_repeat_group_two_members() -> None:
    driver = await walk_to("member_name")
    # min_count 1: the first member is asked without "add another?".
    assert "<i>Anggota keluarga 1</i>" in driver.last_text
    for name in ["member_name", "member_age", "member_nik", "member_birth", "member_sex"]:
        assert driver.current() == name
        await STANDARD[name](driver)
    assert driver.current() == MORE
    assert "Tambah anggota keluarga lain?" in driver.last_text
    assert driver.labels() == [t("common.yes"), t("common.no")]

    await driver.press(driver.data("y"))
    assert driver.current() == "member_name"
    assert "<i>Anggota keluarga 2</i>" in driver.last_text
    await driver.send_text("Ani")
    await driver.send_text("40")
    # The second member's questions see the second member's NIK only.
    await driver.tap(t("form.missing.tidak_tahu"))
    assert driver.current() == "member_nik_reason"
    assert "<i>Anggota keluarga 2</i>" in driver.last_text
    await driver.send_text("Lupa")
    assert t("form.use_default", value=MEMBER_BORN) not in driver.labels()
    await driver.send_text("40 tahun")
    assert not any(label.startswith("⭐") for label in driver.labels())
    await driver.tap("Perempuan")
    await driver.press(driver.data("n"))

    lines = await read_summary(driver)
    labels = _summary_labels("\n".join(lines))
    assert labels[-11:] == [
        "Nama anggota (1)",
        "Umur anggota (1)",
        "NIK anggota (1)",
        "Lahir/umur anggota (1)",
        "Kelamin anggota (1)",
        "Nama anggota (2)",
        "Umur anggota (2)",
        "NIK anggota (2)",
        "Alasan tanpa NIK (2)",
        "Lahir/umur anggota (2)",
        "Kelamin anggota (2)",
    ]
    for label, value in [
        ("Nama anggota (2)", "Ani"),
        ("NIK anggota (2)", t("form.missing.tidak_tahu")),
        ("Lahir/umur anggota (2)", "40 th 0 bln"),
    ]:
        assert any(summary_line(label, value).match(x) for x in lines), (label, lines)
    await driver.tap(t("form.submit"))
    assert driver.final_answers()["members"] == [
        EXPECTED_FINAL["members"][0],
        {
            "member_name": "Ani",
            "member_age": 40,
            "member_nik": {"missing": "tidak_tahu"},
            "member_nik_reason": "Lupa",
            "member_birth": {"birth_date": None, "months": 480},
            "member_sex": {"name": "P", "label": "Perempuan"},
        },
    ]


async def test_edit_a_repeat_member_from_the_summary() -> None:
    driver = await walk_to(None)
    await _edit(driver, "Umur anggota (1)")
    assert "<i>Anggota keluarga 1</i>" in driver.last_text
    await driver.send_text("200")
    assert driver.last_text.startswith("⚠️ ")
    await driver.send_text("4")
    assert t("form.summary_title") in driver.last_text
    assert driver.answers["members"] == [{**EXPECTED_FINAL["members"][0], "member_age": 4}]


# -- limits of every rendered message -----------------------------------------------------------


async def test_every_outbound_fits_the_channel_limits() -> None:
    driver = await walk_to("cats", {"name": lambda d: d.send_text("N" * 100)})
    await driver.tap("Berikutnya")
    await driver.tap("Korban bencana")
    await driver.send_text("Lnsia")  # a suggestion
    await driver.send_text("x" * 5000)
    await driver.tap("Selesai memilih")
    driver = await walk_to("photo", driver=driver)
    await driver.send_album("album-1", ["a", "b"])
    await driver.tap(t("form.done_photos"))
    driver = await walk_to(None, driver=driver)
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.next"))
    await driver.press("garbage")
    await driver.tap(t("form.back_to_summary"))
    await _edit(driver, "Masalah")
    await driver.press(driver.data("d", driver.rev - 1))
    await driver.tap("Selesai memilih")
    await driver.tap(t("form.submit"))
    assert driver.finished

    assert len(driver.history) >= 25
    for message in driver.history:
        assert_outbound_limits(message)
        if message.type != "delete":
            assert message.text.strip()


# -- property: random events never break the engine ---------------------------------------------


def _hidden(ch: str) -> bool:
    """Control, invisible formatting or surrogate characters, which no stored text may hold.

    Only the line break and the emoji zero-width joiner are allowed; unassigned code points
    (Cn: emoji newer than Python's Unicode tables) are fine.
    """
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch != "\n"
    if category == "Cf":
        return ch != "\u200d"
    return category == "Cs"


def _valid_value(question: Question, value: Any) -> bool:
    kind = question.type
    if value is None:
        return not question.required
    if kind == QuestionType.TEXT:
        return (
            isinstance(value, str)
            and 0 < len(value) <= question.max_length
            and value == value.strip()
            and not any(_hidden(ch) for ch in value)
            and (question.name != "name" or len(value) >= 3)
        )
    if kind == QuestionType.INTEGER:
        return type(value) is int and 0 <= value <= 120
    if kind == QuestionType.DECIMAL:
        return type(value) is float and math.isfinite(value)
    if kind == QuestionType.DATE:
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return day.year >= 1900 and day <= TODAY
    if kind == QuestionType.TIME:
        return (
            isinstance(value, str)
            and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value) is not None
        )
    if kind in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        names = (
            {c.name for c in question.choices}
            if question.choices is not None
            else ALL_STUB_OPTIONS[question.name]
        )
        records = [value] if kind == QuestionType.SELECT_ONE else value
        if not isinstance(records, list) or not (records or not question.required):
            return False  # "Selesai memilih" with nothing picked only on an optional question
        picked = [r.get("name") if isinstance(r, dict) else None for r in records]
        return (
            all(isinstance(r, dict) and set(r) == {"name", "label"} for r in records)
            and all(name in names for name in picked)
            and len(set(picked)) == len(picked)
        )
    if kind == QuestionType.GEOPOINT:
        return (
            isinstance(value, dict)
            and set(value) == {"lat", "lon"}
            and math.isfinite(value["lat"])
            and math.isfinite(value["lon"])
            and -90 <= value["lat"] <= 90
            and -180 <= value["lon"] <= 180
        )
    if kind == QuestionType.IMAGE:
        return (
            isinstance(value, list)
            and 1 <= len(value) <= question.max_count
            and all(isinstance(p, dict) and set(p) == {"ref"} and p["ref"] for p in value)
        )
    if kind == QuestionType.AGE:
        if not isinstance(value, dict) or set(value) != {"birth_date", "months"}:
            return False
        months, born = value["months"], value["birth_date"]
        if type(months) is not int or not 0 <= months <= 130 * 12:
            return False
        if born is None:
            return True
        try:
            day = date.fromisoformat(born)
        except (TypeError, ValueError):
            return False
        return day <= TODAY and months == months_between(day, TODAY)
    if kind == QuestionType.NOTE:
        return value is True
    if kind in (QuestionType.NIK, QuestionType.KK):
        if question.allow_missing and isinstance(value, dict):
            return set(value) == {"missing"} and value["missing"] in MISSING_CHOICES
        return isinstance(value, str) and re.fullmatch(r"[0-9]{16}", value) is not None
    if kind == QuestionType.PHONE:
        return (
            isinstance(value, dict)
            and re.fullmatch(r"\+62[0-9]{8,13}", value.get("e164", "")) is not None
            and isinstance(value.get("verified"), bool)
        )
    raise AssertionError(kind)


def assert_answers_valid(answers: dict[str, Any]) -> None:
    for item in FORM.items:
        if item.name not in answers:
            continue
        value = answers[item.name]
        if isinstance(item, Question):
            assert _valid_value(item, value), (item.name, value)
            continue
        assert isinstance(value, list) and len(value) <= item.max_count, value
        children = {child.name: child for child in item.children}
        for member in value:
            assert isinstance(member, dict) and set(member) <= set(children), member
            for name, child_value in member.items():
                assert _valid_value(children[name], child_value), (name, child_value)
    known = {item.name for item in FORM.items}
    assert set(answers) <= known, set(answers) - known


ACTIONS = ["o0", "o3", "o7", "o11", "o999", "p0", "p1", "p2", "p7", "d", "s", "y", "n", "ok",
           "ed", "e0", "e5", "e15", "e19", "e99", "sum", "", "zz", "m0", "m1", "m2", "m", "df",
           "sp0", "sp1", "sp2", "sp99", "sp", "ep0", "ep1", "ep2", "ep3", "ep99", "ep"]  # fmt: skip
TYPICAL_TEXTS = [
    "Budi Santoso", "45", "200", "2,5", "17-08-2026", "31-02-2020", "ya", "tidak", "iya",
    "1, 3", "Stunting", "Luragng", "Luragung", "Kuningan", "-6.97, 108.48", NIK, KK,
    MEMBER_NIK, "9908010101900001", "0812-3456-7890", "lewati", "", " ", "\x00", "<b>x</b> & y",
    "5", "5 tahun", "18 bulan", "2 th 3 bln", "2th3bln", MEMBER_BORN, "01-01-1990",
    "200 tahun", "Sembako", "L", "Perempuan", "tidak punya",
]  # fmt: skip

finite_or_not = st.floats(allow_nan=True, allow_infinity=True)
EVENT = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=5000)),
    st.tuples(st.just("text"), st.sampled_from(TYPICAL_TEXTS)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=40)),
    st.tuples(
        st.just("button"),
        st.tuples(st.integers(min_value=-3, max_value=3), st.sampled_from(ACTIONS)),
    ),
    st.tuples(st.just("raw_button"), st.one_of(st.none(), st.text(max_size=64))),
    st.tuples(
        st.just("location"),
        st.tuples(
            st.one_of(finite_or_not, st.sampled_from([-6.97, 90.0, -90.0, 1e308, -0.0])),
            st.one_of(st.none(), finite_or_not, st.sampled_from([108.48, 180.0, -180.0])),
        ),
    ),
    st.tuples(st.just("photo"), st.text(min_size=1, max_size=20)),
    st.tuples(st.just("photo"), st.none()),  # a photo the channel failed to deliver
    st.tuples(st.just("album"), st.integers(min_value=2, max_value=5)),
    st.tuples(st.just("album"), st.integers(min_value=2, max_value=5)),
    st.tuples(st.just("sticker"), st.none()),
    st.tuples(st.just("contact"), st.sampled_from(["+6281234567890", "12", "0221234567"])),
)


async def _apply(driver: FormDriver, kind: str, payload: Any) -> StepResult:
    if kind == "text":
        return await driver.send_text(payload)
    if kind == "tap":
        buttons = all_buttons(driver.last) if driver.last is not None else []
        if not buttons:
            return await driver.send_sticker()
        return await driver.press(buttons[payload % len(buttons)].data)
    if kind == "button":
        offset, action = payload
        return await driver.press(driver.data(action, driver.rev + offset))
    if kind == "raw_button":
        return await driver.press(payload)
    if kind == "location":
        return await driver.share_location(*payload)
    if kind == "photo":
        return await driver.send_photo(payload)
    if kind == "album_photo":
        album, ref, more = payload
        return await driver.send_photo(ref, album=album, more=more)
    if kind == "contact":
        return await driver.share_contact(payload, is_sender=False)
    return await driver.send_sticker()


def _expand(events: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """An album becomes its photos, in order, all but the last saying more are waiting."""
    expanded: list[tuple[str, Any]] = []
    for number, (kind, payload) in enumerate(events):
        if kind != "album":
            expanded.append((kind, payload))
            continue
        album = f"album-{number}"
        expanded.extend(
            ("album_photo", (album, f"{album}-{i}", i < payload)) for i in range(1, payload + 1)
        )
    return expanded


# Where the random events start: random text rarely gets past the first question, so the
# form is first walked (with valid answers) to a question, "add another?" or the summary.
START_POINTS = [
    *(
        name
        for item in FORM.items
        for name in (
            [c.name for c in item.children] if isinstance(item, RepeatGroup) else [item.name]
        )
        if name != "privacy"
    ),
    MORE,
    None,
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.sampled_from(START_POINTS),
    no_member_nik=st.booleans(),
    events=st.lists(EVENT, max_size=40),
)
async def test_random_events_never_break_the_engine(
    start: str | None, no_member_nik: bool, events: list[tuple[str, Any]]
) -> None:
    # All questions are on: stunting is picked; the reason question needs a member without NIK.
    overrides: dict[str, Action] = {"cats": _cats_with_stunting}
    if no_member_nik or start == "member_nik_reason":
        overrides.update(NO_MEMBER_NIK)
    driver = await walk_to(start, overrides)
    assert_answers_valid(driver.state["answers"])
    for kind, payload in _expand(events):
        result = await _apply(driver, kind, payload)
        if result.finished:
            assert driver.engine().next_position(driver.state) is None
            assert_answers_valid(driver.final_answers())
            break
        # Only a photo of an album may go unanswered (the album's last photo gets the reply,
        # photos beyond the limit are dropped); everything else gets a reply.
        assert result.messages or kind == "album_photo", (kind, payload)
        for message in result.messages:
            assert_outbound_limits(message)
        assert_answers_valid(driver.state["answers"])


async def test_a_nik_given_for_another_member_of_the_report_is_refused() -> None:
    """Members are kept by NIK: a second member under the first one's NIK would overwrite
    her (her name gone, his sex and birth date taken from her NIK)."""
    driver = await walk_to(MORE)
    await driver.send_text("iya")
    await walk_to("member_nik", driver=driver)
    before = copy.deepcopy(driver.state["answers"])

    result = await driver.send_text(MEMBER_NIK)

    text = result.messages[0].text
    assert text.startswith("⚠️ ") and t("identifier.nik_repeated", number=1) in text
    assert MEMBER_NIK not in text
    assert driver.state["answers"] == before and driver.current() == "member_nik"
    # Another NIK, or none, goes on; the first member's own NIK may be given again.
    await driver.tap(t("form.missing.tidak_tahu"))
    assert driver.current() != "member_nik"
    assert driver.answers["members"][0]["member_nik"] == MEMBER_NIK
