"""A case category has one name wherever it is read, from the case report form: its long name
where the button's label is terse ("Kekerasan thd anak" on the button, "Anak korban tindak
kekerasan/diperlakukan salah" on the page), else its label. The reviewer's case page, the
reporter's own page, the notices, /statistik, /ekspor's filter and file and the digest's chart
say the same; the buttons and the form's own summary keep the short label. The names come
from the current form by option code, so a case or a draft of an older version is named the
same. Before the long names, pages, exports and charts read the button's "Perempuan rawan"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from handlers import reminders
from handlers.case_report import DRAFT_PREFIX
from handlers.events import InboundKind
from handlers.forms.loading import form_from_data, load_form
from handlers.forms.model import FormError
from handlers.forms.option_labels import categories_named, category_labels, category_names
from handlers.forms.option_model import Choice
from handlers.i18n import Catalog
from handlers.statistics import LABEL_LINES, LABEL_WIDTH, bar_label
from storage.models import Role
from tests.handlers.chat_turns import app_context, run_background
from tests.handlers.review_turns import review_world, said, send, tap
from tests.handlers.routed_turns import CHANNELS, button, person, queued
from tests.handlers.routed_turns import send as routed_send
from tests.handlers.test_case_report_versions import (
    V2_DRAFT_ANSWERS,
    psm_with_a_draft,
    reported,
)
from tests.handlers.test_case_report_versions import send as draft_send
from tests.handlers.test_case_report_versions import tap as draft_tap
from tests.storage.seed_cases import KADUGEDE, NOW

V7 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "case_report_v7.yaml")
PICKED = ("sulit_akses_kesehatan", "odgj")
NAMES = "Sulit akses layanan kesehatan, Orang dengan gangguan jiwa (ODGJ)"
PAGE_NAMES = "Orang dengan gangguan jiwa (ODGJ), Sulit akses layanan kesehatan"  # stored sorted
SHORT = ("Sulit akses berobat", "ODGJ (gangguan jiwa)")  # the buttons' labels

# domain.md section 2: the 26 PPKS (Permensos 08/2012, kept by Permensos 5/2019 jo. 3/2021)
# by code and official name, and the local indicators kept beside them.
PPKS = {
    "anak_balita_telantar": "Anak Balita Telantar",
    "anak_telantar": "Anak Telantar",
    "anak_berhadapan_hukum": "Anak yang Berhadapan dengan Hukum (ABH)",
    "anak_jalanan": "Anak Jalanan",
    "anak_disabilitas": "Anak dengan Kedisabilitasan (ADK)",
    "anak_korban_kekerasan": "Anak Korban Tindak Kekerasan/Diperlakukan Salah",
    "anak_perlindungan_khusus": "Anak yang Memerlukan Perlindungan Khusus (AMPK)",
    "lansia_telantar": "Lanjut Usia Telantar",
    "penyandang_disabilitas": "Penyandang Disabilitas",
    "tuna_susila": "Tuna Susila",
    "gelandangan": "Gelandangan",
    "pengemis": "Pengemis",
    "pemulung": "Pemulung",
    "kelompok_minoritas": "Kelompok Minoritas",
    "bekas_warga_binaan": "Bekas Warga Binaan Lembaga Pemasyarakatan",
    "odha": "Orang dengan HIV/AIDS",
    "korban_napza": "Korban Penyalahgunaan NAPZA",
    "korban_perdagangan_orang": "Korban Trafficking",
    "korban_tindak_kekerasan": "Korban Tindak Kekerasan",
    "pekerja_migran_bermasalah": "Pekerja Migran Bermasalah Sosial",
    "korban_bencana_alam": "Korban Bencana Alam",
    "korban_bencana_sosial": "Korban Bencana Sosial",
    "perempuan_rawan_sosial_ekonomi": "Perempuan Rawan Sosial Ekonomi",
    "fakir_miskin": "Fakir Miskin",
    "keluarga_bermasalah_psikologis": "Keluarga Bermasalah Sosial Psikologis",
    "komunitas_adat_terpencil": "Komunitas Adat Terpencil",
}
LOCAL = (
    "stunting",
    "anak_tidak_sekolah",
    "sulit_akses_kesehatan",
    "sulit_akses_pendidikan",
    "rtlh",
    "odgj",
    "lainnya",
)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_category_of_domain_md_has_a_name_and_a_button_label(language: str) -> None:
    app = app_context(Path("/nonexistent"))
    names = category_names(app.forms, language)
    buttons = category_labels(app.forms, language)
    assert len(PPKS) == 26 and set(names) == set(PPKS) | set(LOCAL) == set(buttons)
    for code in names:
        assert names[code] and names[code] != code.replace("_", " "), code
        assert 0 < _utf16(buttons[code]) <= 20, buttons[code]  # a WhatsApp button's title
    if language == "id":  # each PPKS by its official name (an acronym or gloss may follow)
        for code, official in PPKS.items():
            assert names[code].casefold().startswith(official.casefold()), (code, names[code])


def test_the_form_is_the_only_source_of_category_names(tmp_path) -> None:
    app = app_context(tmp_path / "media")
    choices = {c.name: c for c in app.forms["case_report"].question("categories").choices or []}
    assert category_names(app.forms, "id") == {
        code: (choice.long or choice.label)["id"] for code, choice in choices.items()
    }
    assert category_labels(app.forms, "id") == {
        code: choice.label["id"] for code, choice in choices.items()
    }
    assert categories_named(app.forms, "id", PICKED) == NAMES
    assert categories_named(app.forms, "en", PICKED) == (
        "Difficulty reaching health care, Person with mental illness (ODGJ)"
    )
    # A long name without English: an English reader gets the English label, not Indonesian.
    assert categories_named(app.forms, "en", ["lansia_telantar"]) == "Neglected elderly"
    assert categories_named(app.forms, "id", ["lansia_telantar"]) == "Lanjut usia telantar"
    assert categories_named(app.forms, "id", ["gelandangan"]) == "Gelandangan"  # no long name
    catalog = Catalog.load()
    assert not any(key.startswith("categories.") for key in catalog.texts["id"])


def test_a_long_name_is_checked_when_the_form_is_loaded() -> None:
    choice = Choice(name="a", label={"id": "A", "en": "C"}, long={"id": "Anak"})
    assert (choice.read_name("id"), choice.read_name("en"), choice.read_name("jv")) == (
        "Anak",
        "C",
        "Anak",
    )
    for long in ({"en": "No Indonesian"}, {"id": "x" * 81}):
        data = {
            "id": "f",
            "version": 1,
            "title": {"id": "F"},
            "items": [
                {
                    "type": "select_one",
                    "name": "q",
                    "label": {"id": "Q?"},
                    "choices": [{"name": "a", "label": {"id": "A"}, "long": long}],
                }
            ],
        }
        with pytest.raises(FormError, match="long"):
            form_from_data(data, "forms/f.yaml")


def test_a_chart_wraps_a_long_name_instead_of_cutting_it() -> None:
    for name in PPKS.values():
        lines = bar_label(name).split("\n")
        assert len(lines) <= LABEL_LINES and all(len(line) <= LABEL_WIDTH for line in lines)
        assert " ".join(lines) == name  # every word kept, none cut
    assert bar_label("Stunting") == "Stunting"
    too_long = bar_label("Satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas")
    assert too_long.count("\n") == LABEL_LINES - 1 and too_long.endswith("…")


def test_the_daily_digest_names_categories_by_their_long_names(tmp_path) -> None:
    app = app_context(tmp_path / "media")
    new = {"kecamatan": [("Kadugede", 3)], "categories": [("perempuan_rawan_sosial_ekonomi", 3)]}
    text = reminders._digest_text(app, "id", new, [], 0, NOW)
    assert "Perempuan rawan sosial ekonomi 3" in text, text


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("version", [1, 7])
async def test_the_pages_and_statistics_name_categories_by_their_long_names(
    world, channel, version
) -> None:
    db, app = world
    async with db.transaction() as repos:  # the case's own (older) version is stored
        await repos.forms.save_definition(V7.id, V7.version, V7.model_dump(mode="json"))
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), categories=PICKED, form_version=version
    )
    reviewer_page = said(await tap(db, app, people.tksk, channel, f"cs:{people.case_id}"))
    reporter_page = said(await tap(db, app, people.psm, channel, f"mc:{people.case_id}"))
    for page in (reviewer_page, reporter_page):
        assert f"Kategori: {PAGE_NAMES}" in page, page
        assert not any(label in page for label in SHORT)
    turn = await send(
        db, app, people.coordinator, channel, kind=InboundKind.COMMAND, command="statistik"
    )
    statistics = "\n".join(reply.text or "" for reply in await run_background(db, turn))
    assert "Sulit akses layanan kesehatan" in statistics
    assert not any(label in statistics for label in SHORT)


async def test_the_export_filter_offers_labels_and_names_the_choice_in_full(world) -> None:
    db, app = world
    channel = "telegram"  # /ekspor sends its file on Telegram only (WhatsApp cannot delete it)
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), categories=("anak_korban_kekerasan",)
    )
    coordinator = people.coordinator

    async def tapped(data: str) -> list:
        return await run_background(db, await routed_send(db, app, coordinator, channel, data=data))

    start = await routed_send(db, app, coordinator, channel, command="ekspor")
    kecamatan = await tapped(button(start, "30 hari"))
    category = await tapped(button(kecamatan[-1], "Semua kec"))
    offered = [b.label for row in category[-1].buttons or [] for b in row]
    assert "Kekerasan thd anak (1)" in offered  # the button's label, short
    state = await routed_send(db, app, coordinator, channel, data=button(category[-1], "Keker"))
    assert "Anak korban tindak kekerasan/diperlakukan salah" in said(state)  # the filter, read
    assert "Kekerasan thd anak" not in said(state)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_version_7_draft_keeps_its_labels_and_is_read_by_long_names(world, channel) -> None:
    db, app = world
    async with db.transaction() as repos:
        await repos.forms.save_definition(V7.id, V7.version, V7.model_dump(mode="json"))
    assert V7.version == 7 < app.forms["case_report"].version
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    picked = [
        {"name": "anak_korban_kekerasan", "label": "Kekerasan thd anak"},
        {"name": "perempuan_rawan_sosial_ekonomi", "label": "Perempuan rawan"},
    ]
    psm, draft_id = await psm_with_a_draft(
        db, channel, 7, {**V2_DRAFT_ANSWERS, "categories": picked}
    )
    await draft_send(db, app, psm, channel, kind=InboundKind.COMMAND, command="lapor")
    resumed = await draft_tap(db, app, psm, channel, f"{DRAFT_PREFIX}:{draft_id}")
    assert "Siapa yang menyetujui data ini dicatat?" in said(resumed)
    for typed in ("Kepala keluarga", "Lisan", "Atap bocor.", "Lewati", "Biasa"):
        last = await draft_send(db, app, psm, channel, kind=InboundKind.TEXT, text=typed)
    summary = [reply for reply in last.replies if reply.type == "text"][-1]
    assert "Kekerasan thd anak, Perempuan rawan" in (summary.text or "")  # the form's own
    await draft_tap(db, app, psm, channel, button(summary, "Kirim"))
    [(version, _)] = await reported(db, psm)
    assert version == 7

    # The TKSK's notice and the case's page name the categories in full.
    [notice] = await queued(db, tksk)
    long_names = "Anak korban tindak kekerasan/diperlakukan salah, Perempuan rawan sosial ekonomi"
    assert long_names in (notice.text or ""), notice.text
    page = said(await tap(db, app, tksk, channel, button(notice, "")))
    assert f"Kategori: {long_names}" in page, page
