"""`psm-bot subject find|export|correct|erase`: a data subject's rights (UU PDP), each logged
with the NIK only as a keyed hash; erasure leaves no byte of the NIK in the database file."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.lock import ProcessLock
from storage.db import Database
from storage.models import Role
from storage.subjects import CORRECTABLE
from tests.bot.cli_world import (
    CHILD_NIK,
    CHILD_PHOTO,
    FAMILY_KK,
    OTHER_NIK,
    SHARED_PHOTO,
    SISTER_NIK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.storage.seed_cases import (
    BABATAN,
    CASE_REPORT_VERSION,
    KADUGEDE,
    NOW,
    make_user,
    query,
    seed_case,
)


def _subject_audit(world: World) -> list[tuple[str, str, dict]]:
    rows = query(
        world.database,
        "SELECT action, subject, detail FROM audit_log WHERE action LIKE 'subject.%' ORDER BY id",
    )
    return [(r["action"], r["subject"], json.loads(r["detail"])) for r in rows]


def _expected_ref(world: World, nik: str) -> str:
    key = bytes.fromhex(Path(f"{world.database}.audit-key").read_text())  # never in the database
    return "nik-hmac:" + hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def _file_bytes(world: World) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-journal"):
        path = Path(f"{world.database}{suffix}")
        if path.exists():
            data += path.read_bytes()
    return data


def _spaced(digits: str) -> list[bytes]:
    return [digits.encode(), f"{digits[:8]} {digits[8:]}".encode()]


def test_find_prints_and_logs_a_keyed_hash(world: World, capsys) -> None:
    assert main(["subject", "find", "3208 0145 0623 0001"]) == 0
    out = capsys.readouterr().out
    assert out.count("Ayu Lestari") == 2  # one person, two households
    assert "desa Babatan (32.08.01.2006)" in out
    assert "case KNG-2026-000001: submitted, stunting" in out
    assert "case KNG-2026-000002: verified, anak_tidak_sekolah" in out
    assert main(["subject", "find", CHILD_NIK]) == 0
    first, second = _subject_audit(world)
    assert first[0] == "subject.find" and first[2]["members"] == 2
    assert first[1] == second[1] == _expected_ref(world, CHILD_NIK)  # one key, kept
    log = " ".join(
        str(r["detail"]) + str(r["subject"])
        for r in query(world.database, "SELECT * FROM audit_log")
    )
    assert CHILD_NIK not in log


def test_find_from_standard_input(world: World, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(OTHER_NIK + "\n"))
    assert main(["subject", "find", "-"]) == 0
    assert "Budi Santoso" in capsys.readouterr().out


async def _send_back(world: World, case_id: int, reason: str) -> None:
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            await repos.cases.add_event(
                case_id, now=NOW, actor_id=1, from_state="submitted",
                to_state="needs_revision", reason=reason,
            )  # fmt: skip
    finally:
        await db.close()


def test_export_gives_their_data_and_not_their_sisters(world: World) -> None:
    asyncio.run(_send_back(world, 1, "Rumah Ayu di RT 3 belum difoto"))
    out = world.root / "ayu.json"
    assert main(["subject", "export", CHILD_NIK, str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["nik"] == CHILD_NIK and len(document["people"]) == 2
    numbers = [case["number"] for case in document["cases"]]
    assert numbers == ["KNG-2026-000001", "KNG-2026-000002"]
    siblings = document["cases"][1]
    assert [m["member_name"] for m in siblings["answers"]["members"]] == ["Ayu Lestari"]
    assert SISTER_NIK not in out.read_text(encoding="utf-8")
    assert document["cases"][0]["photos"] == [SHARED_PHOTO, CHILD_PHOTO]
    reasons = [event["reason"] for event in document["cases"][0]["events"]]
    assert "Rumah Ayu di RT 3 belum difoto" in reasons  # what reviewers wrote about her case
    ((action, subject, detail),) = _subject_audit(world)
    assert action == "subject.export" and detail["cases"] == 2
    assert subject == _expected_ref(world, CHILD_NIK)


def test_correct_a_name(world: World) -> None:
    assert main(["subject", "correct", CHILD_NIK, "--field", "name", "--value", "Ayu Lestary"]) == 0
    names = query(world.database, "SELECT name, name_key FROM household_members WHERE nik = ?",
                  (CHILD_NIK,))  # fmt: skip
    assert [tuple(r) for r in names] == [("Ayu Lestary", "ayu lestary")] * 2
    (answers,) = query(world.database, "SELECT answers FROM cases WHERE number = ?",
                       ("KNG-2026-000002",))  # fmt: skip
    members = json.loads(answers[0])["members"]
    assert [m["member_name"] for m in members] == ["Ayu Lestary", "Siti Aminah"]
    ((action, _, detail),) = _subject_audit(world)
    assert action == "subject.correct" and detail["field"] == "name" and detail["members"] == 2
    assert "Lestary" not in json.dumps(detail)


def test_correct_refuses_bad_values(world: World, capsys) -> None:
    assert main(["subject", "correct", CHILD_NIK, "--field", "sex", "--value", "X"]) == 1
    assert main(["subject", "correct", CHILD_NIK, "--field", "nik", "--value", "123"]) == 1
    assert main(["subject", "correct", "123", "--field", "name", "--value", "Ayu"]) == 1
    # A relation is its code: the code decides who heads a household.
    relation = ["--field", "relation", "--value", "Kepala keluarga"]
    assert main(["subject", "correct", CHILD_NIK, *relation]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "kepala_keluarga" in err
    assert _subject_audit(world) == []


def test_correct_a_birth_date_as_the_bot_shows_it(world: World, capsys) -> None:
    correct = ["subject", "correct", CHILD_NIK, "--field", "birth_date", "--value"]
    assert main([*correct, "06-05-2023"]) == 0  # DD-MM-YYYY, as the chat shows it
    born = query(world.database, "SELECT birth_date FROM household_members WHERE nik = ?",
                 (CHILD_NIK,))  # fmt: skip
    assert {row[0] for row in born} == {"2023-05-06"}
    assert main([*correct, "2023-05-07"]) == 0  # and as ISO writes it
    assert main([*correct, "2023/31/12"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == (
        "psm-bot: --value '2023/31/12' is not a date: give DD-MM-YYYY (as the bot shows"
        " dates, e.g. 31-01-2026) or YYYY-MM-DD"
    )


def test_the_help_lists_the_codes_a_value_takes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["subject", "correct", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "sex: L or P (laki-laki, perempuan)" in out
    assert "relation: one of anak, kepala_keluarga, istri, suami," in out
    assert "birth_date: DD-MM-YYYY" in out


def test_correct_offers_the_fields_storage_corrects(world: World, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["subject", "correct", CHILD_NIK, "--field", "age", "--value", "3"])
    assert f"--field {{{','.join(CORRECTABLE)}}}" in capsys.readouterr().err
    assert _subject_audit(world) == []


async def _leave_traces(world: World) -> None:
    """What a conversation leaves behind: a processed update whose raw payload was dropped,
    and a draft rewritten step by step, on a connection that does not zero freed bytes (as
    SQLite builds without SECURE_DELETE; Debian's zero them): old bytes in free space."""
    db = Database(world.database)
    await db.open()
    try:
        for step in range(3):
            async with db.transaction() as repos:
                async with repos.conn.execute("PRAGMA secure_delete = 0") as cursor:
                    await cursor.fetchall()
                if step == 0:
                    payload = {"message": {"text": f"NIK anaknya {CHILD_NIK} " + "x" * 300}}
                    await repos.inbox.add(
                        channel="telegram", ext_id="1", payload=payload, sender_key="7", now=NOW
                    )
                    await repos.forms.start(
                        user_id=1,
                        form_id="case_report",
                        form_version=CASE_REPORT_VERSION,
                        state={"answers": {"members": [{"member_nik": CHILD_NIK}]}},
                        now=NOW,
                    )
                    await repos.visits.add(  # case 1 is about the child alone
                        1,
                        visited_on=NOW.date(),
                        actions="Ayu Lestari dirujuk ke puskesmas",
                        next_visit_on=None,
                        recorded_by=1,
                        now=NOW,
                    )
                    await repos.cases.add_event(  # the TKSK's check at the child's home
                        1,
                        now=NOW,
                        actor_id=1,
                        from_state="submitted",
                        to_state="verified",
                        detail={
                            "method": "visited",
                            "finding": "differs",
                            "note": "Ayu Lestari tinggal dengan neneknya",
                            "latitude": -6.98765,
                            "longitude": 108.48321,
                        },
                    )
                elif step == 1:
                    await repos.inbox.mark_done(1, now=NOW)
                else:
                    session = await repos.forms.active(1)
                    await repos.forms.save(
                        session.id, state={"answers": {}}, status="paused", now=NOW
                    )
    finally:
        await db.close()


def test_erase_leaves_no_trace_and_keeps_the_counts(world: World, capsys) -> None:
    asyncio.run(_leave_traces(world))
    tmp = world.media / "tmp"
    tmp.mkdir()
    (tmp / "ekspor-kasus-old.xlsx").write_bytes(b"masked export")
    before = query(world.database, "SELECT id, state, kecamatan_code FROM cases ORDER BY id")
    categories = query(world.database, "SELECT * FROM case_categories ORDER BY case_id, code")
    assert b"NIK anaknya" in _file_bytes(world)  # only in freed space now

    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "erased: 2 person record(s), 1 household(s) cleared, 2 case(s)" in out

    data = _file_bytes(world)
    for digits in (CHILD_NIK, FAMILY_KK):
        for form in _spaced(digits):
            assert form not in data, form
    assert b"Ayu Lestari" not in data and b"Balita kurus, NIK" not in data
    # Other people are untouched (and the byte search would see them).
    assert SISTER_NIK.encode() in data and OTHER_NIK.encode() in data and b"Siti Aminah" in data
    assert (
        not Path(f"{world.database}-wal").exists()
        or not Path(f"{world.database}-wal").stat().st_size
    )

    # Anonymous counts stay: the same cases, states, regions and categories.
    assert query(world.database, "SELECT id, state, kecamatan_code FROM cases ORDER BY id") == (
        before
    )
    assert query(world.database, "SELECT * FROM case_categories ORDER BY case_id, code") == (
        categories
    )
    household = query(
        world.database,
        "SELECT h.no_kk, h.head_name, h.head_key, h.address FROM households h JOIN cases c"
        " ON c.household_id = h.id WHERE c.number = 'KNG-2026-000001'",
    )[0]
    assert tuple(household) == (None, "", "", "")
    (child,) = query(world.database, "SELECT description, answers FROM cases WHERE id = 1")
    answers = json.loads(child["answers"])
    assert child["description"] == "" and answers["description"] == "[dihapus]"
    assert [r[0] for r in query(world.database, "SELECT actions FROM case_visits")] == [""]
    checks = query(world.database, "SELECT detail FROM case_events WHERE detail IS NOT NULL")
    assert [json.loads(r[0]) for r in checks] == [{"method": "visited", "finding": "differs"}]
    assert answers["head_name"] == answers["address"] == answers["no_kk"] == "[dihapus]"
    assert answers["members"] == [
        {"member_name": "[dihapus]", "member_nik": "[dihapus]", "member_age": None}
    ]
    siblings = query(
        world.database,
        "SELECT h.head_name, h.head_key, c.answers FROM households h JOIN cases c"
        " ON c.household_id = h.id WHERE c.number = 'KNG-2026-000002'",
    )[0]
    assert (siblings["head_name"], siblings["head_key"]) == ("Slamet Riyadi", "slamet riyadi")
    members = json.loads(siblings["answers"])["members"]
    assert members[0]["member_name"] == "[dihapus]" and members[1]["member_name"] == "Siti Aminah"

    # Photos of the case only about her are gone; the one shared with her sister's case stays.
    assert not (world.media / CHILD_PHOTO).exists() and (world.media / SHARED_PHOTO).exists()
    assert not tmp.exists()
    photos = query(world.database, "SELECT path FROM case_photos ORDER BY id")
    assert [r["path"] for r in photos] == [SHARED_PHOTO]
    assert query(world.database, "PRAGMA foreign_key_check") == []
    assert query(world.database, "PRAGMA integrity_check")[0][0] == "ok"

    ((action, subject, detail),) = _subject_audit(world)
    assert action == "subject.erase" and subject == _expected_ref(world, CHILD_NIK)
    assert detail["members"] == 2 and detail["photos"] == 1 and detail["audit_rows_holding_it"] == 0
    assert main(["subject", "find", CHILD_NIK]) == 0
    assert "no household member has this NIK" in capsys.readouterr().out


HEAD_NIK = "3208010101600003"
WIFE_NIK = "3208014202650004"


async def _seed_headed_family(world: World) -> int:
    """Pak Darto, head of the family, and his wife in one case; a later report about the
    wife alone (an update without his NIK) and an earlier version of the case."""
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            psm = await make_user(repos, "Bu Wati", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            case_id = await seed_case(
                repos,
                reporter=psm,
                desa=BABATAN,
                at=NOW,
                number="KNG-2026-000009",
                people=(("Darto Wiryono", HEAD_NIK), ("Sumiati", WIFE_NIK)),
                head="Darto Wiryono",
                no_kk=None,
                categories=("lansia_telantar",),
            )
            await repos.conn.execute(  # reported as the head of the family, his wife as wife
                "UPDATE household_members SET relation = CASE nik WHEN ? THEN 'kepala_keluarga'"
                " ELSE 'istri' END WHERE nik IN (?, ?)",
                (HEAD_NIK, HEAD_NIK, WIFE_NIK),
            )
            (answers,) = await (
                await repos.conn.execute("SELECT answers FROM cases WHERE id = ?", (case_id,))
            ).fetchone()
            await repos.conn.execute(
                "INSERT INTO case_versions (case_id, version, answers, details, created_at)"
                " VALUES (?, 0, ?, '{}', ?)",
                (case_id, answers, NOW.isoformat()),
            )
            await repos.cases.add_update(
                case_id,
                reporter_id=psm.id,
                answers={
                    "head_name": "DARTO wiryono",
                    "members": [{"member_name": "Sumiati", "member_nik": WIFE_NIK}],
                },
                now=NOW,
            )
    finally:
        await db.close()
    return case_id


def test_erase_a_head_whose_family_stays(world: World, capsys) -> None:
    case_id = asyncio.run(_seed_headed_family(world))
    assert main(["subject", "erase", HEAD_NIK, "--yes"]) == 0
    assert b"Darto" not in _file_bytes(world) and b"DARTO" not in _file_bytes(world)
    (household,) = query(
        world.database,
        "SELECT h.head_name, h.address FROM households h JOIN cases c ON c.household_id = h.id"
        " WHERE c.id = ?",
        (case_id,),
    )
    assert tuple(household) == ("", "Dusun Manis RT 02 RW 05")  # the family stays
    (row,) = query(world.database, "SELECT answers FROM cases WHERE id = ?", (case_id,))
    answers = json.loads(row[0])
    assert answers["head_name"] == "[dihapus]"
    assert [m["member_name"] for m in answers["members"]] == ["[dihapus]", "Sumiati"]
    (update,) = query(world.database, "SELECT answers FROM case_updates")
    assert json.loads(update[0])["head_name"] == "[dihapus]"
    # Another family's head is not touched.
    heads = {r[0] for r in query(world.database, "SELECT head_name FROM households")}
    assert "Slamet Riyadi" in heads


def test_correct_the_name_of_a_head(world: World) -> None:
    case_id = asyncio.run(_seed_headed_family(world))
    assert main(["subject", "correct", HEAD_NIK, "--field", "name", "--value", "Sudarto W"]) == 0
    (row,) = query(
        world.database,
        "SELECT h.head_name, c.answers FROM households h JOIN cases c"
        " ON c.household_id = h.id WHERE c.id = ?",
        (case_id,),
    )
    assert row["head_name"] == "Sudarto W"  # what the case page and exports show
    answers = json.loads(row["answers"])
    assert answers["head_name"] == "Sudarto W"
    assert [m["member_name"] for m in answers["members"]] == ["Sudarto W", "Sumiati"]
    heads = {r[0] for r in query(world.database, "SELECT head_name FROM households")}
    assert "Slamet Riyadi" in heads


def _session(world: World, form_id: str, answers: dict) -> None:
    db = sqlite3.connect(world.database)
    with db:
        db.execute(
            "INSERT INTO form_sessions (user_id, form_id, form_version, state, status,"
            " created_at, updated_at) SELECT 1, form_id, MAX(version), ?, 'paused', ?, ?"
            " FROM form_versions WHERE form_id = ?",
            (json.dumps({"answers": answers}), NOW.isoformat(), NOW.isoformat(), form_id),
        )
    db.close()


def test_user_export_gives_a_user_their_own_data(world: World, capsys) -> None:
    out = world.root / "ani.json"
    _session(world, "phone_change", {"phone": "+6281322220001"})
    _session(world, "case_report", {"head_name": "Pak Draf", "no_kk": "3208010101010077"})
    assert main(["user", "export", "1", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["user_id"] == 1 and document["profile"]["full_name"] == "Bu Ani"
    assert [r["number"] for r in document["reports"]] == [
        "KNG-2026-000001",
        "KNG-2026-000002",
        "KNG-2025-000001",
        "TBN-2026-000001",
    ]
    # Their reports by number only: the households they reported on are not theirs to get.
    assert "Ayu Lestari" not in text and CHILD_NIK not in text
    # Their own forms' answers, not those of a draft about a household.
    assert "+6281322220001" in text
    assert "Pak Draf" not in text and "3208010101010077" not in text
    forms = {f["form_id"]: f for f in document["form_sessions"]}
    assert forms["case_report"]["status"] == "paused"
    (row,) = query(world.database, "SELECT subject, detail FROM audit_log")
    assert row["subject"] == "user:1" and "Bu Ani" not in row["detail"]
    assert main(["user", "export", "99", str(world.root / "nobody.json")]) == 1
    assert "no user 99" in capsys.readouterr().err


def test_erasing_a_nik_nobody_has_says_so_plainly(world: World, capsys) -> None:
    typo = CHILD_NIK[:10] + "9" + CHILD_NIK[11:]  # one digit mistyped
    assert main(["subject", "erase", typo, "--yes"]) == 1
    out = capsys.readouterr().out
    assert out.strip() == (
        "nobody in the database has this NIK: nothing about a person was erased (check the"
        " number: psm-bot subject find NIK)"
    )
    assert "erased:" not in out and "rewritten" not in out
    assert query(world.database, "SELECT COUNT(*) FROM household_members WHERE nik = ?",
                 (CHILD_NIK,))[0][0] == 2  # fmt: skip


def test_a_nik_only_written_in_a_text_is_removed_there_and_said_so(world: World, capsys) -> None:
    written = "3208019999990009"  # nobody's NIK, typed into a case's description
    connection = sqlite3.connect(world.database)
    with connection:
        connection.execute(
            "UPDATE cases SET description = ? WHERE number = 'KNG-2025-000001'",
            (f"Tetangga, NIK {written}, ikut membantu.",),
        )
    connection.close()
    assert main(["subject", "erase", written, "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nobody in the database has this NIK: nothing about a person was erased")
    assert "was written in 1 row elsewhere (chat messages, case texts, notes): removed there" in out
    (description,) = query(world.database, "SELECT description FROM cases WHERE number = ?",
                           ("KNG-2025-000001",))[0]  # fmt: skip
    assert written not in description


def test_erase_needs_confirmation_and_a_stopped_bot(world: World, capsys) -> None:
    assert main(["subject", "erase", CHILD_NIK]) == 1  # no terminal, no --yes
    assert "--yes" in capsys.readouterr().err
    with ProcessLock(world.database):
        assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 1
    assert query(world.database, "SELECT COUNT(*) FROM household_members WHERE nik = ?",
                 (CHILD_NIK,))[0][0] == 2  # fmt: skip


@pytest.mark.parametrize("nik", ["3208 0145 0623 0001", "3208.0145.0623.0001"])
def test_separators_are_accepted(world: World, nik: str, capsys) -> None:
    assert main(["subject", "find", nik]) == 0
    assert "Ayu Lestari" in capsys.readouterr().out


def test_correct_then_erase_a_head_leaves_neither_name(world: World) -> None:
    """The correction moves the head's search key too; the erasure then finds them as head."""
    asyncio.run(_seed_headed_family(world))
    assert main(["subject", "correct", HEAD_NIK, "--field", "name", "--value", "Sudarto W"]) == 0
    heads = query(world.database, "SELECT head_name, head_key FROM households ORDER BY id")
    assert ("Sudarto W", "sudarto w") in [tuple(row) for row in heads]
    assert main(["subject", "erase", HEAD_NIK, "--yes"]) == 0
    data = _file_bytes(world).lower()
    assert b"sudarto" not in data and b"darto wiryono" not in data


FATHER_NIK, SON_NIK = "3208010101600003", "3208010101900005"


async def _seed_namesakes(world: World) -> int:
    """Muhammad Rizki heads the family (reported so); his son Moch. Rizki has the same name
    key."""
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            psm = await make_user(repos, "Bu Wati", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            case_id = await seed_case(
                repos,
                reporter=psm,
                desa=BABATAN,
                at=NOW,
                number="KNG-2026-000009",
                people=(("Muhammad Rizki", FATHER_NIK), ("Moch. Rizki", SON_NIK)),
                head="Muhammad Rizki",
                no_kk=None,
            )
            await repos.conn.execute(
                "UPDATE household_members SET relation = 'kepala_keluarga' WHERE nik = ?",
                (FATHER_NIK,),
            )
            return case_id
    finally:
        await db.close()


def _write(world: World, sql: str, params: tuple) -> None:
    db = sqlite3.connect(world.database)
    with db:
        db.execute(sql, params)
    db.close()


def _a_namesake_son(world: World) -> tuple[int, str, str]:
    """Moch. Rizki, the son, shares a name key with Muhammad Rizki, the head."""
    return asyncio.run(_seed_namesakes(world)), SON_NIK, "Muhammad Rizki"


def _a_former_head(world: World) -> tuple[int, str, str]:
    """Pak Darto, reported as head, died; a later report names Bu Sumiati the head."""
    case_id = asyncio.run(_seed_headed_family(world))
    _write(
        world,
        "UPDATE households SET head_name = 'Sumiati', head_key = 'sumiati'"
        " WHERE id = (SELECT household_id FROM cases WHERE id = ?)",
        (case_id,),
    )
    return case_id, HEAD_NIK, "Sumiati"


def _a_son_beside_his_mother(world: World) -> tuple[int, str, str]:
    """The father is not a member of the report (it is about the child and the mother)."""
    case_id = asyncio.run(_seed_namesakes(world))
    _write(
        world,
        "UPDATE household_members SET name = 'Siti Aminah', name_key = 'siti aminah',"
        " relation = 'istri' WHERE nik = ?",
        (FATHER_NIK,),
    )
    return case_id, SON_NIK, "Muhammad Rizki"


@pytest.mark.parametrize("family", [_a_namesake_son, _a_former_head, _a_son_beside_his_mother])
def test_someone_who_is_not_the_head_leaves_the_heads_name_alone(world: World, family) -> None:
    case_id, nik, head_name = family(world)
    head = "SELECT h.head_name FROM households h JOIN cases c ON c.household_id = h.id"
    head += " WHERE c.id = ?"
    assert main(["subject", "correct", nik, "--field", "name", "--value", "Nama Baru"]) == 0
    assert query(world.database, head, (case_id,))[0][0] == head_name
    assert main(["subject", "erase", nik, "--yes"]) == 0
    assert query(world.database, head, (case_id,))[0][0] == head_name


def test_the_head_beside_a_namesake_son_is_still_the_head(world: World) -> None:
    """Muhammad Rizki, reported as head, shares his name key with his son: correcting and
    erasing him reach the household's head name all the same."""
    case_id = asyncio.run(_seed_namesakes(world))
    head = "SELECT h.head_name FROM households h JOIN cases c ON c.household_id = h.id"
    head += " WHERE c.id = ?"
    assert main(["subject", "correct", FATHER_NIK, "--field", "name", "--value", "M. Rizki"]) == 0
    assert query(world.database, head, (case_id,))[0][0] == "M. Rizki"
    assert main(["subject", "erase", FATHER_NIK, "--yes"]) == 0
    assert query(world.database, head, (case_id,))[0][0] == ""


UPDATE_PHOTO = "photos/ef/update-only.jpg"
LATER = "Ayu makin kurus, tinggal di gubuk dekat sungai"
EARLIER = "Balita kurus sejak Juni, rumah bocor"


async def _later_reports(world: World) -> None:
    """The child's own case gets a later report (its words and a photo only it holds) and
    an earlier version (its own words, a photo of the case)."""
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            child = world.cases["child"]
            await repos.cases.add_update(
                child,
                reporter_id=1,
                answers={
                    "description": LATER,
                    "photos": [
                        {"channel": "telegram", "ref": UPDATE_PHOTO},
                        {"channel": "telegram", "ref": SHARED_PHOTO},
                    ],
                },
                now=NOW,
            )
            version = {"description": EARLIER, "photos": [{"channel": "wa", "ref": CHILD_PHOTO}]}
            await repos.conn.execute(
                "INSERT INTO case_versions (case_id, version, answers, details, created_at)"
                " VALUES (?, 0, ?, '{}', ?)",
                (child, json.dumps(version), NOW.isoformat()),
            )
    finally:
        await db.close()


def test_erase_takes_the_later_reports_of_a_case_only_theirs(world: World) -> None:
    """Review 13.1: a later report on the case only about the child and an earlier version
    lose their words and photos; the photo only the report held leaves the disk, the one
    her sister's case shows stays."""
    asyncio.run(_later_reports(world))
    (world.media / UPDATE_PHOTO).parent.mkdir(parents=True, exist_ok=True)
    (world.media / UPDATE_PHOTO).write_bytes(b"\xff\xd8 the hut \xff\xd9")

    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0

    (update,) = query(world.database, "SELECT answers FROM case_updates")
    (version,) = query(world.database, "SELECT answers FROM case_versions")
    for row in (update, version):
        answers = json.loads(row[0])
        assert answers["description"] == "[dihapus]"
        assert "photos/" not in row[0], row[0]
    data = _file_bytes(world)
    assert b"gubuk" not in data and b"rumah bocor" not in data
    assert not (world.media / UPDATE_PHOTO).exists()
    assert not (world.media / CHILD_PHOTO).exists() and (world.media / SHARED_PHOTO).exists()
    ((_, _, detail),) = _subject_audit(world)
    assert detail["photos"] == 2


def test_erase_counts_only_the_photos_it_removed(world: World, capsys) -> None:
    """A photo file gone before the erasure (an earlier version's, deleted once unused) is
    not counted as removed: the output and the audit say the one file it removed."""
    asyncio.run(_later_reports(world))
    (world.media / UPDATE_PHOTO).parent.mkdir(parents=True, exist_ok=True)
    (world.media / UPDATE_PHOTO).write_bytes(b"\xff\xd8 the hut \xff\xd9")
    (world.media / CHILD_PHOTO).unlink()

    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0

    assert " 1 photo(s) removed," in capsys.readouterr().out
    assert not (world.media / UPDATE_PHOTO).exists() and (world.media / SHARED_PHOTO).exists()
    ((_, _, detail),) = _subject_audit(world)
    assert detail["photos"] == 1


SAID = "Ayu Lestari sakit paru, adiknya Siti Aminah kurus."
LEFT = "[dihapus] sakit paru, adiknya Siti Aminah kurus."


async def _written_about_both(world: World) -> None:
    """The sisters' case (about the child and Siti): its description, answers, a later
    report, an earlier version, the verifier's note and a visit's notes name the child."""
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            case = world.cases["siblings"]
            (answers,) = await (
                await repos.conn.execute("SELECT answers FROM cases WHERE id = ?", (case,))
            ).fetchone()
            await repos.conn.execute(
                "UPDATE cases SET description = ?, answers = json_set(answers,"
                " '$.description', ?) WHERE id = ?",
                (SAID, SAID, case),
            )
            await repos.conn.execute(
                "INSERT INTO case_versions (case_id, version, answers, details, created_at)"
                " VALUES (?, 0, json_set(?, '$.description', ?), '{}', ?)",
                (case, answers, SAID, NOW.isoformat()),
            )
            await repos.cases.add_update(
                case, reporter_id=1, answers={"description": SAID}, now=NOW
            )
            await repos.cases.add_event(
                case, now=NOW, actor_id=1, from_state="submitted", to_state="verified",
                detail={"method": "visited", "finding": "matches", "note": SAID},
            )  # fmt: skip
            await repos.visits.add(
                case, visited_on=NOW.date(), actions=SAID, next_visit_on=None,
                recorded_by=1, now=NOW,
            )  # fmt: skip
    finally:
        await db.close()


def test_erase_takes_their_name_from_what_was_written_on_a_shared_case(world: World) -> None:
    """Review 13.2: in a case about her sister too, the words stay, her name goes: from the
    description, the answers (as sent, earlier versions, later reports), the verifier's
    note and the visit's notes."""
    asyncio.run(_written_about_both(world))
    case = world.cases["siblings"]

    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0

    (row,) = query(world.database, "SELECT description, answers FROM cases WHERE id = ?", (case,))
    assert row["description"] == LEFT
    assert json.loads(row["answers"])["description"] == LEFT
    for sql in (
        "SELECT answers FROM case_versions WHERE case_id = ?",
        "SELECT answers FROM case_updates WHERE case_id = ?",
    ):
        (kept,) = query(world.database, sql, (case,))
        assert json.loads(kept[0])["description"] == LEFT
    (check,) = query(
        world.database,
        "SELECT detail FROM case_events WHERE case_id = ? AND detail IS NOT NULL",
        (case,),
    )
    assert json.loads(check[0]) == {"method": "visited", "finding": "matches", "note": LEFT}
    (visit,) = query(world.database, "SELECT actions FROM case_visits WHERE case_id = ?", (case,))
    assert visit[0] == LEFT
    assert b"Ayu Lestari" not in _file_bytes(world)
