"""Region lists shipped as CSV files in `regions/` (code,name,level,parent_code).

Another district is added by dropping in a CSV of the same shape. Mistakes stop start-up
with the file and line named.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from storage.models import Region

REGIONS_DIR = Path(__file__).resolve().parent.parent / "regions"
_CODE = {
    "kabupaten": re.compile(r"^\d{2}\.\d{2}$"),
    "kecamatan": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
    "desa": re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
}
COLUMNS = ["code", "name", "level", "parent_code"]


class RegionFileError(ValueError):
    """A region CSV is malformed."""


def load_region_file(path: Path) -> list[Region]:
    """Read and check one CSV file."""
    regions: list[Region] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise RegionFileError(f"{path}:1: expected the header {','.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            level = row["level"]
            pattern = _CODE.get(level)
            if pattern is None:
                raise RegionFileError(f"{path}:{line}: unknown level {level!r}")
            if not pattern.match(row["code"] or "") or not (row["name"] or "").strip():
                raise RegionFileError(f"{path}:{line}: bad code or empty name for a {level}")
            if level != "kabupaten" and not row["code"].startswith(row["parent_code"] + "."):
                raise RegionFileError(f"{path}:{line}: code is not under its parent_code")
            regions.append(
                Region(
                    code=row["code"],
                    name=row["name"].strip(),
                    level=level,
                    parent_code=row["parent_code"],
                )
            )
    return regions


def load_regions(directory: Path = REGIONS_DIR) -> list[Region]:
    """Every region of every CSV file in the folder."""
    regions: list[Region] = []
    for path in sorted(directory.glob("*.csv")):
        regions.extend(load_region_file(path))
    return regions
