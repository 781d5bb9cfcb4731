"""Erasure of one person's data (UU PDP: the right to erasure).

Server-side only (`psm-bot subject erase`). Erasure removes a person's personal fields and
every occurrence of their NIK (and of their family's KK once nobody else of the household is
left) from every table, generically: tables added by later features are searched too. Case
rows stay, without the person, so anonymous counts do not change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.base import Repo, placeholders
from storage.case_free_texts import CaseFreeTexts
from storage.case_references import case_references
from storage.case_transcripts import CaseTranscripts
from storage.household_heads import HouseholdHeads
from storage.identifiers import mask_identifier
from storage.photos import PhotoRepo, photos_held
from storage.retention import RetentionRepo
from storage.scrubber import ERASED, Scrubber, member_names

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


class ErasureRepo(Repo):
    """Erase one person's data from every table (the audit trail and rollups excepted)."""

    async def _names_as_head(
        self, members: list[dict[str, Any]], nik: str, headed: set[int]
    ) -> set[str]:
        """The name keys the person heads `headed` households by: their name now, and those
        the answers (as sent, earlier versions, updates) of those households' cases gave
        them, as a corrected name leaves the old one in the record of the report."""
        if not headed:
            return set()
        keys = {m["name_key"] for m in members if m["name_key"]}
        marks = placeholders(headed)
        rows = await self._all(
            f"SELECT answers FROM cases WHERE household_id IN ({marks})"
            " UNION ALL SELECT v.answers FROM case_versions v JOIN cases c ON c.id = v.case_id"
            f" WHERE c.household_id IN ({marks})"
            " UNION ALL SELECT u.answers FROM case_updates u JOIN cases c ON c.id = u.case_id"
            f" WHERE c.household_id IN ({marks})",
            (*headed, *headed, *headed),
        )
        for (answers,) in rows:
            keys |= member_names(json.loads(answers or "{}"), nik)
        return keys

    async def erase(self, nik: str) -> ErasureReport:
        """Remove the person with this NIK (run in a transaction, then `wipe_free_space`)."""
        await self._one("PRAGMA secure_delete = ON")
        members = [
            dict(row)
            for row in await self._all(
                "SELECT id, household_id, name, name_key, relation FROM household_members"
                " WHERE nik = ?",
                (nik,),
            )
        ]
        member_ids = [m["id"] for m in members]
        heads_of = await HouseholdHeads(self.conn).headed_by(members)  # before the rows go
        case_ids = (
            [
                r[0]
                for r in await self._all(
                    "SELECT DISTINCT case_id FROM case_subjects"
                    f" WHERE member_id IN ({placeholders(member_ids)})",
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
                f" AND member_id NOT IN ({placeholders(member_ids)})",
                (case_id, *member_ids),
            )
            if row[0] == 0:
                only_theirs.append(case_id)
        # What was written at their home and where it is, as their conversations showed it,
        # and where those are (read before the record's copy and the finished forms go).
        transcripts = CaseTranscripts(self.conn)
        notes, places = await transcripts.written_about(case_ids, only_theirs)
        about_them, about_them_only = await transcripts.rows_about(case_ids, only_theirs)
        if member_ids:
            await self._run(
                "UPDATE household_members SET name = '', name_key = '', nik = NULL,"
                " nik_missing = NULL, nik_reason = NULL, sex = NULL, birth_date = NULL,"
                f" age_months = NULL, relation = NULL WHERE id IN ({placeholders(member_ids)})",
                member_ids,
            )
        identifiers = {nik}
        texts = {m["name"] for m in members} | {mask_identifier(nik)}
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
                    texts.add(mask_identifier(row["no_kk"]))
                await self._run(
                    "UPDATE households SET no_kk = NULL, no_kk_missing = NULL,"
                    " no_kk_reason = NULL, head_name = '', head_key = '', address = '',"
                    " latitude = NULL, longitude = NULL WHERE id = ?",
                    (household_id,),
                )
                cleared_ids.add(household_id)
            elif household_id in heads_of:
                await self._run(
                    "UPDATE households SET head_name = '', head_key = '' WHERE id = ?",
                    (household_id,),
                )
                headed.add(household_id)
        # Cases about nobody else: what was written on them, their photos (held by later
        # reports too), are about this person.
        case_texts = CaseFreeTexts(self.conn)
        rewritten, held = await case_texts.erase_only_theirs(only_theirs)
        # The forms about their cases go whatever their status: an unfinished one (a
        # correction left half-done, a verification) would keep the case's answers and its
        # photos, and submitted could put them back. Its photos then go if nothing else shows
        # them. Nobody is told: an erasure sends no message to anyone.
        about_cases = await RetentionRepo(self.conn).delete_case_sessions(case_ids)
        for state in about_cases:
            held |= photos_held(state)
        photos = await PhotoRepo(self.conn).unused(held)
        heads = await self._names_as_head(members, nik, headed)
        scrubber = Scrubber(
            nik,
            identifiers,
            household=bool(households) and cleared_ids == set(households),
            heads=heads,
        )
        # Completed and cancelled sessions that mention them have done their work: they go
        # entirely too.
        await self.conn.create_function("psm_mentions", 1, scrubber.mentions, deterministic=True)
        cursor = await self._run(
            "DELETE FROM form_sessions WHERE status IN ('completed', 'cancelled')"
            " AND psm_mentions(state)"
        )
        sessions = len(about_cases) + cursor.rowcount
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
            own = Scrubber(nik, identifiers, household=row[1] in cleared_ids, heads=heads)
            answers = own.node(json.loads(row[0]))
            if case_id in only_theirs and isinstance(answers.get("description"), str):
                answers["description"] = ERASED
            await self._run(
                "UPDATE cases SET answers = ? WHERE id = ?",
                (json.dumps(answers, ensure_ascii=False), case_id),
            )
        _add(rewritten, await self._scrub(scrubber, await self._text_columns()))
        # Their name as head in the household's other cases, versions and updates (a later
        # revision would otherwise write it back to the household).
        _add(rewritten, await self._scrub_head(scrubber, sorted(headed)))
        audit = await self._one(
            "SELECT COUNT(*) FROM audit_log WHERE psm_mentions(detail) OR psm_mentions(subject)"
        )
        # The conversations about their cases: what was written there and where, whole
        # first (their name inside it, replaced first, would hide the rest).
        about = Scrubber(nik, identifiers, household=False, texts=texts | places, notes=notes)
        _add(rewritten, await transcripts.scrub_rows(about, about_them))
        # And what was typed there about a case only theirs, given back to copy.
        echoes = Scrubber(nik, (), household=False, echoes=True)
        _add(rewritten, await transcripts.scrub_rows(echoes, about_them_only))
        # Every conversation transcript: also their name, address and masked numbers.
        talk = Scrubber(nik, identifiers, household=False, texts=texts)
        await self.conn.create_function("psm_mentions", 1, talk.mentions, deterministic=True)
        _add(rewritten, await self._scrub(talk, list(CONVERSATIONS)))
        # What was written on their cases about others too (the description, the answers'
        # and later reports', the verifier's note, the visits' notes, the reasons) keeps its
        # words, not their name, address or masked numbers.
        shared = [case_id for case_id in case_ids if case_id not in only_theirs]
        named = Scrubber(nik, (), household=False, texts=texts)
        _add(rewritten, await case_texts.scrub_named(named, shared))
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

    async def _scrub(self, scrubber: Scrubber, columns: list[tuple[str, str]]) -> dict[str, int]:
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

    async def _scrub_head(self, scrubber: Scrubber, households: list[int]) -> dict[str, int]:
        """Blank the head's name in the answers of every case of these households and in
        every row referring to those cases (versions, updates), whoever the case is about."""
        if not households:
            return {}
        case_ids = [
            r[0]
            for r in await self._all(
                f"SELECT id FROM cases WHERE household_id IN ({placeholders(households)})",
                households,
            )
        ]
        if not case_ids:
            return {}
        keys = [("cases", "id"), *await case_references(self.conn)]
        columns = await self._text_columns()
        counts: dict[str, int] = {}
        for table, key, column in [(t, k, c) for t, k in keys for n, c in columns if n == t]:
            rows = await self._all(
                f'SELECT rowid, "{column}" FROM "{table}" WHERE "{key}"'
                f' IN ({placeholders(case_ids)}) AND instr("{column}", \'"head_name"\')',
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


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    """Add the rows rewritten per column of one step to the erasure's."""
    for column, count in more.items():
        counts[column] = counts.get(column, 0) + count


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
