"""The project's YAML files (forms, message catalogues, the permission table), read with
libyaml's safe loader when PyYAML was built with it (about ten times faster, and start-up
reads them all), else PyYAML's own. Both raise `yaml.YAMLError` for a malformed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file's data (None when empty); OSError and yaml.YAMLError pass through."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
