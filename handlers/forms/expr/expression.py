"""`Expression`, a parsed expression as the forms use it: evaluated, tested for truth (a
broken rule is false, never a crash), and asked which ``${name}`` it reads and how.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.forms.expr.functions import AGGREGATES
from handlers.forms.expr.nodes import Call, EvalContext, Node, Ref
from handlers.forms.expr.parser import Parser
from handlers.forms.expr.values import (
    ExpressionError,
    RepeatAnswers,
    RepeatInstances,
    normalize,
    to_str,
    truth,
)

MAX_SOURCE_LENGTH = 2000


@dataclass(frozen=True)
class Expression:
    """A parsed expression; construct through :func:`parse`."""

    source: str
    _root: Node = field(init=False, repr=False, compare=False)
    _refs: frozenset[str] = field(init=False, repr=False, compare=False)
    _counted: frozenset[str] = field(init=False, repr=False, compare=False)
    _aggregated: frozenset[str] = field(init=False, repr=False, compare=False)
    _plain: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.source, str):
            raise ExpressionError("expression must be a string")
        if len(self.source) > MAX_SOURCE_LENGTH:
            raise ExpressionError(f"expression longer than {MAX_SOURCE_LENGTH} characters")
        root = Parser(self.source).parse()
        plain: set[str] = set()  # ${name} read as one value
        read_whole: dict[str, set[str]] = {"count": set(), "max": set(), "min": set()}
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, Ref):
                plain.add(node.name)
            elif isinstance(node, Call) and node.name in AGGREGATES:
                read_whole[node.name].update(a.name for a in node.args if isinstance(a, Ref))
                continue  # the parser made the argument a ${name}
            stack.extend(node.children())
        aggregated = read_whole["max"] | read_whole["min"]
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_refs", frozenset(plain | read_whole["count"] | aggregated))
        object.__setattr__(self, "_counted", frozenset(read_whole["count"]))
        object.__setattr__(self, "_aggregated", frozenset(aggregated))
        object.__setattr__(self, "_plain", frozenset(plain))

    def evaluate(self, ctx: EvalContext) -> object:
        """Evaluate against ``ctx``; every failure surfaces as :class:`ExpressionError`."""
        try:
            return self._root.eval(ctx)
        except ExpressionError:
            raise
        except Exception as exc:  # contract: callers only ever see ExpressionError
            raise ExpressionError(f"evaluation failed: {type(exc).__name__}") from exc

    def truthy(self, ctx: EvalContext) -> bool:
        """Evaluate with XLSForm truthiness; any runtime error yields ``False``."""
        try:
            return truth(self.evaluate(ctx))
        except Exception:  # a broken relevant/constraint must never crash the bot
            return False

    def references(self) -> frozenset[str]:
        """Return the set of ``${name}`` question names this expression reads."""
        return self._refs

    def counted(self) -> frozenset[str]:
        """The ``${name}`` references this expression counts (``count(${name})``): they must
        name repeat groups."""
        return self._counted

    def aggregated(self) -> frozenset[str]:
        """The ``${name}`` references read through ``max()`` or ``min()``: they must name
        questions of a repeat group."""
        return self._aggregated

    def plain(self) -> frozenset[str]:
        """The ``${name}`` references read as one value (not counted nor aggregated)."""
        return self._plain


def text_of(value: object) -> str:
    """A value as a message shows it (``${name}`` in a constraint message): a repeat group
    as its number of items, a repeat group's question outside its items as nothing, an
    answer as expressions see it."""
    if isinstance(value, RepeatInstances):
        return str(value.count)
    if isinstance(value, RepeatAnswers):
        return ""
    return to_str(normalize(value))


def parse(source: str) -> Expression:
    """Parse ``source`` into an :class:`Expression` or raise :class:`ExpressionError`."""
    return Expression(source)
