"""Forms read from their YAML files (forms/) or from stored data (a released version kept in
the database), validated into `Form`s; a mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from handlers.forms.model import FORMS_DIR, Form, FormError
from handlers.yaml_files import read_yaml


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(piece) for piece in problem["loc"])
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def form_from_data(data: Any, source: str) -> Form:
    """Validate a form given as data; errors name the source and the field."""
    try:
        return Form.model_validate(data)
    except ValidationError as exc:
        raise FormError(f"{source}: {_describe(exc)}") from exc


def load_form(path: Path) -> Form:
    """Load and validate one YAML form file."""
    try:
        data = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise FormError(f"{path}: {exc}") from exc
    return form_from_data(data, str(path))


def load_forms(directory: Path = FORMS_DIR) -> dict[str, Form]:
    """Every form in a folder, by id."""
    forms: dict[str, Form] = {}
    for path in sorted(directory.glob("*.yaml")):
        form = load_form(path)
        if form.id in forms:
            raise FormError(f"{path}: form id {form.id!r} is defined twice")
        forms[form.id] = form
    return forms
