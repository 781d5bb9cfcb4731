"""What was written on the cases about an erased person, for erasure (`storage/erasure.py`):
the description (in the case, its answers as sent, its earlier versions and the later reports
added to it), the verifications' notes and places, the visits' notes, the reviewers' reasons,
and the photos. A case only about them loses all of it; a case about others too keeps it
without their name, address and masked numbers."""

from __future__ import annotations

import json

from storage.base import Repo, placeholders
from storage.photos import photos_held, without_photos
from storage.scrubber import ERASED, Scrubber

# The answers kept beside a case's own (earlier versions, later reports added to it).
OTHER_ANSWERS = ("case_versions", "case_updates")
# Where a free text is written on a case: (table, its case column, column, the text's JSON
# path in it or None for the whole column).
FREE_TEXTS = (
    ("cases", "id", "description", None),
    ("cases", "id", "answers", "$.description"),
    *((table, "case_id", "answers", "$.description") for table in OTHER_ANSWERS),
    ("case_events", "case_id", "detail", "$.note"),
    ("case_events", "case_id", "reason", None),
    ("case_visits", "case_id", "actions", None),
)


class CaseFreeTexts(Repo):
    """The free text and photos of some cases, erased or rid of a person's name."""

    async def erase_only_theirs(self, case_ids: list[int]) -> tuple[dict[str, int], set[str]]:
        """Erase what was written on these cases (about nobody else) and let go of their
        photos: the rows rewritten per column (beyond the description and the visits'
        notes, blanked) and the photo files they held, for `PhotoRepo.unused`."""
        if not case_ids:
            return {}, set()
        marks = placeholders(case_ids)
        await self._run(f"UPDATE cases SET description = '' WHERE id IN ({marks})", case_ids)
        await self._run(  # what the follow-up visits did for them is about them too
            f"UPDATE case_visits SET actions = '' WHERE case_id IN ({marks})", case_ids
        )
        await self._run(  # and what a verifier found at their home, and where it is
            "UPDATE case_events SET detail = json_remove(detail, '$.note', '$.latitude',"
            f" '$.longitude') WHERE detail IS NOT NULL AND case_id IN ({marks})",
            case_ids,
        )
        reasons = await self._run(  # and why a reviewer sent it back or rejected it, which
            # quotes the family ("Ibu Sumi, rumah di RT 3"): gone as the description
            f"UPDATE case_events SET reason = ? WHERE reason != '' AND case_id IN ({marks})",
            (ERASED, *case_ids),
        )
        counts = {"case_events.reason": reasons.rowcount} if reasons.rowcount else {}
        photos = {
            r[0]
            for r in await self._all(
                f"SELECT path FROM case_photos WHERE case_id IN ({marks})", case_ids
            )
        }
        await self._run(f"DELETE FROM case_photos WHERE case_id IN ({marks})", case_ids)
        # A later report's words and photos, an earlier version's, are about them as well.
        for table in OTHER_ANSWERS:
            for rowid, text in await self._all(
                f"SELECT rowid, answers FROM {table} WHERE case_id IN ({marks})", case_ids
            ):
                answers = json.loads(text or "{}")
                photos |= photos_held(answers)
                answers = without_photos(answers)
                if isinstance(answers.get("description"), str):
                    answers["description"] = ERASED
                erased = json.dumps(answers, ensure_ascii=False)
                if erased != text:
                    await self._run(
                        f"UPDATE {table} SET answers = ? WHERE rowid = ?", (erased, rowid)
                    )
                    counts[f"{table}.answers"] = counts.get(f"{table}.answers", 0) + 1
        return counts, photos

    async def scrub_named(self, named: Scrubber, case_ids: list[int]) -> dict[str, int]:
        """Their name, address and masked numbers (what `named` finds) out of the free texts
        of these cases (about others too, whose words stay; their identifiers went with
        every column already); the rows rewritten per column."""
        if not case_ids:
            return {}
        marks = placeholders(case_ids)
        counts: dict[str, int] = {}
        for table, case_column, column, path in FREE_TEXTS:
            text = f"json_extract({column}, '{path}')" if path else column
            rows = await self._all(
                f"SELECT rowid, {text} FROM {table} WHERE {case_column} IN ({marks})"
                + (f" AND json_valid({column})" if path else ""),
                case_ids,
            )
            for rowid, value in rows:
                if not isinstance(value, str) or not named.mentions(value):
                    continue
                new = named.text(value)
                if path:
                    await self._run(
                        f"UPDATE {table} SET {column} = json_set({column}, '{path}', ?)"
                        " WHERE rowid = ?",
                        (new, rowid),
                    )
                else:
                    await self._run(
                        f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, rowid)
                    )
                counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + 1
        return counts
