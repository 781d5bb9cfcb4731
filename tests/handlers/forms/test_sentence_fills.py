"""`sentence_fills` (a choice's typed sentence kept for a later text question) and
`sentence_default` are checked at load: each case is a form and the error it must give."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from handlers.forms.model import Form

CHOICES = [{"name": "izin", "label": {"id": "Izin"}}, {"name": "sakit", "label": {"id": "Sakit"}}]
DETAILS = {"type": "text", "name": "details", "label": {"id": "Keterangan?"}}
NUMBER = {"type": "integer", "name": "days", "label": {"id": "Berapa hari?"}}


def _form(choice: dict, *after: dict, before: tuple[dict, ...] = ()) -> dict:
    question = {"type": "select_one", "name": "kind", "label": {"id": "Kenapa?"}}
    question |= {"choices": CHOICES, **choice}
    items = [*before, question, *after]
    return {"id": "f", "version": 1, "title": {"id": "F"}, "items": items}


CASES = [
    ({"sentence_fills": "details", "sentence_default": "izin"}, (DETAILS,), (), None),
    ({"sentence_fills": "details"}, (DETAILS,), (), None),
    ({"sentence_fills": "nowhere"}, (DETAILS,), (), "names a later text question"),
    ({"sentence_fills": "days"}, (NUMBER,), (), "names a later text question"),
    ({"sentence_fills": "details"}, (), (DETAILS,), "names a later text question"),
    ({"sentence_default": "izin"}, (DETAILS,), (), "sentence_default is one of its choices"),
    (
        {"sentence_fills": "details", "sentence_default": "cuti"},
        (DETAILS,),
        (),
        "sentence_default is one of its choices",
    ),
]


@pytest.mark.parametrize(("choice", "after", "before", "error"), CASES)
def test_sentence_fills_is_checked(choice, after, before, error):
    data = _form(choice, *after, before=before)
    if error is None:
        assert Form.model_validate(data).question("kind").sentence_fills == choice.get(
            "sentence_fills"
        )
        return
    with pytest.raises(ValidationError, match=error):
        Form.model_validate(data)
