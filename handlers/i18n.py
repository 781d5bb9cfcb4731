"""Message catalogues: every user-facing text, Indonesian first, English second.

Catalogues are YAML files in `locales/`: `<language>.yaml` plus, per feature, any number of
`<language>/<feature>.yaml` (nested keys flattened to `a.b.c`; a key defined twice is an
error). Texts may use
the tags <b> and <i>; placeholder values are HTML-escaped when a text is formatted, so a
person's name or answer can never break the markup.

A word that depends on a number is written `{count:report|reports}`: the forms follow the
language's CLDR plural categories in order (English: one, other), picked by the value of
`count`. Indonesian has no plural forms, so its texts never use this; the catalogue check
refuses a text whose number of forms does not fit its language. A placeholder's format spec
means nothing else in a catalogue.
"""

from __future__ import annotations

import functools
import html
import re
import string
from collections.abc import Sequence
from numbers import Number
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

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


PLURAL_SEPARATOR = "|"
# CLDR's order of plural categories; a language uses those its rules name, then "other".
_CLDR_CATEGORIES = ("zero", "one", "two", "few", "many")


@functools.cache
def plural_categories(language: str) -> tuple[str, ...]:
    """A language's plural categories in CLDR order (English: one, other; Indonesian: other)."""
    tags = _plural_rule(language).tags
    return (*(c for c in _CLDR_CATEGORIES if c in tags), "other")


@functools.cache
def _plural_rule(language: str) -> Any:
    return Locale.parse(language).plural_form


def _plural_specs(text: str) -> list[str]:
    """The plural forms (`one|other`) of a text: every placeholder's format spec."""
    return [spec for _, field, spec, _ in string.Formatter().parse(text) if field and spec]


def _as_number(value: Any) -> Number | None:
    """The number a placeholder value stands for: an int, or a formatted count like "1,234"."""
    if isinstance(value, Number):
        return value
    digits = re.sub(r"[^0-9]", "", str(value))
    return int(digits) if digits and re.fullmatch(r"[0-9.,\s\u202f\xa0]+", str(value)) else None


class _TextFormatter(string.Formatter):
    """str.format plus plural forms, with every placeholder value HTML-escaped."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.categories = plural_categories(language)

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec:
            # str(), not format(): a value shows as it always did (enums, dates).
            shown = str(value)
            return shown if isinstance(value, Markup) else html.escape(shown, quote=False)
        forms = format_spec.split(PLURAL_SEPARATOR)
        number = _as_number(value)
        category = "other" if number is None else _plural_rule(self.language)(number)
        return forms[self.categories.index(category)]


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
                wanted = len(plural_categories(language))
                for spec in _plural_specs(texts[key]):
                    if len(spec.split(PLURAL_SEPARATOR)) != wanted:
                        problems.append(
                            f"{key}: plural '{spec}' in {language} needs {wanted} forms"
                        )
        if problems:
            raise CatalogError("message catalogues disagree:\n" + "\n".join(problems))

    def text(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in a language (falling back to Indonesian), filled in."""
        if language not in self.texts:
            language = DEFAULT_LANGUAGE
        return _TextFormatter(language).format(self.texts[language][key], **values)

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
