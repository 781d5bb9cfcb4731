"""`make demo` works without a token: registration, approval, profile, a case report and the
kecamatan's TKSK, who is told of it and opens it from their queue."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REGISTRATION = [
    "/start",
    "Budi Santoso",
    "!kontak",
    ">1",
    "Kadugede",
    ">1",
    ">1",
    "!sebagai koordinator",
    ">1",
    "!sebagai baru",
    "/saya",
]
# A case report by the newly approved PSM; ">N" taps the N-th button shown.
REPORT = [
    "/lapor",
    "Slamet Riyadi",
    "3208011210190005",
    "Ayu Lestari",
    "3208014506230001",
    ">1",
    ">1",
    ">2",
    "Dusun Manis RT 02 RW 05",
    ">1",
    "!lokasi -6.97 108.48",
    ">1",
    ">11",
    ">1",
    ">1",
    "5",
    ">1",
    ">7",
    ">2",
    ">1",
    "Balita kurus",
    "!foto",
    ">1",
    ">1",
    ">1",  # Kirim: the summary comes in one message, Kirim its first button
]
# The TKSK of Kadugede, where the report is: the demo's list of people, then their queue.
TKSK = ["!bantuan", "!sebagai tksk", "/antrian", ">1"]
# Statistics are drawn by a background job: shown before the next line is read.
STATISTICS = ["!sebagai koordinator", "/statistik 7"]
# The chat export of the last 7 days, all kecamatan: "Buat file sekarang".
EXPORT = ["/ekspor", ">1", ">2"]
SCRIPT = "\n".join([*REGISTRATION, *REPORT, *TKSK, *STATISTICS, *EXPORT, "!keluar", ""])


def test_demo_walks_registration_and_approval(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Siapa nama lengkap" in out
    assert "✓ Nama: Budi Santoso" in out
    assert "Pendaftaran baru menunggu persetujuan" in out
    assert "disetujui oleh Ibu Sari" in out
    assert "Status: Aktif" in out
    assert "Laporan terkirim. Nomor kasus: KNG-" in out
    assert "320801******0001" in out and "3208014506230001" not in out
    # The TKSK of the report's kecamatan: among the demo's people, told of the report, and
    # opening it from the queue with the verification button.
    assert "!sebagai baru|koordinator|tksk|psm" in out
    assert "bot → Pak Tono (TKSK Kadugede)" in out.split("Laporan terkirim", 1)[1]
    assert "Laporan baru di kecamatan Bapak/Ibu: KNG-" in out
    assert "Antrian laporan (1)" in out and "[>1] ✅ Verifikasi" in out
    last_prompt = out.rindex("] > ")  # where "!keluar" was read
    assert 0 < out.index("Jumlah laporan: 1") < last_prompt
    assert 0 < out.index("Grafik kasus 7 hari terakhir") < last_prompt
    # The chart and the spreadsheet sent: where to open them, in the demo's own folder.
    files = re.findall(r"📎 file: (\S+)", out)
    assert [Path(file).name for file in files] == ["statistik.png", "ekspor-kasus.xlsx"]
    assert all(Path(file).parent.name == "berkas" for file in files)
    assert all(Path(file).parent.parent.name.startswith("psm-demo-") for file in files)
    # The newcomer is said as what they are now; each reply button hints its own command.
    assert "[Pak Dedi (menunggu persetujuan)] > " in out and "[Pak Dedi (PSM)] > " in out
    assert "[📱 Bagikan nomor HP saya] → ketik !kontak\n" in out
    assert "[📍 Kirim lokasi saat ini] → ketik !lokasi -6.97 108.48\n" in out
    assert "!kontak atau !lokasi" not in out
    assert "Traceback" not in out + result.stderr
    assert not list(tmp_path.iterdir())  # the throwaway database is gone
