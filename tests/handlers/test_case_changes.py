"""What a correction changed, as the reviewers read it: "<label>: old → new" per answer, a
NIK or KK masked, options by their labels, photos counted, a member added named, at most 8
lines then how many more; nothing for answers that say the same."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from handlers.case_changes import ChangeLines, changes_anything, changes_since_sent_back
from tests.handlers.chat_turns import app_context
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST

SENT_BACK: dict[str, Any] = {**BEFORE_SIZE, **REST, "photos": [{"ref": "a"}, {"ref": "b"}]}


def corrected(**changes: Any) -> dict[str, Any]:
    answers = copy.deepcopy(SENT_BACK)
    answers.update(changes)
    return answers


def test_each_kind_of_answer_is_shown_as_a_reviewer_reads_it(tmp_path: Path) -> None:
    app = app_context(tmp_path / "media")
    members = copy.deepcopy(SENT_BACK["members"])
    members[0]["member_nik"] = "3208014506230009"
    members[1]["member_nik"] = {"missing": "tidak_tahu"}
    new = corrected(
        members=members,
        urgency={"name": "darurat", "label": "Darurat"},
        bansos=[{"name": "pkh"}, {"name": "bpnt"}],
        photos=[{"ref": "c"}],
        description="Atap bocor. NIK ibu 3208014506900002",
        categories=[{"name": "rtlh"}, {"name": "anak_korban_kekerasan"}],
    )
    lines = ChangeLines(app, "id").of(SENT_BACK, new)
    assert lines[0] == "• NIK (Ayu Lestari): 320801******0001 → 320801******0009"
    assert lines[1] == "• NIK (Dede): 320801******0004 → Tidak tahu"
    assert "• Urgensi: Biasa → 🚨 Darurat" in lines
    assert any(line.startswith("• Bansos: PKH → PKH, ") for line in lines), lines
    assert "• Foto: foto diganti (2 → 1 foto)" in lines
    # Categories by their names for reading (the form's long names), not the buttons' labels.
    assert (
        "• Kategori: Rumah tidak layak huni (RTLH) → Rumah tidak layak huni (RTLH), "
        "Anak korban tindak kekerasan/diperlakukan salah" in lines
    ), lines
    assert (
        "• Keterangan: Atap bocor, dinding bambu lapuk. → Atap bocor. NIK ibu 320801******0002"
        in lines
    )
    assert all("3208014506900002" not in line and "3208014506230009" not in line for line in lines)
    english = ChangeLines(app, "en").of(SENT_BACK, new)
    assert "• Photos: photos replaced (2 → 1 photo)" in english


def test_photos_added_or_deleted_are_said_so(tmp_path: Path) -> None:
    """QA walk 13: photos added to those kept are no "replaced" (the reviewer thought the
    first ones were lost); some taken out with none new are "deleted"."""
    app = app_context(tmp_path / "media")
    added = corrected(photos=[{"ref": "a"}, {"ref": "b"}, {"ref": "c"}])
    assert ChangeLines(app, "id").of(SENT_BACK, added) == ["• Foto: foto ditambah (2 → 3 foto)"]
    english = ChangeLines(app, "en").of(SENT_BACK, added)
    assert english == ["• Photos: photos added (2 → 3 photos)"]
    fewer = corrected(photos=[{"ref": "b"}])
    assert ChangeLines(app, "id").of(SENT_BACK, fewer) == ["• Foto: foto dihapus (2 → 1 foto)"]
    assert ChangeLines(app, "id").of(SENT_BACK, corrected(photos=None)) == [
        "• Foto: foto dihapus (2 → 0 foto)"
    ]
    first = {**SENT_BACK, "photos": None}
    assert ChangeLines(app, "id").of(first, SENT_BACK) == ["• Foto: foto ditambah (0 → 2 foto)"]


def test_the_same_answers_change_nothing_and_a_long_list_is_cut(tmp_path: Path) -> None:
    app = app_context(tmp_path / "media")
    # A label reworded since, an empty answer for none: the same answers.
    relabelled = corrected(urgency={"name": "biasa", "label": "Tidak mendesak"}, photos=[])
    assert not changes_anything(app, {**SENT_BACK, "photos": None}, relabelled)
    assert changes_since_sent_back(app, "id", SENT_BACK, SENT_BACK, None) == (
        "✏️ Diajukan ulang <b>tanpa perubahan</b>."
    )

    rudi = {"member_name": "Rudi", "member_nik": "3208010101100003"}
    members = [*copy.deepcopy(SENT_BACK["members"]), rudi]
    new = corrected(
        head_name="Slamet R.",
        address="Dusun Baru",
        household_size=6,
        description="Lain",
        urgency={"name": "darurat"},
        members=members,
        consent_method={"name": "tertulis"},
        bansos=None,
    )
    lines = ChangeLines(app, "id").of(SENT_BACK, new)
    assert "• Nama (Rudi): - → Rudi" in lines and "• NIK (Rudi): - → 320801******0003" in lines
    assert len(lines) == 9
    text = changes_since_sent_back(app, "id", SENT_BACK, new, "Sudah dicek")
    shown = text.split("\n")
    assert shown[0] == "✏️ <b>Yang diubah sejak dikembalikan:</b>"
    assert shown[1:9] == lines[:8]
    assert shown[9:] == ["• … dan 1 lainnya", "Penjelasan pelapor: <i>Sudah dicek</i>"]


def test_the_same_options_in_another_order_change_nothing(tmp_path: Path) -> None:
    """Options typed in another order ("anak, lansia" keeps the typed order) are the same
    answer: no fake change for the reviewers, and the correction counts as unchanged."""
    app = app_context(tmp_path / "media")
    before = corrected(bansos=[{"name": "pkh"}, {"name": "bpnt"}])
    after = corrected(bansos=[{"name": "bpnt"}, {"name": "pkh"}])
    assert not changes_anything(app, before, after)
    assert ChangeLines(app, "id").of(before, after) == []
    assert changes_anything(app, before, corrected(bansos=[{"name": "bpnt"}]))
