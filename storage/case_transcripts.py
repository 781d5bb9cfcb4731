"""The conversations about some cases, for erasure (`storage/erasure.py`): the free text
written on them (verifications' notes and places, visits' actions, reviewers' reasons) and
the rows of the transcripts (outbox, inbox, form sessions) about them, where that text is
searched. Only there: a stock phrase ("Foto buram", "Sudah diperbaiki") in another family's
notice, or a draft's choice code, is not the erased person's."""

from __future__ import annotations

import json

from storage.base import Repo, placeholders
from storage.scrubber import Scrubber

# (table, column) of a transcript: a row of it about a case is found in `rows_about`.
Transcript = tuple[str, str]
CHUNK = 500  # rowids read per query
# Any case number in a message (`storage.cases.CASE_NUMBER`: prefix, year, serial).
_A_CASE_NUMBER = "*[A-Z]-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]*"


class CaseTranscripts(Repo):
    """What was written about some cases, and where their conversations hold it."""

    async def written_about(
        self, case_ids: list[int], only_theirs: list[int]
    ) -> tuple[set[str], set[str]]:
        """The free texts recorded on these cases (verifications' notes, visits' actions;
        the send-back and rejection reasons of those `only_theirs`: a shared case's reason
        is about the others too) and the places of the verifications, as the bot's
        messages write them."""
        if not case_ids:
            return set(), set()
        marks = placeholders(case_ids)
        rows = await self._all(
            "SELECT json_extract(detail, '$.note'), json_extract(detail, '$.latitude'),"
            " json_extract(detail, '$.longitude') FROM case_events"
            f" WHERE detail IS NOT NULL AND case_id IN ({marks})"
            f" UNION ALL SELECT actions, NULL, NULL FROM case_visits WHERE case_id IN ({marks})"
            " UNION ALL SELECT reason, NULL, NULL FROM case_events WHERE reason != ''"
            f" AND case_id IN ({placeholders(only_theirs) or 'NULL'})",
            (*case_ids, *case_ids, *only_theirs),
        )
        notes = {str(note) for note, _, _ in rows if note}
        places: set[str] = set()
        for _, lat, lon in rows:
            if lat is not None and lon is not None:  # as stored, the answer's and the map's
                places |= {f"{lat},{lon}", f"{lat}, {lon}"}
                places |= {f"{lat:.5f},{lon:.5f}", f"{lat:.5f}, {lon:.5f}"}
        return notes, places

    async def rows_about(
        self, case_ids: list[int], only_theirs: list[int]
    ) -> tuple[dict[Transcript, list[int]], dict[Transcript, list[int]]]:
        """The rowids of the transcripts about these cases (read before finished sessions
        are deleted), in one pass: those about any of `case_ids`, and those of the
        conversations about a case `only_theirs` (where what was typed is theirs):
        - form sessions whose context is one of them (a verification, a visit, a reason, a
          correction);
        - messages naming one by its number, as a whole (notices, pages, lists), and the
          replies (and edits) to a person during such a form (its questions, echoes,
          summary);
        - inbound updates not yet cleared, from those who wrote on one (a verifier, a
          reviewer, the reporter explaining) since it was reported;
        - and, about any only, the replies naming no case to those since it was reported: one
          quoting a note or a place ("✓ Catatan pemeriksaan: …") outlives its form's answers
          (blanked a day after) while it waits to be sent or its status."""
        if not case_ids:
            return {}, {}
        marks = placeholders(case_ids)
        session_cases: dict[int, int] = {}
        actors: set[tuple[int, int]] = set()  # (person, case)
        for session_id, user_id, case_id, revising in await self._all(
            "SELECT id, user_id, json_extract(state, '$.context.case_id'),"
            " json_extract(state, '$.context.revising') FROM form_sessions WHERE json_valid(state)"
            f" AND (json_extract(state, '$.context.case_id') IN ({marks})"
            f" OR json_extract(state, '$.context.revising') IN ({marks}))",
            (*case_ids, *case_ids),
        ):
            case = case_id if case_id in case_ids else revising
            session_cases[session_id] = case
            actors.add((user_id, case))
        actors |= {
            (r[0], r[1])
            for r in await self._all(
                f"SELECT actor_id, case_id FROM case_events WHERE case_id IN ({marks})"
                " AND actor_id IS NOT NULL UNION SELECT recorded_by, case_id FROM case_visits"
                f" WHERE case_id IN ({marks})",
                (*case_ids, *case_ids),
            )
        }
        held = list(session_cases)
        # The number as a whole: not KNG-2026-000123 inside SKNG-2026-000123 or …0001234.
        named = await self._all(
            "SELECT o.id, c.id FROM outbox o JOIN cases c"
            f" ON c.id IN ({marks}) AND instr(o.message, c.number)"
            " AND (' ' || o.message || ' ') GLOB ('*[^A-Za-z0-9]' || c.number || '[^A-Za-z0-9]*')",
            case_ids,
        )
        during = await self._all(
            "SELECT o.id, s.id FROM outbox o JOIN form_sessions s ON s.user_id = o.user_id"
            " AND o.created_at BETWEEN s.created_at AND s.updated_at"
            f" WHERE o.kind IN ('reply', 'transient') AND s.id IN ({placeholders(held) or 'NULL'})",
            held,
        )
        pairs = json.dumps(sorted(actors))
        # A reply naming no case (a case's number names it, here or another's) to one who
        # wrote on theirs, since: it may quote what was written there. Not a notice: a stock
        # phrase ("Foto buram") in another family's notice stays.
        to_actors = await self._all(
            "SELECT o.id FROM json_each(?) a JOIN cases c ON c.id = json_extract(a.value, '$[1]')"
            " JOIN outbox o ON o.user_id = json_extract(a.value, '$[0]')"
            " AND o.created_at >= c.submitted_at WHERE o.kind IN ('reply', 'transient')"
            f" AND o.message NOT GLOB '{_A_CASE_NUMBER}'",
            (pairs,),
        )
        inbox = await self._all(
            "SELECT i.id, c.id FROM json_each(?) a JOIN cases c"
            " ON c.id = json_extract(a.value, '$[1]') JOIN channel_identities w"
            " ON w.user_id = json_extract(a.value, '$[0]') JOIN inbox i"
            " ON i.channel = w.channel AND i.sender_key = w.external_id"
            " WHERE i.payload IS NOT NULL AND i.received_at >= c.submitted_at",
            (pairs,),
        )
        theirs = set(only_theirs)
        conversations = [(o, c) for o, c in named] + [(o, session_cases[s]) for o, s in during]
        return (
            {
                ("outbox", "message"): sorted(
                    {o for o, _ in conversations} | {r[0] for r in to_actors}
                ),
                ("inbox", "payload"): sorted({i for i, _ in inbox}),
                ("form_sessions", "state"): held,
            },
            {
                ("outbox", "message"): sorted({o for o, c in conversations if c in theirs}),
                ("inbox", "payload"): sorted({i for i, c in inbox if c in theirs}),
                ("form_sessions", "state"): [s for s, c in session_cases.items() if c in theirs],
            },
        )

    async def scrub_rows(
        self, scrubber: Scrubber, rows: dict[Transcript, list[int]]
    ) -> dict[str, int]:
        """Rewrite these rows (by table and column) where they hold what `scrubber` finds;
        how many per column."""
        counts: dict[str, int] = {}
        for (table, column), rowids in rows.items():
            found = []
            for start in range(0, len(rowids), CHUNK):  # within SQLite's bound variables
                chunk = rowids[start : start + CHUNK]
                found += await self._all(
                    f'SELECT rowid, "{column}" FROM "{table}"'
                    f" WHERE rowid IN ({placeholders(chunk)})",
                    chunk,
                )
            for rowid, value in found:
                if scrubber.mentions(value):
                    await self._run(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                        (scrubber.value(value), rowid),
                    )
                    counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + 1
        return counts
