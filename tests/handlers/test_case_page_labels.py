"""A case's page shows the case report form's option labels, in the reader's language, not
the codes the answers keep (consent, sex, relation)."""

from __future__ import annotations

import pytest

from handlers.review.case_page import show_case
from storage.models import Role
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database, seed_case

PAGES = [
    ("id", "Persetujuan: Yang bersangkutan (Cap jempol)", "(Laki-laki, 3 th 5 bln, Suami)"),
    ("en", "Consent: The person (Thumbprint)", "(Male, 3 y 5 m, Husband)"),
]


@pytest.mark.parametrize(("language", "consent", "subject"), PAGES)
async def test_option_codes_are_shown_as_their_labels(
    tmp_path, language: str, consent: str, subject: str
) -> None:
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        reporter = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        coordinator = await repos.users.update(coordinator.id, now=NOW, language=language)
        case_id = await seed_case(
            repos, reporter=reporter, desa=BABATAN, at=NOW, number="KNG-2026-000001",
            sex="L", relation="suami", consent={"by": "yang_bersangkutan", "method": "cap_jempol"},
        )  # fmt: skip
        turn = command(app_context(tmp_path / "media"), repos, coordinator, "antrian")
        await show_case(turn, case_id)
    await db.close()
    (page,) = [reply.text for reply in turn.replies]
    assert consent in page and subject in page, page
    for code in ("yang_bersangkutan", "cap_jempol", "suami"):
        assert code not in page
