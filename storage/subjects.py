"""A data subject's rights (UU PDP: access and copy, correction, erasure) and retention.

Server-side only (`psm-bot subject ...`, the retention job). Erasure removes a person's
personal fields and every occurrence of their NIK (and of their family's KK once nobody else
of the household is left) from every table, generically: tables added by later features
are searched too. Case rows stay, without the person, so anonymous counts do not change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.base import Repo
from storage.cases import CaseRepo
from storage.models import to_db
from storage.person_names import person_key

ERASED = "[dihapus]"
CLOSED_STATES = ("resolved", "rejected")
# Form answers about one member and about the household (forms/case_report.yaml).
PERSON_KEYS = (
    "member_name",
    "member_nik",
    "member_nik_reason",
    "member_sex",
    "member_age",
    "member_relation",
)
HOUSEHOLD_KEYS = ("head_name", "no_kk", "no_kk_reason", "address", "gps", "gps_reason")
CORRECTABLE = {"name", "sex", "birth_date", "relation", "nik"}
# Never rewritten: append-only by trigger (and it must never hold a NIK: we store a keyed hash).
# The audit trail; and the day rollups and their rolling windows (migrations 0015 and 0016:
# region codes, dates, user ids and counts only, no subject's data; WITHOUT ROWID, so they
# cannot be scrubbed by rowid).
UNTOUCHED_TABLES = (
    "audit_log",
    "case_day_counts",
    "case_day_reporters",
    "case_window_counts",
    "case_window_reporters",
)
# Transcripts of conversations: here the person's name, address and masked numbers go too.
CONVERSATIONS = (("outbox", "message"), ("inbox", "payload"), ("form_sessions", "state"))
MIN_TEXT = 4  # shorter names are not searched for (they would match inside other words)
_SEPARATOR = r"[\s.\-]*"


def identifier_pattern(digits: str) -> re.Pattern[str]:
    """The number however it was typed: separators allowed between any two digits."""
    return re.compile(_SEPARATOR.join(re.escape(d) for d in digits))


class ErasureReport(BaseModel):
    """What an erasure changed (counts only: nothing personal)."""

    model_config = ConfigDict(frozen=True)

    members: int
    households_cleared: int
    cases: int
    photos_removed: list[str]
    rows_rewritten: dict[str, int]
    sessions_deleted: int
    inbox_payloads_dropped: int
    audit_rows_holding_it: int


class _Scrubber:
    """Removes identifiers (and, in form answers, the person's or household's entries)."""

    def __init__(
        self,
        nik: str,
        identifiers: Iterable[str],
        *,
        household: bool,
        texts: Iterable[str] = (),
        heads: Iterable[str] = (),
    ) -> None:
        self.nik = nik
        # Name keys of the person: where they are the head, `head_name` goes even though
        # the household (with its other members) stays.
        self.heads = set(heads)
        self.numbers = {int(value) for value in identifiers}
        self.patterns = [identifier_pattern(value) for value in identifiers]
        # Names, addresses, masked numbers: matched as written, whatever the case.
        self.patterns += [
            re.compile(re.escape(text), re.IGNORECASE)
            for text in sorted(set(texts), key=len, reverse=True)
            if len(text) >= MIN_TEXT
        ]
        self.household = household

    def mentions(self, value: Any) -> int:
        return int(isinstance(value, str) and any(p.search(value) for p in self.patterns))

    def text(self, value: str) -> str:
        for pattern in self.patterns:
            value = pattern.sub(ERASED, value)
        return value

    def node(self, node: Any) -> Any:
        if isinstance(node, dict):
            person = _compact(node.get("member_nik")) == self.nik
            household = self.household and ("head_name" in node or "members" in node)
            result = {}
            for key, value in node.items():
                if (
                    (person and key in PERSON_KEYS)
                    or (household and key in HOUSEHOLD_KEYS)
                    or (key == "head_name" and self._their_name(value))
                ):
                    result[key] = ERASED if isinstance(value, str) else None
                else:
                    result[key] = self.node(value)
            return result
        if isinstance(node, list):
            return [self.node(item) for item in node]
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, int) and not isinstance(node, bool) and node in self.numbers:
            return None
        return node

    def _their_name(self, value: Any) -> bool:
        return isinstance(value, str) and person_key(value) in self.heads

    def value(self, value: str) -> str:
        """A column value: JSON is walked (and stays valid JSON), other text is replaced."""
        if value[:1] in ("{", "["):
            try:
                parsed = json.loads(value)
            except ValueError:
                return self.text(value)
            return json.dumps(self.node(parsed), ensure_ascii=False)
        return self.text(value)


def _masked(digits: str) -> str:
    """How the bot showed the number in chat: 320801******0001."""
    return f"{digits[:6]}{'*' * 6}{digits[-4:]}"


def _compact(value: Any) -> str | None:
    return re.sub(_SEPARATOR, "", value) if isinstance(value, str) else None


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("?" for _ in values)


class SubjectRepo(Repo):
    """Find, copy, correct and erase one person's data; purge expired closed cases."""

    # -- access ---------------------------------------------------------------------------

    async def members(self, nik: str) -> list[dict[str, Any]]:
        """Household members with this NIK, with their household and region names."""
        rows = await self._all(
            "SELECT m.id, m.household_id, m.nik, m.nik_missing, m.nik_reason, m.name, m.sex,"
            " m.birth_date, m.age_months, m.relation, m.created_at, h.no_kk, h.head_name,"
            " h.address, h.kabupaten_code, h.kecamatan_code, h.desa_code,"
            " coalesce(rd.name, '') AS desa_name, coalesce(rc.name, '') AS kecamatan_name"
            " FROM household_members m JOIN households h ON h.id = m.household_id"
            " LEFT JOIN regions rd ON rd.code = h.desa_code"
            " LEFT JOIN regions rc ON rc.code = h.kecamatan_code"
            " WHERE m.nik = ? ORDER BY m.id",
            (nik,),
        )
        return [dict(row) for row in rows]

    async def cases_of(self, member_ids: list[int]) -> list[dict[str, Any]]:
        """The cases naming these members, with categories, events and updates."""
        if not member_ids:
            return []
        rows = await self._all(
            "SELECT DISTINCT c.id, c.number, c.state, c.urgency, c.protected, c.kabupaten_code,"
            " c.kecamatan_code, c.desa_code, c.description, c.details, c.consent, c.answers,"
            " c.submitted_at, c.updated_at FROM cases c JOIN case_subjects s ON s.case_id = c.id"
            f" WHERE s.member_id IN ({_marks(member_ids)}) ORDER BY c.id",
            member_ids,
        )
        found = []
        for row in rows:
            case = dict(row)
            for key in ("details", "consent", "answers"):
                case[key] = json.loads(case[key])
            case["protected"] = bool(case["protected"])
            case["categories"] = [
                r[0]
                for r in await self._all(
                    "SELECT code FROM case_categories WHERE case_id = ? ORDER BY code",
                    (row["id"],),
                )
            ]
            case["events"] = [
                dict(r)
                for r in await self._all(
                    "SELECT at, from_state, to_state, reason FROM case_events"
                    " WHERE case_id = ? ORDER BY id",
                    (row["id"],),
                )
            ]
            case["updates"] = [
                {"created_at": r[0], "answers": json.loads(r[1])}
                for r in await self._all(
                    "SELECT created_at, answers FROM case_updates WHERE case_id = ? ORDER BY id",
                    (row["id"],),
                )
            ]
            case["photos"] = [
                r[0]
                for r in await self._all(
                    "SELECT path FROM case_photos WHERE case_id = ? ORDER BY id", (row["id"],)
                )
            ]
            found.append(case)
        return found

    # -- correction -----------------------------------------------------------------------

    async def correct(self, nik: str, field: str, value: str | None, *, now: datetime) -> int:
        """Correct one field of every member with this NIK; returns how many members.

        The member rows are what every view shows; the answers as submitted are kept as the
        record of the report, except the person's name and NIK, which follow the correction
        (their name as head of a household too, in the household and its cases' answers).
        """
        if field not in CORRECTABLE:
            raise ValueError(f"field must be one of {sorted(CORRECTABLE)}")
        members = await self._all(
            "SELECT m.id, m.name_key, h.id AS household_id, h.head_name FROM household_members m"
            " JOIN households h ON h.id = m.household_id WHERE m.nik = ?",
            (nik,),
        )
        ids = [row["id"] for row in members]
        if not ids:
            return 0
        # Households they head: the head's name (what case pages and exports show) follows.
        old_keys = {row["name_key"] for row in members if row["name_key"]}
        headed = sorted(
            {row["household_id"] for row in members if person_key(row["head_name"]) in old_keys}
        )
        if field == "name":
            assert value is not None
            await self._run(
                f"UPDATE household_members SET name = ?, name_key = ? WHERE id IN ({_marks(ids)})",
                (value, person_key(value), *ids),
            )
            if headed:
                await self._run(
                    f"UPDATE households SET head_name = ? WHERE id IN ({_marks(headed)})",
                    (value, *headed),
                )
        else:
            await self._run(
                f"UPDATE household_members SET {field} = ? WHERE id IN ({_marks(ids)})",
                (value, *ids),
            )
        if field in ("name", "nik"):
            key = "member_name" if field == "name" else "member_nik"
            case_ids = {case["id"] for case in await self.cases_of(ids)}
            if field == "name" and headed:
                case_ids |= {
                    r[0]
                    for r in await self._all(
                        f"SELECT id FROM cases WHERE household_id IN ({_marks(headed)})", headed
                    )
                }
            for case_id in sorted(case_ids):
                row = await self._one("SELECT answers FROM cases WHERE id = ?", (case_id,))
                before = json.loads(row[0])
                answers = _rewrite_member(before, nik, key, value)
                if field == "name":
                    answers = _rename_head(answers, old_keys, value)
                if answers != before:
                    await self._run(
                        "UPDATE cases SET answers = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(answers, ensure_ascii=False), to_db(now), case_id),
                    )
        return len(ids)

    # -- erasure --------------------------------------------------------------------------

    async def erase(self, nik: str) -> ErasureReport:
        """Remove the person with this NIK (run in a transaction, then `wipe_free_space`)."""
        await self._one("PRAGMA secure_delete = ON")
        members = [
            dict(row)
            for row in await self._all(
                "SELECT id, household_id, name, name_key FROM household_members WHERE nik = ?",
                (nik,),
            )
        ]
        member_ids = [m["id"] for m in members]
        case_ids = (
            [
                r[0]
                for r in await self._all(
                    "SELECT DISTINCT case_id FROM case_subjects"
                    f" WHERE member_id IN ({_marks(member_ids)})",
                    member_ids,
                )
            ]
            if member_ids
            else []
        )
        # Cases about nobody else: their free text and photos are about this person.
        only_theirs = []
        for case_id in case_ids:
            row = await self._one(
                "SELECT COUNT(*) FROM case_subjects WHERE case_id = ?"
                f" AND member_id NOT IN ({_marks(member_ids)})",
                (case_id, *member_ids),
            )
            if row[0] == 0:
                only_theirs.append(case_id)
        if member_ids:
            await self._run(
                "UPDATE household_members SET name = '', name_key = '', nik = NULL,"
                " nik_missing = NULL, nik_reason = NULL, sex = NULL, birth_date = NULL,"
                f" age_months = NULL, relation = NULL WHERE id IN ({_marks(member_ids)})",
                member_ids,
            )
        identifiers = {nik}
        texts = {m["name"] for m in members} | {_masked(nik)}
        cleared_ids: set[int] = set()
        households = sorted({m["household_id"] for m in members})
        headed: set[int] = set()  # households they head, kept for the others in them
        for household_id in households:
            others = await self._one(
                "SELECT COUNT(*) FROM household_members WHERE household_id = ? AND name != ''",
                (household_id,),
            )
            row = await self._one(
                "SELECT no_kk, head_name, head_key, address FROM households WHERE id = ?",
                (household_id,),
            )
            if others[0] == 0:
                texts |= {row["head_name"], row["address"]}
                if row["no_kk"]:
                    identifiers.add(row["no_kk"])
                    texts.add(_masked(row["no_kk"]))
                await self._run(
                    "UPDATE households SET no_kk = NULL, no_kk_missing = NULL,"
                    " no_kk_reason = NULL, head_name = '', head_key = '', address = '',"
                    " latitude = NULL, longitude = NULL WHERE id = ?",
                    (household_id,),
                )
                cleared_ids.add(household_id)
            elif row["head_key"] in {m["name_key"] for m in members}:
                await self._run(
                    "UPDATE households SET head_name = '', head_key = '' WHERE id = ?",
                    (household_id,),
                )
                headed.add(household_id)
        if only_theirs:
            await self._run(
                f"UPDATE cases SET description = '' WHERE id IN ({_marks(only_theirs)})",
                only_theirs,
            )
            await self._run(  # what the follow-up visits did for them is about them too
                f"UPDATE case_visits SET actions = '' WHERE case_id IN ({_marks(only_theirs)})",
                only_theirs,
            )
        photos = await self._drop_photos(only_theirs)
        heads = {m["name_key"] for m in members if m["name_key"]} if headed else set()
        scrubber = _Scrubber(
            nik,
            identifiers,
            household=bool(households) and cleared_ids == set(households),
            heads=heads,
        )
        # Completed and cancelled sessions have done their work: they go entirely.
        await self.conn.create_function("psm_mentions", 1, scrubber.mentions, deterministic=True)
        cursor = await self._run(
            "DELETE FROM form_sessions WHERE status IN ('completed', 'cancelled')"
            " AND psm_mentions(state)"
        )
        sessions = cursor.rowcount
        cursor = await self._run(
            "UPDATE inbox SET payload = NULL WHERE status != 'pending' AND psm_mentions(payload)"
        )
        inbox = cursor.rowcount
        # Answers of the cases about them: their member entries, and the household's entries
        # where the household was cleared; the free text where the case is only theirs.
        for case_id in case_ids:
            row = await self._one(
                "SELECT answers, household_id FROM cases WHERE id = ?", (case_id,)
            )
            own = _Scrubber(nik, identifiers, household=row[1] in cleared_ids, heads=heads)
            answers = own.node(json.loads(row[0]))
            if case_id in only_theirs and isinstance(answers.get("description"), str):
                answers["description"] = ERASED
            await self._run(
                "UPDATE cases SET answers = ? WHERE id = ?",
                (json.dumps(answers, ensure_ascii=False), case_id),
            )
        rewritten = await self._scrub(scrubber, await self._text_columns())
        # Their name as head in the household's other cases, versions and updates (a later
        # revision would otherwise write it back to the household).
        for column, count in (await self._scrub_head(scrubber, sorted(headed))).items():
            rewritten[column] = rewritten.get(column, 0) + count
        audit = await self._one(
            "SELECT COUNT(*) FROM audit_log WHERE psm_mentions(detail) OR psm_mentions(subject)"
        )
        # Conversation transcripts: also their name, address and masked numbers.
        talk = _Scrubber(nik, identifiers, household=False, texts=texts)
        await self.conn.create_function("psm_mentions", 1, talk.mentions, deterministic=True)
        for column, count in (await self._scrub(talk, list(CONVERSATIONS))).items():
            rewritten[column] = rewritten.get(column, 0) + count
        return ErasureReport(
            members=len(member_ids),
            households_cleared=len(cleared_ids),
            cases=len(case_ids),
            photos_removed=photos,
            rows_rewritten=rewritten,
            sessions_deleted=sessions,
            inbox_payloads_dropped=inbox,
            audit_rows_holding_it=int(audit[0]),
        )

    async def _text_columns(self) -> list[tuple[str, str]]:
        rows = await self._all(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p"
            " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            " AND (upper(p.type) LIKE '%TEXT%' OR upper(p.type) LIKE '%CHAR%' OR p.type = '')"
            " ORDER BY m.name, p.cid"
        )
        return [(r[0], r[1]) for r in rows if r[0] not in UNTOUCHED_TABLES]

    async def _scrub(self, scrubber: _Scrubber, columns: list[tuple[str, str]]) -> dict[str, int]:
        """Rewrite the values of these columns that `psm_mentions` (the scrubber's)."""
        counts: dict[str, int] = {}
        for table, column in columns:
            rows = await self._all(
                f'SELECT rowid, "{column}" FROM "{table}" WHERE psm_mentions("{column}")'
            )
            for rowid, value in rows:
                await self._run(
                    f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                    (scrubber.value(value), rowid),
                )
            if rows:
                counts[f"{table}.{column}"] = len(rows)
        return counts

    async def _scrub_head(self, scrubber: _Scrubber, households: list[int]) -> dict[str, int]:
        """Blank the head's name in the answers of every case of these households and in
        every row referring to those cases (versions, updates), whoever the case is about."""
        if not households:
            return {}
        case_ids = [
            r[0]
            for r in await self._all(
                f"SELECT id FROM cases WHERE household_id IN ({_marks(households)})", households
            )
        ]
        if not case_ids:
            return {}
        keys = [("cases", "id"), *await self._case_references()]
        columns = await self._text_columns()
        counts: dict[str, int] = {}
        for table, key, column in [(t, k, c) for t, k in keys for n, c in columns if n == t]:
            rows = await self._all(
                f'SELECT rowid, "{column}" FROM "{table}" WHERE "{key}"'
                f' IN ({_marks(case_ids)}) AND instr("{column}", \'"head_name"\')',
                case_ids,
            )
            for rowid, value in rows:
                scrubbed = scrubber.value(value)
                if scrubbed != value:
                    await self._run(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', (scrubbed, rowid)
                    )
                    counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + 1
        return counts

    async def _case_references(self) -> list[tuple[str, str]]:
        """(table, column) of every column referring to a case, found from the schema."""
        rows = await self._all(
            'SELECT m.name, p."from" FROM sqlite_master m'
            " JOIN pragma_foreign_key_list(m.name) p"
            " WHERE m.type = 'table' AND p.\"table\" = 'cases'"
        )
        return [(r[0], r[1]) for r in rows]

    async def _drop_photos(self, case_ids: list[int]) -> list[str]:
        """Remove the photo rows of these cases; returns files no other case uses."""
        if not case_ids:
            return []
        paths = {
            r[0]
            for r in await self._all(
                f"SELECT path FROM case_photos WHERE case_id IN ({_marks(case_ids)})", case_ids
            )
        }
        await self._run(f"DELETE FROM case_photos WHERE case_id IN ({_marks(case_ids)})", case_ids)
        return await self.unused_photos(paths)

    async def unused_photos(self, paths: set[str]) -> list[str]:
        """Of these photo files (named by their content hash), those no case shows and no
        unfinished form holds (the same photo sent again for another report)."""
        unused = []
        for path in sorted(paths):
            if await self._one("SELECT 1 FROM case_photos WHERE path = ? LIMIT 1", (path,)):
                continue
            if await self._one(
                "SELECT 1 FROM form_sessions WHERE status IN ('active', 'paused')"
                " AND instr(state, ?) > 0 LIMIT 1",
                (path,),
            ):
                continue
            unused.append(path)
        return unused

    # -- retention ------------------------------------------------------------------------

    async def closed_cases(self, before: datetime, limit: int) -> list[int]:
        """Resolved or rejected cases untouched since `before`, oldest first."""
        rows = await self._all(
            f"SELECT id FROM cases WHERE state IN ({_marks(CLOSED_STATES)}) AND updated_at < ?"
            " ORDER BY updated_at, id LIMIT ?",
            (*CLOSED_STATES, to_db(before), limit),
        )
        return [row[0] for row in rows]

    async def delete_cases(self, case_ids: list[int]) -> list[str]:
        """Delete cases with every row that refers to them (found from the schema), the
        members no other case names and households left without cases; returns the photo
        files no remaining case uses."""
        if not case_ids:
            return []
        async with self._secure_delete():
            return await self._delete_cases(case_ids)

    async def _delete_cases(self, case_ids: list[int]) -> list[str]:
        marks = _marks(case_ids)
        paths = {
            r[0]
            for r in await self._all(
                f"SELECT path FROM case_photos WHERE case_id IN ({marks})", case_ids
            )
        }
        members = [
            r[0]
            for r in await self._all(
                f"SELECT DISTINCT member_id FROM case_subjects WHERE case_id IN ({marks})",
                case_ids,
            )
        ]
        households = [
            r[0]
            for r in await self._all(
                f"SELECT DISTINCT household_id FROM cases WHERE id IN ({marks})", case_ids
            )
        ]
        for table, column in await self._case_references():
            await self._run(f'DELETE FROM "{table}" WHERE "{column}" IN ({marks})', case_ids)
        await self._run(f"DELETE FROM cases WHERE id IN ({marks})", case_ids)
        await CaseRepo(self.conn).drop_orphans(members, households)
        return await self.unused_photos(paths)

    async def delete_finished_sessions(self, before: datetime) -> int:
        """Completed and cancelled form sessions (their answers live on in the cases)."""
        cursor = await self._run(
            "DELETE FROM form_sessions WHERE status IN ('completed', 'cancelled')"
            " AND updated_at < ?",
            (to_db(before),),
        )
        return cursor.rowcount


def _rewrite_member(node: Any, nik: str, key: str, value: Any) -> Any:
    """Form answers with `key` of the member with this NIK set to `value`."""
    if isinstance(node, dict):
        mine = _compact(node.get("member_nik")) == nik
        return {
            k: (value if mine and k == key else _rewrite_member(v, nik, key, value))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_member(item, nik, key, value) for item in node]
    return node


def _rename_head(node: Any, old_keys: set[str], value: Any) -> Any:
    """Form answers with `head_name` set to `value` where it names the person (`old_keys`)."""
    if isinstance(node, dict):
        return {
            k: (
                value
                if k == "head_name" and isinstance(v, str) and person_key(v) in old_keys
                else _rename_head(v, old_keys, value)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rename_head(item, old_keys, value) for item in node]
    return node


async def wipe_free_space(path: Path) -> None:
    """Rebuild the database file so no deleted bytes survive in free pages or the WAL.

    Run with every other connection closed: VACUUM with secure_delete writes fresh pages,
    and a TRUNCATE checkpoint copies them into the file and empties the WAL.
    """
    from storage.db import connect  # storage.db imports the repositories, this among them

    conn = await connect(path)
    try:
        async with conn.execute("PRAGMA secure_delete = ON") as cursor:
            await cursor.fetchall()
        await conn.execute("VACUUM")
        async with conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            busy, _, _ = await cursor.fetchone()
        if busy:
            raise RuntimeError("another connection holds the database: stop the bot first")
    finally:
        await conn.close()
