"""Turning a confirmed case-report form into a stored case, and who is told about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.identifiers import IdentifierError, parse_nik
from handlers.scope import can_see_case, scope_of
from storage.models import DuplicateMatch, FormSession

PROTECTING_CONSENT = ("menolak", "wali_bermasalah")
DUPLICATE_PREFIX = "dp"


@dataclass
class Subject:
    """A household member the case is about."""

    name: str
    nik: str | None
    nik_missing: str | None
    nik_reason: str | None
    sex: str | None
    birth_date: str | None
    age_months: int | None
    relation: str | None


@dataclass
class CaseFacts:
    """What a submitted form says, in the shape storage wants."""

    desa_code: str
    head_name: str
    no_kk: str | None
    no_kk_missing: str | None
    address: str
    household_size: int | None
    latitude: float | None
    longitude: float | None
    subjects: list[Subject]
    categories: list[str]
    urgency: str
    consent: dict[str, Any]
    protected: bool
    description: str
    photos: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def kecamatan_code(self) -> str:
        return self.desa_code.rsplit(".", 1)[0]

    @property
    def kabupaten_code(self) -> str:
        return self.desa_code.rsplit(".", 2)[0]


def _name(answer: Any) -> str | None:
    return answer["name"] if isinstance(answer, dict) and "name" in answer else None


def _names(answer: Any) -> list[str]:
    return [item["name"] for item in answer or []]


def _nik_facts(nik: Any, turn: Turn) -> dict[str, Any]:
    """Sex and birth date from a NIK (when the session no longer holds them, e.g. a revision)."""
    if not isinstance(nik, str):
        return {}
    try:
        parsed = parse_nik(nik, today=turn.today)
    except IdentifierError:
        return {}
    return {"sex": parsed.sex, "birth_date": parsed.birth_date.isoformat()}


def case_facts(answers: dict[str, Any], session: FormSession, turn: Turn) -> CaseFacts:
    """Read the form's final answers (see forms/case_report.yaml)."""
    derived = session.state.get("derived", {})
    subjects = []
    for index, member in enumerate(answers.get("members", [])):
        nik = member.get("member_nik")
        facts = derived.get(f"members.{index}.member_nik") or _nik_facts(nik, turn)
        age = member.get("member_age") or {}
        subjects.append(
            Subject(
                name=member["member_name"],
                nik=nik if isinstance(nik, str) else None,
                nik_missing=nik.get("missing") if isinstance(nik, dict) else None,
                nik_reason=member.get("member_nik_reason"),
                sex=_name(member.get("member_sex")) or facts.get("sex"),
                birth_date=age.get("birth_date") or facts.get("birth_date"),
                age_months=age.get("months"),
                relation=_name(member.get("member_relation")),
            )
        )
    no_kk = answers.get("no_kk")
    gps = answers.get("gps") or {}
    consent_by = _name(answers.get("consent_by")) or "menolak"
    details = {
        key: answers[key]
        for key in (
            "no_kk_reason",
            "gps_reason",
            "stunting_measure",
            "ats_last_grade",
            "ats_reason",
        )
        if answers.get(key)
    }
    for key in ("stunting_status", "ats_type", "disability_type"):
        if answers.get(key):
            details[key] = _name(answers[key])
    details["bansos"] = _names(answers.get("bansos"))
    if "stunting" in _names(answers.get("categories")):
        details["stunting_age_months"] = [s.age_months for s in subjects]
    return CaseFacts(
        desa_code=_name(answers["desa"]) or "",
        head_name=answers["head_name"],
        no_kk=no_kk if isinstance(no_kk, str) else None,
        no_kk_missing=no_kk.get("missing") if isinstance(no_kk, dict) else None,
        address=answers.get("address", ""),
        household_size=answers.get("household_size"),
        latitude=gps.get("lat"),
        longitude=gps.get("lon"),
        subjects=subjects,
        categories=_names(answers.get("categories")),
        urgency=_name(answers.get("urgency")) or "biasa",
        consent={
            "by": consent_by,
            "method": _name(answers.get("consent_method")),
            "at": turn.now.isoformat(),
            "recorded_by": turn.user.id if turn.user else None,
        },
        protected=consent_by in PROTECTING_CONSENT,
        description=answers.get("description", ""),
        photos=[photo["ref"] for photo in answers.get("photos") or []],
        details=details,
    )


async def find_duplicates(turn: Turn, facts: CaseFacts) -> list[DuplicateMatch]:
    """Open cases about the same people or family."""
    people = [(s.name, s.nik, s.birth_date) for s in facts.subjects]
    return await duplicates_of(turn, people, facts.no_kk, facts.desa_code)


async def duplicates_of(
    turn: Turn,
    people: list[tuple[str, str | None, str | None]],
    no_kk: str | None,
    desa_code: str,
) -> list[DuplicateMatch]:
    """Open cases naming one of these people (name, NIK, birth date) or this KK: by NIK, else
    by name and birth date in the desa."""
    identities = [(name, born, desa_code) for name, nik, born in people if not nik and born]
    return await turn.repos.cases.open_duplicates(
        niks=[nik for _, nik, _ in people if nik], no_kk=no_kk, identities=identities
    )


def in_scope(turn: Turn, match: DuplicateMatch) -> bool:
    return can_see_case(
        turn.user,
        kabupaten_code=match.kabupaten_code,
        kecamatan_code=match.kecamatan_code,
        desa_code=match.desa_code,
        reporter_id=match.reporter_id,
    )


def ask_about_duplicate(turn: Turn, session: FormSession, match: DuplicateMatch) -> Outbound:
    """The reporter may see that case: offer to add this report to it."""
    buttons = [
        [
            Button(
                label=turn.t("case.duplicate_update"),
                data=f"{DUPLICATE_PREFIX}:{session.id}:u:{match.case_id}",
            )
        ],
        [Button(label=turn.t("case.duplicate_new"), data=f"{DUPLICATE_PREFIX}:{session.id}:n")],
    ]
    return Outbound.say(turn.t("case.duplicate_found", number=match.number), buttons)


def _household_fields(facts: CaseFacts) -> dict[str, Any]:
    return {
        "kabupaten_code": facts.kabupaten_code,
        "kecamatan_code": facts.kecamatan_code,
        "desa_code": facts.desa_code,
        "no_kk": facts.no_kk,
        "no_kk_missing": facts.no_kk_missing,
        "no_kk_reason": facts.details.get("no_kk_reason"),
        "head_name": facts.head_name,
        "address": facts.address,
        "member_count": facts.household_size,
        "latitude": facts.latitude,
        "longitude": facts.longitude,
    }


async def record_household(
    turn: Turn, facts: CaseFacts, *, revising: tuple[int, int] | None = None
) -> tuple[int, list[int]]:
    """Store the household and the members a report is about; returns (household id, member
    ids). A household is found again by its KK in the same desa and refreshed, unless a case
    about it is outside the reporter's scope: then this report gets a household of its own
    (the duplicate check tells who needs to know of the open cases with that KK). `revising`
    (case id, its household id): a corrected report rewrites that household whole (KK too)
    when no other case is about it, else it is found by its KK or made anew."""
    repos, now = turn.repos, turn.now
    fields = _household_fields(facts)
    household_id = (
        await repos.households.household_by_kk(facts.no_kk, facts.desa_code, scope_of(turn.user))
        if facts.no_kk
        else None
    )
    if (
        revising is not None
        and household_id in (None, revising[1])
        and not await repos.households.shared_household(revising[1], revising[0])
    ):
        household_id = revising[1]
        await repos.households.update_household(household_id, now=now, whole=True, **fields)
    elif household_id is None:
        household_id = await repos.households.create_household(now=now, **fields)
    else:
        await repos.households.update_household(household_id, now=now, **fields)
    subject_ids = [
        await repos.households.add_member(
            household_id,
            now=now,
            name=s.name,
            nik=s.nik,
            nik_missing=s.nik_missing,
            nik_reason=s.nik_reason,
            sex=s.sex,
            birth_date=s.birth_date,
            age_months=s.age_months,
            relation=s.relation,
        )
        for s in facts.subjects
    ]
    return household_id, subject_ids


async def store_case(
    turn: Turn, session: FormSession, answers: dict[str, Any], facts: CaseFacts
) -> tuple[int, str]:
    """Store household, members and case, and confirm to the reporter. Returns the case's
    id and number (handlers/case_notices.py tells the others)."""
    assert turn.user is not None
    repos, now = turn.repos, turn.now
    district = next(d for d in turn.app.districts if d.code == facts.kabupaten_code)
    household_id, subject_ids = await record_household(turn, facts)
    number = await repos.cases.next_number(facts.kabupaten_code, district.prefix, turn.today.year)
    case_id = await repos.cases.create_case(
        now=now,
        number=number,
        household_id=household_id,
        reporter_id=turn.user.id,
        kabupaten_code=facts.kabupaten_code,
        kecamatan_code=facts.kecamatan_code,
        desa_code=facts.desa_code,
        urgency=facts.urgency,
        protected=facts.protected,
        description=facts.description,
        details=facts.details,
        consent=facts.consent,
        answers=answers,
        form_version=session.form_version,
        categories=facts.categories,
        subject_ids=subject_ids,
        photos=facts.photos,
    )
    await repos.audit.record(
        now=now,
        actor_id=turn.user.id,
        action="case.submitted",
        subject=f"case:{case_id}",
        detail={"number": number},
    )
    turn.reply(Outbound(text=turn.t("case.submitted", number=number), remove_keyboard=True))
    return case_id, number
