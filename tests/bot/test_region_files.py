"""The shipped Kemendagri region lists, and clear errors for malformed region CSVs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.region_files import REGIONS_DIR, RegionFileError, load_region_file, load_regions

HEADER = "code,name,level,parent_code\n"
GOOD_ROWS = (
    "32.08,Kabupaten Kuningan,kabupaten,32\n"
    "32.08.01,Kadugede,kecamatan,32.08\n"
    "32.08.01.2001,Sindangjawa,desa,32.08.01\n"
)


def counts(kabupaten: str) -> Counter[str]:
    regions = load_regions()
    return Counter(
        region.level
        for region in regions
        if region.code == kabupaten or region.code.startswith(kabupaten + ".")
    )


@pytest.mark.parametrize(
    ("kabupaten", "name", "kecamatan", "desa"),
    [
        ("32.08", "Kabupaten Kuningan", 32, 376),
        ("35.23", "Kabupaten Tuban", 20, 328),
    ],
)
def test_shipped_region_counts(kabupaten: str, name: str, kecamatan: int, desa: int) -> None:
    assert counts(kabupaten) == {"kabupaten": 1, "kecamatan": kecamatan, "desa": desa}
    by_code = {region.code: region for region in load_regions()}
    assert by_code[kabupaten].name == name
    assert by_code[kabupaten].level == "kabupaten"


def test_shipped_files() -> None:
    names = sorted(path.name for path in REGIONS_DIR.glob("*.csv"))
    assert names == ["wilayah_kuningan.csv", "wilayah_tuban.csv"]
    assert len(load_region_file(REGIONS_DIR / "wilayah_kuningan.csv")) == 1 + 32 + 376
    assert len(load_region_file(REGIONS_DIR / "wilayah_tuban.csv")) == 1 + 20 + 328


def test_shipped_regions_form_a_tree() -> None:
    regions = load_regions()
    codes = [region.code for region in regions]
    assert len(codes) == len(set(codes)), "region codes must be unique"
    by_code = {region.code: region for region in regions}
    for region in regions:
        assert region.name == region.name.strip() and region.name
        if region.level == "desa":
            parent = by_code.get(region.parent_code)
            assert parent is not None and parent.level == "kecamatan", region
            assert region.code.startswith(parent.code + ".")
            # Kemendagri: 1xxx kelurahan, 2xxx desa.
            assert region.code[-4] in "12", region
        elif region.level == "kecamatan":
            parent = by_code.get(region.parent_code)
            assert parent is not None and parent.level == "kabupaten", region
            assert region.code.startswith(parent.code + ".")
        else:
            assert region.level == "kabupaten"
            assert re.fullmatch(r"\d{2}", region.parent_code)
    # Every kecamatan has at least one desa.
    parents = {region.parent_code for region in regions if region.level == "desa"}
    kecamatan = {region.code for region in regions if region.level == "kecamatan"}
    assert kecamatan == parents


def test_shipped_kelurahan_counts() -> None:
    """domain.md section 4: Kuningan has 15 kelurahan, Tuban 17."""
    regions = load_regions()
    for kabupaten, kelurahan in (("32.08", 15), ("35.23", 17)):
        found = [
            region
            for region in regions
            if region.level == "desa"
            and region.code.startswith(kabupaten + ".")
            and region.code[-4] == "1"
        ]
        assert len(found) == kelurahan


def test_a_dropped_in_district_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        HEADER + "35.23,Kabupaten Tuban,kabupaten,35\n35.23.01,Kenduruan,kecamatan,35.23\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("not a region list", encoding="utf-8")
    regions = load_regions(tmp_path)
    assert [region.code for region in regions] == [
        "32.08",
        "32.08.01",
        "32.08.01.2001",
        "35.23",
        "35.23.01",
    ]


def test_names_are_stripped(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(HEADER + '32.08,"  Kabupaten Kuningan ",kabupaten,32\n', encoding="utf-8")
    (region,) = load_region_file(path)
    assert region.name == "Kabupaten Kuningan"


MALFORMED = [
    ("wrong header", "code,nama,level,parent_code\n" + GOOD_ROWS, 1),
    ("missing column", "code,name,level\n32.08,Kabupaten Kuningan,kabupaten\n", 1),
    ("empty file", "", 1),
    ("unknown level", HEADER + GOOD_ROWS + "32.08.01.2002,Ciketak,kelurahan,32.08.01\n", 5),
    ("bad kabupaten code", HEADER + "3208,Kabupaten Kuningan,kabupaten,32\n", 2),
    ("bad kecamatan code", HEADER + GOOD_ROWS + "32.08.1,Ciawigebang,kecamatan,32.08\n", 5),
    ("bad desa code", HEADER + GOOD_ROWS + "32.08.01.201,Ciketak,desa,32.08.01\n", 5),
    ("BPS code", HEADER + GOOD_ROWS + "32.08.010,Kadugede,kecamatan,32.08\n", 5),
    ("code not under parent", HEADER + GOOD_ROWS + "32.08.02.2001,Ciketak,desa,32.08.01\n", 5),
    ("kecamatan not under parent", HEADER + "32.08.01,Kadugede,kecamatan,35.23\n", 2),
    ("empty name", HEADER + GOOD_ROWS + "32.08.01.2002,,desa,32.08.01\n", 5),
    (
        "blank name",
        HEADER + "32.08,Kabupaten Kuningan,kabupaten,32\n32.08.01,  ,kecamatan,32.08\n",
        3,
    ),
    ("short row", HEADER + GOOD_ROWS + "32.08.01.2002,Ciketak\n", 5),
]


@pytest.mark.parametrize(
    ("content", "line"),
    [(content, line) for _, content, line in MALFORMED],
    ids=[case for case, _, _ in MALFORMED],
)
def test_malformed_file_names_file_and_line(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "wilayah_rusak.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegionFileError) as raised:
        load_region_file(path)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    # load_regions stops at the same problem.
    with pytest.raises(RegionFileError, match=re.escape(f"{path}:{line}: ")):
        load_regions(tmp_path)


def test_region_file_error_is_a_value_error() -> None:
    assert issubclass(RegionFileError, ValueError)
