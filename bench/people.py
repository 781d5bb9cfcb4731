"""What the simulated people say: registration and case-report scripts, seeded accounts.

Scripts follow the end-to-end tests (tests/e2e/test_registration.py, tests/e2e/reports.py);
each step is one update from the person and the number of messages (texts or edits) the bot
answers with, plus a word the last answer must contain, so a script that goes off the rails
fails loudly instead of measuring error messages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bench.telegram_memory import Person, UpdateRef
from bot.region_files import load_regions
from storage.db import Database
from storage.models import Role, UserStatus

KABUPATEN = "32.08"
FIRST = ["Budi", "Siti", "Agus", "Dewi", "Slamet", "Rina", "Joko", "Ani", "Tono", "Yuni"]
LAST = ["Santoso", "Lestari", "Hidayat", "Wulandari", "Saputra", "Rahayu", "Nugroho", "Pratiwi"]
# Only ASCII letters in names: the registration form refuses digits in a name.
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def person_name(index: int) -> str:
    """A distinct plausible name without digits."""
    suffix = ""
    n = index
    for _ in range(3):
        suffix += LETTERS[n % 26]
        n //= 26
    return f"{FIRST[index % len(FIRST)]} {LAST[index // 10 % len(LAST)]} {suffix.capitalize()}"


@dataclass(frozen=True)
class Place:
    kecamatan_code: str
    kecamatan: str
    desa_code: str
    desa: str


def places(kabupaten: str = KABUPATEN) -> list[Place]:
    """Kecamatan/desa pairs whose names are unique under their parent (typed, not tapped)."""
    regions = load_regions()
    kecamatans = [r for r in regions if r.level == "kecamatan" and r.parent_code == kabupaten]
    keys = [k.name.lower() for k in kecamatans]
    found = []
    for kec in kecamatans:
        if keys.count(kec.name.lower()) > 1:
            continue
        desas = [r for r in regions if r.level == "desa" and r.parent_code == kec.code]
        names = [d.name.lower() for d in desas]
        for desa in desas:
            if names.count(desa.name.lower()) == 1:
                found.append(Place(kec.code, kec.name, desa.code, desa.name))
    return found


@dataclass(frozen=True)
class Step:
    """One thing a person does, and how the bot should answer."""

    act: Callable[[Person], UpdateRef]  # sends the update, returns the inbox's ext_id
    expect: str = ""  # the last answer contains this
    replies: int = 1  # texts/edits the bot sends back for it


def say(text: str, expect: str = "", replies: int = 1) -> Step:
    return Step(lambda p: p.send_text(text), expect, replies)


def tap(label: str, expect: str = "", replies: int = 1) -> Step:
    return Step(lambda p: p.tap(label), expect, replies)


def registration(index: int, place: Place) -> list[Step]:
    """A new PSM registers: 7 updates from /start to "waiting for approval"."""
    phone = f"+62812{30000000 + index:08d}"
    return [
        say("/start", "nama lengkap"),
        say(person_name(index), "nomor HP"),
        Step(lambda p: p.share_contact(phone), "mendaftar sebagai"),
        tap("PSM", "kecamatan"),
        say(place.kecamatan.lower(), "desa"),
        say(place.desa, "Periksa kembali"),
        tap("Kirim", "menunggu persetujuan"),
    ]


# Region prefix of the NIK/KK numbers the simulated PSMs type: none of the generated
# database's numbers (bench/scale.py) start with it, so no report is taken for a duplicate.
NUMBER_PREFIX = "329901"


def nik(serial: int) -> tuple[str, str]:
    """A distinct girl's NIK (born in 2023) and the birth date button label it gives."""
    born = date(2023, 1, 1) + timedelta(days=serial // 9999 % 700)
    digits = (
        f"320801{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}{serial % 9999 + 1:04d}"
    )
    return digits, born.strftime("%d-%m-%Y")


def kk(serial: int) -> str:
    """A distinct Kartu Keluarga number, typed with spaces like people do."""
    issued = date(2015, 1, 1) + timedelta(days=serial // 9999 % 3000)
    digits = (
        f"320801{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial % 9999 + 1:04d}"
    )
    return " ".join(digits[i : i + 4] for i in range(0, 16, 4))


def case_report(serial: int, place: Place) -> list[Step]:
    """An active PSM reports a household: 24 updates from /lapor to the case number.

    The common case of tests/e2e/reports.py: KK and NIK known, one member, a shared location,
    one category (stunting) with its follow-ups, consent, no photos.
    """
    child_nik, born = nik(serial)
    rng = random.Random(serial)
    return [
        say("/lapor", "kepala keluarga"),
        say(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "Kartu Keluarga"),
        say(kk(serial), "Siapa nama"),
        say(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "NIK"),
        say(child_nik, "lahir"),
        tap(born, "hubungannya"),
        tap("Anak", "anggota keluarga lain"),
        tap("Tidak", "Alamat"),
        say(f"Dusun Manis RT {rng.randint(1, 9):02d} RW {rng.randint(1, 9):02d}", "desa"),
        say(place.desa, "lokasi"),
        Step(lambda p: p.share_location(-6.9712, 108.4821), "masalahnya"),
        tap("Stunting", "Stunting"),  # a toggle: the question is edited in place
        tap("Selesai memilih", "status"),
        tap("Dugaan", "Berat"),
        tap("Lewati", "Berapa orang"),
        say(str(rng.randint(2, 9)), "Bantuan sosial"),
        tap("PKH", "PKH"),  # a toggle
        tap("Selesai memilih", "menyetujui"),
        tap("Orang tua/wali", "Bagaimana"),
        tap("Lisan", "Ceritakan"),
        say("Balita kurus, jarang ke posyandu.", "foto"),
        tap("Lewati", "mendesak"),
        tap("Biasa", "Periksa kembali"),
        tap("Kirim", "Nomor kasus", replies=2),  # the case number, then the main menu
    ]


async def seed_staff(
    db: Database, people: list[Place], *, first_id: int, channel: str = "telegram"
) -> int:
    """A coordinator and one TKSK per kecamatan in use, all having started the bot."""
    now = datetime.now(UTC)
    async with db.transaction() as repos:
        staff = [("Ibu Koordinator", Role.COORDINATOR, None)]
        for code in sorted({p.kecamatan_code for p in people}):
            staff.append((f"Pak Tksk {code}", Role.TKSK, code))
        for offset, (name, role, kecamatan) in enumerate(staff):
            await _active_user(repos, now, channel, first_id + offset, name, role, kecamatan, None)
    return len(staff)


async def seed_psms(
    db: Database,
    ids: list[int],
    where: list[Place],
    *,
    channel: str = "telegram",
    joined: datetime | None = None,
    reminders: bool = True,
) -> None:
    """Active PSMs (as `psm-bot user add` makes them) who have already started the bot
    (and just written to it: a WhatsApp window is open). `ids` are Telegram user ids, or
    phone numbers on WhatsApp. `joined`: when they were approved (now when not given);
    `reminders`: whether they get the daily reminder."""
    now = datetime.now(UTC)
    async with db.transaction() as repos:
        for index, (number, place) in enumerate(zip(ids, where, strict=True)):
            user_id = await _active_user(
                repos,
                now,
                channel,
                number,
                person_name(index),
                Role.PSM,
                place.kecamatan_code,
                place.desa_code,
                joined=joined,
            )
            if not reminders:
                await repos.users.update(user_id, now=now, reminders_enabled=False)


def whatsapp_user_id(phone: int | str) -> str:
    """The business-scoped user id a simulated WhatsApp person writes with."""
    return f"ID.{phone}"


async def _active_user(
    repos, now, channel, number, name, role, kecamatan, desa, *, joined=None
) -> int:
    joined = joined or now
    user = await repos.users.create(
        now=joined, status=UserStatus.ACTIVE, full_name=name, role=role, kabupaten_code=KABUPATEN
    )
    await repos.users.update(
        user.id,
        now=joined,
        kecamatan_code=kecamatan,
        desa_code=desa,
        requested_role=role,
        decided_at=joined,
    )
    external_id = whatsapp_user_id(number) if channel == "whatsapp" else str(number)
    await repos.users.add_identity(
        user_id=user.id, channel=channel, external_id=external_id, chat_id=str(number), now=now
    )
    return user.id
