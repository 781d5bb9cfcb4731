"""Safe parser and evaluator for the XLSForm expression subset used by form questions.

Form questions declare ``relevant`` (should the question be asked?) and ``constraint``
(is the answer acceptable?) as XPath-flavoured strings. Those strings live in form
definitions edited by non-programmers, so they are never handed to ``eval``: a linear
tokenizer and a depth-limited recursive-descent parser build a small immutable AST
which is then interpreted with XLSForm-like coercion rules.

  parser.py      source text -> tree (tokenizer, recursive descent, load-time checks)
  nodes.py       the tree and its evaluation (EvalContext)
  functions.py   the functions expressions may call; regex() patterns kept safe
  values.py      the values expressions work on and XPath's coercion rules
  expression.py  Expression, the parsed form the rest of the code uses

This package's names below are its API; the modules' other names are its own.
"""

from handlers.forms.expr.expression import MAX_SOURCE_LENGTH, Expression, parse, text_of
from handlers.forms.expr.functions import MAX_PATTERN_LENGTH, MAX_REGEX_SUBJECT
from handlers.forms.expr.nodes import EvalContext
from handlers.forms.expr.parser import MAX_DEPTH, REFERENCE
from handlers.forms.expr.values import (
    MAX_MAGNITUDE,
    ExpressionError,
    RepeatAnswers,
    RepeatInstances,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_MAGNITUDE",
    "MAX_PATTERN_LENGTH",
    "MAX_REGEX_SUBJECT",
    "MAX_SOURCE_LENGTH",
    "REFERENCE",
    "EvalContext",
    "Expression",
    "ExpressionError",
    "RepeatAnswers",
    "RepeatInstances",
    "parse",
    "text_of",
]
