"""`psm-bot user export`: the person whose copy is made is named by their user id, a phone
number (as people write it) or their Telegram id; no one or several matching is refused."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from bot.cli import main
from storage.models import Role
from tests.bot.cli_world import (
    CHILD_NIK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.storage.seed_cases import NOW, make_user, open_database, query

ANI_PHONE = "+6281322220001"  # Bu Ani (user 1): verified by her Telegram contact
SHARED_PHONE = "+6281322220002"  # typed by two people
TYPED_PHONE = "+6281322220003"  # typed by Pak Joko alone: nobody vouched for it


async def _phones(world: World) -> None:
    db = await open_database(world.database)
    try:
        async with db.transaction() as repos:
            await repos.users.update(1, now=NOW, phone=ANI_PHONE, phone_verified=True)
            identity = await repos.users.add_identity(
                user_id=1, channel="telegram", external_id="7001", chat_id="7001", now=NOW
            )
            await repos.users.set_identity_phone(identity.id, ANI_PHONE, verified=True)
            for name in ("Bu Wati", "Pak Wawan"):
                user = await make_user(repos, name, Role.PSM)
                await repos.users.update(user.id, now=NOW, phone=SHARED_PHONE)
            joko = await make_user(repos, "Pak Joko", Role.PSM)
            await repos.users.update(joko.id, now=NOW, phone=TYPED_PHONE)
            # Somebody typed Bu Ani's number as theirs: her verified number still finds her.
            rina = await make_user(repos, "Bu Rina", Role.PSM)
            await repos.users.update(rina.id, now=NOW, phone=ANI_PHONE)
    finally:
        await db.close()


@pytest.fixture
def people(world: World) -> World:
    asyncio.run(_phones(world))
    return world


def _exports(world: World) -> list[dict]:
    rows = query(world.database, "SELECT subject, detail FROM audit_log WHERE action = ?",
                 ("user.exported",))  # fmt: skip
    return [{"subject": r["subject"], **json.loads(r["detail"])} for r in rows]


@pytest.mark.parametrize("typed", ["0813-2222-0001", "+62 813 2222 0001", "6281322220001"])
def test_found_by_phone_however_written(people: World, typed: str, capsys) -> None:
    out = people.root / "ani.json"
    assert main(["user", "export", "--phone", typed, str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["user_id"] == 1 and document["profile"]["full_name"] == "Bu Ani"
    assert "user 1's data written" in capsys.readouterr().out
    (exported,) = _exports(people)
    assert exported["subject"] == "user:1" and exported["found_by"] == "phone"
    assert "2222" not in json.dumps(exported)  # the number is not in the log


def test_found_by_phone_from_standard_input(people: World, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("0813 2222 0001\n"))
    out = people.root / "ani.json"
    assert main(["user", "export", "--phone", "-", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["user_id"] == 1


def test_found_by_telegram_id(people: World) -> None:
    out = people.root / "ani.json"
    assert main(["user", "export", "--telegram-id", "7001", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["user_id"] == 1
    (exported,) = _exports(people)
    assert exported["found_by"] == "telegram_id"


def test_found_by_id_as_before(people: World) -> None:
    out = people.root / "ani.json"
    assert main(["user", "export", "1", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["user_id"] == 1
    assert _exports(people)[0]["found_by"] == "id"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--phone", "0813-9999-0001"], "no user with phone +6281399990001"),
        (
            ["--phone", "0813 2222 0002"],
            "phone +6281322220002 was only typed, not verified, by 2 (psm, active), 3 (psm,",
        ),
        (["--phone", "0813 2222 0003"], "only typed, not verified, by 4 (psm, active): it proves"),
        (["--phone", "12-34"], "--phone: not an Indonesian mobile number"),
        (["--telegram-id", "9999"], "no user with Telegram id 9999"),
        (["99"], "no user 99"),
    ],
)
def test_no_one_or_several_are_refused(people: World, argv: list[str], said: str, capsys) -> None:
    out = people.root / "who.json"
    assert main(["user", "export", *argv, str(out)]) == 1
    assert said in capsys.readouterr().err
    assert not out.exists() and _exports(people) == []


@pytest.mark.parametrize("argv", [["OUT"], ["1", "OUT", "--phone", "081322220001"]])
def test_one_way_of_naming_them(people: World, argv: list[str], capsys) -> None:
    out = people.root / "who.json"
    argv = [str(out) if arg == "OUT" else arg for arg in argv]
    assert main(["user", "export", *argv]) == 2
    assert "one of ID, --phone or --telegram-id" in capsys.readouterr().err
    assert not out.exists()


def test_an_id_without_a_file_is_told_the_file_is_missing(people: World, capsys) -> None:
    assert main(["user", "export", "5"]) == 2
    said = capsys.readouterr().err
    assert "name the .json file to write after the id: psm-bot user export 5 OUT" in said
    assert "--phone" not in said  # not the wrong problem (the id was given)
    assert _exports(people) == []


@pytest.mark.parametrize("command", [["user", "export", "1"], ["subject", "export", CHILD_NIK]])
def test_a_file_in_a_folder_not_there_is_said_in_one_line(
    people: World, command: list[str], capsys
) -> None:
    out = people.root / "nonexistent" / "dir" / "u.json"
    assert main([*command, str(out)]) == 1
    err = capsys.readouterr().err
    assert "Errno" not in err and err.strip().splitlines()[-1] == (
        f"psm-bot: cannot write {out}: folder {out.parent} does not exist (create it first)"
    )
    audited = query(people.database, "SELECT action FROM audit_log WHERE action LIKE '%export%'")
    assert list(audited) == []  # nothing exported, nothing audited
