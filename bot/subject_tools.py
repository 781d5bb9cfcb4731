"""Server tools for personal data (UU PDP): `psm-bot case show` and `psm-bot subject ...`.

Every use is in the audit log. A NIK someone looked for is recorded only as a keyed hash
(HMAC-SHA256 with a server key kept outside the database: AUDIT_KEY or AUDIT_KEY_FILE,
bot/audit_key.py), so the log proves what was done about whom without holding the NIK
itself. Should that key have been replaced (its file lost), entries made under the earlier
key cannot be matched to a NIK any more: the tools still work, and `find` and `erase` say so.
Full NIK/KK numbers are printed only when asked (`--reveal`), and that is logged too.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.export_file import check_output_folder, operator
from bot.runtime import one_transaction
from bot.subject_values import clean_nik, corrected_value
from handlers.audit_keys import KEY_REPLACED, KEY_SUBJECT, SUBJECT_PREFIX, number_subject
from handlers.case_answers import answer_lines
from handlers.context import AppContext
from handlers.forms.option_labels import OptionLabels
from handlers.masking import mask_identifiers
from handlers.temp_files import TEMP_FOLDER, remove_media, stored_media
from storage.erasure import ErasureReport, wipe_free_space
from storage.repos import Repos
from storage.scope import Scope


async def _record(
    repos: Repos, app: AppContext, action: str, nik: str, detail: dict[str, Any]
) -> None:
    await repos.audit.record(
        now=datetime.now(UTC),
        actor_id=None,
        action=action,
        subject=number_subject(app, nik),
        detail={**detail, "operator": operator()},
    )


KEY_REPLACED_NOTE = (
    "note: the audit key was replaced on {when} (its file lost?): audit entries about a NIK"
    " made under an earlier key cannot be matched to this NIK (put that key back to match"
    " them)"
)


async def _key_note(repos: Repos, app: AppContext) -> str | None:
    """What to tell the operator when the audit key was replaced (bot/audit_key.py)."""
    replaced = await repos.audit.latest_of(KEY_SUBJECT, (KEY_REPLACED,))
    if replaced is None:
        return None
    return KEY_REPLACED_NOTE.format(when=_local(app, replaced.at.isoformat()))


def _local(app: AppContext, stored: str | None) -> str:
    if not stored:
        return "-"
    return datetime.fromisoformat(stored).astimezone(app.timezone).strftime("%Y-%m-%d %H:%M %Z")


# -- subject find / export / correct / erase --------------------------------------------------


async def _held_about(
    settings: Settings, nik: str, action: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], AppContext, str | None]:
    """The household members with this NIK and their cases, the look audited as `action`;
    with a note when the audit key was replaced (`_key_note`)."""
    async with one_transaction(settings) as (repos, app):
        members = await repos.subjects.members(nik)
        cases = await repos.subjects.cases_of([m["id"] for m in members])
        await _record(repos, app, action, nik, {"members": len(members), "cases": len(cases)})
        note = await _key_note(repos, app)
    return members, cases, app, note


async def find_subject(settings: Settings, nik_text: str, out: TextIO) -> int:
    """Print the people with this NIK and their cases; returns how many people."""
    nik = clean_nik(nik_text)
    members, cases, app, note = await _held_about(settings, nik, "subject.find")
    if note:
        print(note, file=out)
    if not members:
        print("no household member has this NIK", file=out)
        return 0
    for member in members:
        print(
            f"member {member['id']} (household {member['household_id']}): {member['name']},"
            f" {member['sex'] or '-'}, born {member['birth_date'] or '-'},"
            f" {member['relation'] or '-'}; desa {member['desa_name']} ({member['desa_code']}),"
            f" kecamatan {member['kecamatan_name']}",
            file=out,
        )
    for case in cases:
        print(
            f"case {case['number']}: {case['state']}, {', '.join(case['categories']) or '-'},"
            f" reported {_local(app, case['submitted_at'])}",
            file=out,
        )
    return len(members)


def _own_entries(node: Any, nik: str) -> Any:
    """Form answers with only this person's member entries (others are not theirs to get)."""
    if isinstance(node, dict):
        return {
            key: (
                [m for m in value if isinstance(m, dict) and m.get("member_nik") == nik]
                if key == "members" and isinstance(value, list)
                else _own_entries(value, nik)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_own_entries(item, nik) for item in node]
    return node


async def export_subject(settings: Settings, nik_text: str, out: Path) -> int:
    """Write everything stored about the person to a JSON file (access and copy)."""
    nik = clean_nik(nik_text)
    check_output_folder(out)
    members, cases, app, _ = await _held_about(settings, nik, "subject.export")
    for case in cases:
        case["answers"] = _own_entries(case["answers"], nik)
        for update in case["updates"]:
            update["answers"] = _own_entries(update["answers"], nik)
    document = {
        "nik": nik,
        "exported_at": datetime.now(UTC).astimezone(app.timezone).isoformat(),
        "people": members,
        "cases": cases,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    await asyncio.to_thread(write_private, out, text)
    return len(members)


def write_private(path: Path, text: str) -> None:
    """A file only its owner can read (it holds personal data)."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")


async def correct_subject(settings: Settings, nik_text: str, field: str, value: str) -> int:
    """Correct one field of the person (right to correction); returns members changed."""
    nik = clean_nik(nik_text)
    new_value = corrected_value(field, value)
    async with one_transaction(settings) as (repos, app):
        changed = await repos.subjects.correct(nik, field, new_value, now=datetime.now(UTC))
        await _record(repos, app, "subject.correct", nik, {"field": field, "members": changed})
        return changed


async def erase_subject(
    settings: Settings, nik_text: str, notes: TextIO | None = None
) -> ErasureReport:
    """Erase the person (stop the bot first): rows, photos, transient files, free bytes.
    `nik_text` is their NIK or its audit subject (`nik-hmac:...`), as `psm-bot restore`
    names the people erased after the backup it put back. A replaced audit key is told to
    `notes` (`_key_note`): the erasure is whole all the same."""
    subject = nik_text.strip()
    nik = None if subject.startswith(SUBJECT_PREFIX) else clean_nik(nik_text)
    async with one_transaction(settings) as (repos, app):
        if nik is None:
            nik = await _nik_with_subject(repos, app, subject)
        erased = await repos.erasure.erase(nik)
        # Only the photos still on disk are removed (and counted): an earlier version's may
        # have gone before. The bot is stopped: none comes or goes meanwhile.
        present = stored_media(settings.media_path, erased.photos_removed)
        report = erased.model_copy(update={"photos_removed": present})
        counts = report.model_dump(exclude={"photos_removed"})
        photos = len(report.photos_removed)
        await _record(repos, app, "subject.erase", nik, {**counts, "photos": photos})
        note = await _key_note(repos, app)
    if note and notes is not None:
        print(note, file=notes)
    remove_media(settings.media_path, report.photos_removed)
    temporary = settings.media_path / TEMP_FOLDER  # charts and masked chat exports
    if temporary.is_dir():
        shutil.rmtree(temporary)
    await wipe_free_space(settings.database_path)
    return report


async def _nik_with_subject(repos: Repos, app: AppContext, subject: str) -> str:
    """The NIK of a household member whose audit subject is `subject` (each NIK hashed
    with the server key: the log holds no NIK to look up)."""
    for nik in await repos.subjects.niks():
        if number_subject(app, nik) == subject:
            return nik
    problem = f"no household member's NIK has the audit subject {subject}: nothing erased"
    note = await _key_note(repos, app)  # a subject made under an earlier key matches nobody
    raise ValueError(f"{problem}\n{note}" if note else problem)


def _consent_line(app: AppContext, consent: dict[str, Any]) -> str:
    """Who consented and how, in the form's words, and when and by whom it was recorded
    (local time): "Consent: Parent/guardian (Verbal), recorded 2026-11-28 23:30 WIB by
    user 1"."""
    options = OptionLabels(app.forms["case_report"], "en")
    by = options.label("consent_by", consent.get("by")) or "-"
    method = options.label("consent_method", consent.get("method"))
    line = f"Consent: {by}{f' ({method})' if method else ''}"
    if consent.get("at"):
        line += f", recorded {_local(app, consent['at'])}"
    if consent.get("recorded_by") is not None:
        line += f" by user {consent['recorded_by']}"
    return line


# -- case show ---------------------------------------------------------------------------------


async def show_case(settings: Settings, number: str, *, reveal: bool, out: TextIO) -> bool:
    """Print one case; full NIK/KK only with `reveal`. Logged either way."""
    async with one_transaction(settings) as (repos, app):
        case_id = await repos.exports.case_id(number.strip())
        detail = (
            await repos.review.detail(case_id, Scope(everything=True))
            if case_id is not None
            else None
        )
        if detail is None:
            print(f"no case {number}", file=out)
            return False
        await repos.audit.record(
            now=datetime.now(UTC),
            actor_id=None,
            action="case.revealed" if reveal else "case.shown",
            subject=f"case:{case_id}",
            detail={"via": "cli", "operator": operator(), "reveal": reveal},
        )
        summary = detail.summary
        names = {
            code: await repos.regions.name_of(code)
            for code in (summary.desa_code, summary.kecamatan_code, summary.kabupaten_code)
        }
        reporter = await repos.users.get(summary.reporter_id)
        answers = await answer_lines(app, repos, detail.answers, detail.form_version, "en")
    local = summary.submitted_at.astimezone(app.timezone).strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        f"Case {summary.number} (id {summary.id}, version {detail.version})",
        f"State: {summary.state}   Urgency: {summary.urgency}   Protected: {detail.protected}",
        # The kabupaten's name says its level ("Kabupaten Kuningan", "Kota Cirebon").
        f"Region: desa {names[summary.desa_code]} ({summary.desa_code}), kecamatan"
        f" {names[summary.kecamatan_code]} ({summary.kecamatan_code}),"
        f" {names[summary.kabupaten_code]} ({summary.kabupaten_code})",
        f"Reported: {local} by {reporter.full_name if reporter else '?'}"
        f" (user {summary.reporter_id})",
        f"Categories: {', '.join(summary.categories) or '-'}",
        f"Household {detail.household_id}: head {detail.head_name}; KK {detail.no_kk or '-'};"
        f" address {detail.address or '-'}; members {detail.member_count or '-'};"
        f" GPS {detail.latitude}, {detail.longitude}",
        "Subjects:",
    ]
    for subject in detail.subjects:
        lines.append(
            f"  - {subject['name']}: NIK {subject['nik'] or subject['nik_missing'] or '-'},"
            f" {subject['sex'] or '-'}, born {subject['birth_date'] or '-'},"
            f" {subject['relation'] or '-'}"
        )
    lines += [
        f"Description: {detail.description or '-'}",
        "Answers:",
        *[
            f"  - {line.label}{f' ({line.about})' if line.about else ''}: {line.value}"
            for line in answers
        ],
        _consent_line(app, detail.consent),
        f"Photos: {', '.join(detail.photos) or '-'}",
        "Events:",
    ]
    for event in detail.events:
        when = event.at.astimezone(app.timezone).strftime("%Y-%m-%d %H:%M %Z")
        reason = f" ({event.reason})" if event.reason else ""
        lines.append(
            f"  {when}: {event.from_state or '-'} -> {event.to_state}"
            f" by user {event.actor_id}{reason}"
        )
    text = "\n".join(lines)
    print(text if reveal else mask_identifiers(text), file=out)
    return True
