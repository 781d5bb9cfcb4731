"""Turning a confirmed case-report form into a stored case, and who is told about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.events import Button, Outbound
from handlers.identifiers import IdentifierError, parse_nik
from handlers.scope import can_see_case
from storage.models import DuplicateMatch, FormSession, Role

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
    identities = [
        (s.name, s.birth_date, facts.desa_code)
        for s in facts.subjects
        if not s.nik and s.birth_date
    ]
    return await turn.repos.cases.open_duplicates(
        niks=[s.nik for s in facts.subjects if s.nik], no_kk=facts.no_kk, identities=identities
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


async def store_case(
    turn: Turn,
    session: FormSession,
    answers: dict[str, Any],
    facts: CaseFacts,
    hidden: list[DuplicateMatch],
) -> str:
    """Store household, members and case; tell everyone concerned. Returns the case number."""
    assert turn.user is not None
    repos, now = turn.repos, turn.now
    district = next(d for d in turn.app.districts if d.code == facts.kabupaten_code)
    household_fields = {
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
    household_id = (
        await repos.cases.household_by_kk(facts.no_kk, facts.kabupaten_code)
        if facts.no_kk
        else None
    )
    if household_id is None:
        household_id = await repos.cases.create_household(now=now, **household_fields)
    else:
        await repos.cases.update_household(household_id, now=now, **household_fields)
    subject_ids = [
        await repos.cases.add_member(
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
    await _tell_others(turn, facts, number, case_id, hidden)
    return number


async def _tell_others(
    turn: Turn, facts: CaseFacts, number: str, case_id: int, hidden: list[DuplicateMatch]
) -> None:
    """The TKSK hears of each new case; darurat alerts go out at once; flags to coordinators."""
    repos, reporter = turn.repos, turn.user
    assert reporter is not None
    tksk = await repos.users.active_with_role(Role.TKSK, kecamatan_code=facts.kecamatan_code)
    coordinators = await repos.users.active_with_role(
        Role.COORDINATOR, kabupaten_code=facts.kabupaten_code
    )
    desa = await repos.regions.get(facts.desa_code)
    kecamatan = await repos.regions.get(facts.kecamatan_code)
    place = {
        "desa": desa.name if desa else facts.desa_code,
        "kecamatan": kecamatan.name if kecamatan else facts.kecamatan_code,
    }
    catalog = turn.app.catalog

    def categories(language: str) -> str:
        return ", ".join(catalog.text(language, f"categories.{code}") for code in facts.categories)

    if facts.urgency == "darurat":
        for person in {u.id: u for u in tksk + coordinators}.values():
            text = catalog.text(
                person.language,
                "case.darurat_alert",
                number=number,
                categories=categories(person.language),
                **place,
            )
            await turn.deliver(person.id, Outbound(text=text, summary=number), DeliveryKind.ALERT)
    else:
        for person in tksk:
            if person.id != reporter.id:
                text = catalog.text(
                    person.language,
                    "case.new_in_kecamatan",
                    number=number,
                    categories=categories(person.language),
                    urgency=catalog.text(person.language, f"urgency.{facts.urgency}"),
                    **place,
                )
                await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)
    for match in hidden:
        await repos.cases.flag_duplicate(case_id, match.case_id, match.matched_on, now=turn.now)
    for person in coordinators:
        if facts.protected:
            text = catalog.text(person.language, "case.protected_flag", number=number)
            await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)
        for match in hidden:
            other = (
                match.number
                if match.kabupaten_code == facts.kabupaten_code
                else catalog.text(person.language, "case.other_district")
            )
            text = catalog.text(person.language, "case.duplicate_flag", number=number, other=other)
            await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)
