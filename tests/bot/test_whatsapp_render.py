"""Rendering for WhatsApp never loses words and never offers two options alike."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.outbound import (
    INTERACTIVE_BODY,
    ROW_DESCRIPTION,
    ROW_TITLE,
    TEXT_BODY,
    hides_options,
    prints_numbered_options,
    render,
    template_parameter,
    title_width,
    to_whatsapp_text,
)
from handlers.events import Button, Outbound
from handlers.forms.loading import load_form
from handlers.forms.model import FORMS_DIR
from handlers.forms.state import Position
from handlers.forms.view import FormView
from handlers.i18n import Catalog, Markup
from tests.e2e.whatsapp import body_of

CATALOG = Catalog.load()


def _words(text: str) -> list[str]:
    return text.replace("*", "").split()


def test_options_with_the_same_title_are_numbered() -> None:
    """Two drafts of households with the same head, started the same hour."""
    buttons = [
        [Button(label="Ahmad · 2 jam lalu", data="dr:1")],
        [Button(label="Ahmad · 2 jam lalu", data="dr:2")],
        [Button(label="Mulai laporan baru", data="dr:new")],
    ]
    rendered = render(Outbound(text="Draf Anda:", buttons=buttons), CATALOG, "id")
    assert [body["type"] for body in rendered.bodies] == ["text"]
    assert rendered.menu == {"1": "dr:1", "2": "dr:2", "3": "dr:new"}
    distinct = [[Button(label="Ya", data="y")], [Button(label="Tidak", data="n")]]
    buttons_body = render(Outbound(text="Kirim?", buttons=distinct), CATALOG, "id").bodies[-1]
    assert buttons_body["interactive"]["type"] == "button"


def test_a_long_paragraph_with_buttons_is_sent_whole() -> None:
    """A broadcast of 1,500 characters in one paragraph, previewed before it is sent."""
    paragraph = " ".join(f"kata{n}" for n in range(300))  # about 2,000 characters
    message = Outbound(text=paragraph, buttons=[[Button(label="Kirim sekarang", data="b:y")]])
    bodies = render(message, CATALOG, "id").bodies
    assert len(bodies) >= 2 and bodies[-1]["type"] == "interactive"
    assert all(len(body_of(body)) <= INTERACTIVE_BODY for body in bodies)
    assert _words(" ".join(body_of(body) for body in bodies)) == paragraph.split()


def test_a_line_longer_than_a_message_goes_in_several() -> None:
    line = "x" * (TEXT_BODY + 500)
    bodies = render(Outbound(text=line), CATALOG, "id").bodies
    assert [len(body_of(body)) for body in bodies] == [TEXT_BODY, 500]


def test_a_template_parameter_is_plain_text_on_one_line() -> None:
    """A training's title with '&' reached people as '&amp;'; a new line is refused (132018)."""
    named = Markup(CATALOG.text("id", "training_extra.named", title="P&K <Angkatan 2>"))
    summary = CATALOG.text("id", "training.summary", Training=named)
    assert template_parameter(summary) == "bimtek P&K <Angkatan 2>"
    assert template_parameter("KNG-2026-000123\n\tbaris   dua     spasi") == (
        "KNG-2026-000123 baris dua spasi"
    )
    assert len(template_parameter("x" * 500)) == 60
    assert template_parameter("x" * 500).endswith("…")


def test_a_long_template_parameter_ends_on_a_whole_word() -> None:
    """Found by QA walk 7: the eve reminder's template read "… di Aula Kecamatan " (cut at 60
    characters mid-sentence, a trailing space, no sign that more was written)."""
    summary = "📅 Besok: Bimtek PSM Kadugede, pukul 08.00 di Aula Kecamatan Kadugede, Jl. Raya"
    shown = template_parameter(summary)
    assert shown == "📅 Besok: Bimtek PSM Kadugede, pukul 08.00 di Aula…"
    assert len(shown) <= 60


def test_a_title_with_an_emoji_is_measured_in_utf16_units() -> None:
    """ "📝 Mulai laporan baru" is 20 code points but 21 UTF-16 units: not a reply button
    (Meta's counting of emoji is undocumented), a list row; beyond 24 units, with no place
    to split it into a row's title and description, numbered text."""
    options = [
        [Button(label="📝 Mulai laporan baru", data="dr:new")],
        [Button(label="Batal", data="x")],
    ]
    body = render(Outbound(text="Draf Anda:", buttons=options), CATALOG, "id").bodies[-1]
    assert body["interactive"]["type"] == "list"
    # 23 code points, 25 units, and no space to split it at:
    long = [[Button(label="🚨🚨" + "x" * 21, data="a")], [Button(label="Batal", data="x")]]
    rendered = render(Outbound(text="Pilih:", buttons=long), CATALOG, "id")
    assert [b["type"] for b in rendered.bodies] == ["text"] and rendered.menu == {
        "1": "a",
        "2": "x",
    }


@pytest.mark.parametrize(
    ("html_text", "whatsapp"),
    [
        ("Ketik /batal bila tidak jadi.", "Ketik *batal* bila tidak jadi."),
        (
            "<b>Jam berapa? Ketik /batal bila tidak jadi.</b>",
            "*Jam berapa? Ketik batal bila tidak jadi.*",
        ),
        ("<i>Ketik /batal</i>", "_Ketik *batal*_"),
        ("<b>Bimtek <b>Angkatan 2</b> dibuka</b>", "*Bimtek Angkatan 2 dibuka*"),
        ("<b>Nama</b> <i>(sesuai KK)</i>", "*Nama* _(sesuai KK)_"),
        ("a/b dan http://x.id/abc &amp; /menu", "a/b dan http://x.id/abc & *menu*"),
    ],
)
def test_markup_never_nests_a_marker_in_itself(html_text: str, whatsapp: str) -> None:
    """WhatsApp pairs "*Ketik *batal* ...*" wrongly: stray asterisks show, the bold stops."""
    assert to_whatsapp_text(html_text) == whatsapp


@pytest.mark.parametrize("form_id", ["reminder_hour", "training_code", "training_import"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_a_bold_question_naming_batal_stays_one_bold_span(form_id: str, language: str) -> None:
    """The questions of /pengingat's "Jam lain", the check-in code and the phone-list upload
    are bold labels that say "Ketik /batal": on WhatsApp, one bold span with the bare word."""
    form = load_form(FORMS_DIR / f"{form_id}.yaml")
    question = next(q for q in form.items if "/batal" in q.label[language])
    heading = FormView(CATALOG, language, 1, 1).heading(question, Position(question.name), None)
    body = "\n".join(body_of(b) for b in render(Outbound(text=heading), CATALOG, language).bodies)
    assert body.startswith("*") and body.endswith("*"), body
    assert "*" not in body[1:-1] and "batal" in body, body


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_photo_steps_done_is_a_reply_button_and_the_limit_is_said_once(language: str) -> None:
    """After the first photo, "✔️ Selesai kirim foto" (21 units) came as a one-row list behind
    "Pilih"; the question said "paling banyak 3" twice."""
    form = load_form(FORMS_DIR / "case_report.yaml")
    photos = next(q for q in form.items if q.name == "photos")
    view = FormView(CATALOG, language, 1, 1)
    heading = view.heading(photos, Position(photos.name), None)
    asked = view.question(photos, heading, options=[], picking=["p1"], page=0, default=None)
    body = render(asked, CATALOG, language).bodies[-1]
    assert body["interactive"]["type"] == "button"
    titles = [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]]
    # With a photo held, "Hapus semua foto" beside it (QA walk 13): still reply buttons.
    assert titles == [
        CATALOG.text(language, "form.done_photos"),
        CATALOG.text(language, "form.remove_photos"),
    ]
    assert body_of(body).count("3") == 1, body_of(body)


# Options as a handler offers them -> how WhatsApp shows them: a list row's title (<= 24) and
# description (<= 72) when a label is too long for a title alone, else numbered text. QA: "cari
# slamet" amid a report printed "1. KNG-2026-000001 · Diajukan" as numbered text, and the "1"
# typed to open the case was stored as the household's size.
ROW_CASES = [
    {
        "why": "a search result: split at ' · '",
        "labels": ["KNG-2026-000001 · Diajukan", "KNG-2026-000002 · Diverifikasi TKSK"],
        "layout": "list",
        "rows": [("KNG-2026-000001", "Diajukan"), ("KNG-2026-000002", "Diverifikasi TKSK")],
    },
    {
        "why": "the queue: an urgency mark stays in the title",
        "labels": ["🚨 KNG-2026-000001 · Babatan", "🙋 ❗ KNG-2026-000002 · Kertawirama"],
        "layout": "list",
        "rows": [("🚨 KNG-2026-000001", "Babatan"), ("🙋 ❗ KNG-2026-000002", "Kertawirama")],
    },
    {
        "why": "one option too long for a reply button: a one-row list, not numbered",
        "labels": ["KNG-2026-000001 · Diajukan"],
        "layout": "list",
        "rows": [("KNG-2026-000001", "Diajukan")],
    },
    {
        "why": "a bracket stays with what it opens",
        "labels": ["Lansia terlantar (60 tahun ke atas)", "Batal"],
        "layout": "list",
        "rows": [("Lansia terlantar", "(60 tahun ke atas)"), ("Batal", "")],
    },
    {
        "why": "no separator: after as many words as fit the title",
        "labels": ["Rumah tidak layak huni dan rawan longsor", "Lainnya"],
        "layout": "list",
        "rows": [("Rumah tidak layak huni", "dan rawan longsor"), ("Lainnya", "")],
    },
    {
        "why": "a separator whose title would be too long: between words instead",
        "labels": ["Kelompok Usaha Bersama Sejahtera · Desa Babatan", "Batal"],
        "layout": "list",
        "rows": [("Kelompok Usaha Bersama", "Sejahtera · Desa Babatan"), ("Batal", "")],
    },
    {
        "why": "titles alike once split: numbered, so each is told apart",
        "labels": ["Ahmad Suryana Wijaya · 2 jam lalu", "Ahmad Suryana Wijaya · 3 jam lalu"],
        "layout": "numbered",
    },
    {
        "why": "a word longer than a title: numbered",
        "labels": ["Pemberdayaanmasyarakatdesa", "Batal"],
        "layout": "numbered",
    },
    {
        "why": "beyond a description's 72: numbered",
        "labels": ["Catatan · " + " ".join(["kata"] * 22), "Batal"],
        "layout": "numbered",
    },
    {
        "why": "more than 10 options: numbered",
        "labels": [f"KNG-2026-0000{n:02d} · Diajukan" for n in range(1, 12)],
        "layout": "numbered",
    },
]


@pytest.mark.parametrize("case", ROW_CASES, ids=[case["why"] for case in ROW_CASES])
def test_long_labels_become_a_list_rows_title_and_description(case: dict) -> None:
    buttons = [[Button(label=label, data=f"cs:{n}")] for n, label in enumerate(case["labels"])]
    message = Outbound(text="Ditemukan:", buttons=buttons)
    rendered = render(message, CATALOG, "id")
    assert prints_numbered_options(message) == (case["layout"] == "numbered")
    assert hides_options(message) == (case["layout"] == "list")  # rows behind "Pilih"
    if case["layout"] == "numbered":
        assert [body["type"] for body in rendered.bodies] == ["text"]
        assert rendered.menu == {str(n + 1): f"cs:{n}" for n in range(len(case["labels"]))}
        for n, label in enumerate(case["labels"]):
            assert f"{n + 1}. {label}" in body_of(rendered.bodies[0])
        return
    assert rendered.menu == {}  # a tap comes back as the row's id: nothing typed to read
    (body,) = rendered.bodies
    assert body["interactive"]["type"] == "list"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert [(row["title"], row.get("description", "")) for row in rows] == case["rows"]
    assert [row["id"] for row in rows] == [f"cs:{n}" for n in range(len(rows))]
    for row in rows:
        assert title_width(row["title"]) <= ROW_TITLE
        assert title_width(row.get("description", "")) <= ROW_DESCRIPTION


@pytest.mark.parametrize(
    ("count", "hidden"), [(0, False), (3, False), (4, True), (10, True), (11, False)]
)
def test_only_a_list_hides_its_options(count: int, hidden: bool) -> None:
    """Reply buttons (up to 3) are in sight and numbered text prints its numbers; only a
    list (4 to 10 rows behind "Pilih", unnumbered) hides them: a number typed there counts
    nothing the person sees (handlers/forms/choice_step.py)."""
    buttons = [[Button(label=f"Desa {n}", data=f"f1.1:o{n}")] for n in range(count)]
    assert hides_options(Outbound(text="Di desa mana?", buttons=buttons)) is hidden


def test_a_location_question_names_its_buttons_as_words_to_type() -> None:
    """The words to type under a location request carry no emoji ("Atau ketik *Lewati*,
    *Batal*.", not "*✖️ Batal*": QA walk 8), and the word typed is that button."""
    buttons = [[Button(label="Lewati", data="f1.4:s"), Button(label="✖️ Batal", data="cn:1")]]
    rendered = render(
        Outbound(text="Kirim lokasi rumahnya.", request="location", buttons=buttons),
        CATALOG,
        "id",
    )
    body = rendered.bodies[-1]["interactive"]["body"]["text"]
    assert "Atau ketik *Lewati*, *Batal*." in body
    assert "✖" not in body
    assert rendered.menu["batal"] == "cn:1"
    assert rendered.menu["✖️ batal"] == "cn:1"  # the label copied whole still works
