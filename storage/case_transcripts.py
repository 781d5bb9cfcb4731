"""The conversations about some cases, for erasure (`storage/erasure.py`): the free text
written on them (verifications' notes and places, visits' actions, reviewers' reasons) and
the rows of the transcripts (outbox, inbox, form sessions) about them, where that text is
searched. Only there: a stock phrase ("Foto buram", "Sudah diperbaiki") in another family's
notice, or a draft's choice code, is not the erased person's."""

from __future__ import annotations

from storage.base import Repo, placeholders
from storage.scrubber import Scrubber

# (table, column) of a transcript: a row of it about a case is found in `rows_about`.
Transcript = tuple[str, str]
CHUNK = 500  # rowids read per query


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

    async def rows_about(self, case_ids: list[int]) -> dict[Transcript, list[int]]:
        """The rowids of the transcripts about these cases (read before finished sessions
        are deleted):
        - form sessions whose context is one of them (a verification, a visit, a reason, a
          correction);
        - messages naming one by its number (notices, pages, lists), and the replies (and
          edits) to a person during such a form (its questions, echoes, summary);
        - inbound updates not yet cleared, from those who wrote on them (a verifier, a
          reviewer, the reporter explaining) since the case was reported."""
        if not case_ids:
            return {}
        marks = placeholders(case_ids)
        sessions = [
            r[0]
            for r in await self._all(
                "SELECT id FROM form_sessions WHERE json_valid(state)"
                f" AND (json_extract(state, '$.context.case_id') IN ({marks})"
                f" OR json_extract(state, '$.context.revising') IN ({marks}))",
                (*case_ids, *case_ids),
            )
        ]
        held = placeholders(sessions) or "NULL"
        outbox = await self._all(
            "SELECT o.id FROM outbox o JOIN cases c"
            f" ON c.id IN ({marks}) AND instr(o.message, c.number)"
            " UNION SELECT o.id FROM outbox o JOIN form_sessions s ON s.user_id = o.user_id"
            " AND o.created_at BETWEEN s.created_at AND s.updated_at"
            f" WHERE o.kind IN ('reply', 'transient') AND s.id IN ({held})",
            (*case_ids, *sessions),
        )
        inbox = await self._all(
            "SELECT i.id FROM inbox i JOIN channel_identities w"
            " ON w.channel = i.channel AND w.external_id = i.sender_key"
            " WHERE i.payload IS NOT NULL AND w.user_id IN ("
            f"SELECT actor_id FROM case_events WHERE case_id IN ({marks})"
            f" UNION SELECT recorded_by FROM case_visits WHERE case_id IN ({marks})"
            f" UNION SELECT user_id FROM form_sessions WHERE id IN ({held}))"
            f" AND i.received_at >= (SELECT min(submitted_at) FROM cases WHERE id IN ({marks}))",
            (*case_ids, *case_ids, *sessions, *case_ids),
        )
        return {
            ("outbox", "message"): [r[0] for r in outbox],
            ("inbox", "payload"): [r[0] for r in inbox],
            ("form_sessions", "state"): sessions,
        }

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

    async def scrub_reasons(self, named: Scrubber, case_ids: list[int]) -> dict[str, int]:
        """Their name, address and masked numbers (what `named` finds) out of the reasons of
        these cases (their identifiers went with every column already)."""
        if not case_ids:
            return {}
        rows = await self._all(
            "SELECT id, reason FROM case_events WHERE reason != ''"
            f" AND case_id IN ({placeholders(case_ids)})",
            case_ids,
        )
        changed = 0
        for event_id, reason in rows:
            if named.mentions(reason):
                await self._run(
                    "UPDATE case_events SET reason = ? WHERE id = ?",
                    (named.text(reason), event_id),
                )
                changed += 1
        return {"case_events.reason": changed} if changed else {}
