"""Message catalogues: every user-facing text, Indonesian first, English second.

Catalogues are YAML files in `locales/`: `<language>.yaml` plus, per feature, any number of
`<language>/<feature>.yaml` (nested keys flattened to `a.b.c`; a key defined twice is an
error). Texts may use
the tags <b> and <i>; placeholder values are HTML-escaped when a text is formatted, so a
person's name or answer can never break the markup.
"""

from __future__ import annotations

import html
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from handlers.yaml_files import read_yaml

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class CatalogError(ValueError):
    """A catalogue is missing, malformed or differs between languages."""


class Markup(str):
    """Text that is already safe HTML and must not be escaped again."""


def _flatten(prefix: str, node: Any, out: dict[str, str], source: Path) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, source)
    elif isinstance(node, str):
        out[prefix] = node
    else:
        raise CatalogError(f"{source}: {prefix}: expected text, got {type(node).__name__}")


def _read(path: Path) -> Any:
    try:
        return read_yaml(path) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Catalog:
    """All texts in all languages."""

    def __init__(self, texts: dict[str, dict[str, str]]) -> None:
        self.texts = texts
        self._check()

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        """Load and check every language's file."""
        texts: dict[str, dict[str, str]] = {}
        for language in LANGUAGES:
            paths = [directory / f"{language}.yaml", *sorted((directory / language).glob("*.yaml"))]
            flat: dict[str, str] = {}
            for path in paths:
                part: dict[str, str] = {}
                _flatten("", _read(path), part, path)
                if clashes := sorted(set(part) & set(flat)):
                    raise CatalogError(f"{path}: keys defined twice: {', '.join(clashes)}")
                flat.update(part)
            texts[language] = flat
        return cls(texts)

    def _check(self) -> None:
        reference = self.texts[DEFAULT_LANGUAGE]
        problems: list[str] = []
        for language, texts in self.texts.items():
            for key in sorted(set(reference) ^ set(texts)):
                where = language if key in reference else DEFAULT_LANGUAGE
                problems.append(f"{key}: missing in {where}")
            for key in sorted(set(reference) & set(texts)):
                try:
                    ours, theirs = _placeholders(reference[key]), _placeholders(texts[key])
                except ValueError as exc:
                    problems.append(f"{key}: bad placeholder syntax ({exc})")
                    continue
                if ours != theirs:
                    problems.append(f"{key}: placeholders differ in {language}: {ours} != {theirs}")
        if problems:
            raise CatalogError("message catalogues disagree:\n" + "\n".join(problems))

    def text(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in a language (falling back to Indonesian), filled in."""
        texts = self.texts.get(language) or self.texts[DEFAULT_LANGUAGE]
        template = texts[key]
        safe = {
            name: value if isinstance(value, Markup) else html.escape(str(value), quote=False)
            for name, value in values.items()
        }
        return template.format(**safe)

    def listed(self, language: str, items: Sequence[str]) -> Markup:
        """Items joined as the language lists them: "A, B dan C" (`common.listed`), one alone
        as it is; each escaped, so the result goes into another text as it is."""
        escaped = [html.escape(item, quote=False) for item in items]
        if len(escaped) < 2:
            return Markup("".join(escaped))
        rest, last = Markup(", ".join(escaped[:-1])), Markup(escaped[-1])
        return Markup(self.text(language, "common.listed", rest=rest, last=last))

    def has(self, key: str) -> bool:
        """Whether a key exists."""
        return key in self.texts[DEFAULT_LANGUAGE]
