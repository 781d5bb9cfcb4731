"""The tree a parsed expression is, and its evaluation: each node is immutable and
evaluates itself against an `EvalContext` (answers, the current answer, today).
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.forms.expr.functions import FUNCTIONS
from handlers.forms.expr.values import arith, checked, equals, normalize, ordered, to_number, truth

_COMPARATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})


@dataclass
class EvalContext:
    """Inputs for evaluation: answers by question name, the current answer, today's date."""

    values: Mapping[str, object]
    current: object = None
    today: datetime.date | None = None


class Node(abc.ABC):
    """A node of the tree; `children` lets a walk find the ${name} it reads."""

    @abc.abstractmethod
    def eval(self, ctx: EvalContext) -> object:
        """The node's value in a context."""

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    value: object

    def eval(self, ctx: EvalContext) -> object:
        return self.value


@dataclass(frozen=True)
class Ref(Node):
    name: str

    def eval(self, ctx: EvalContext) -> object:
        return normalize(ctx.values.get(self.name, ""))


@dataclass(frozen=True)
class Current(Node):
    def eval(self, ctx: EvalContext) -> object:
        return normalize(ctx.current)


@dataclass(frozen=True)
class Neg(Node):
    operand: Node

    def eval(self, ctx: EvalContext) -> object:
        return checked(-to_number(self.operand.eval(ctx)))

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Logical(Node):
    op: str  # "and" / "or"; operands are flattened so long chains don't deepen the tree
    operands: tuple[Node, ...]

    def eval(self, ctx: EvalContext) -> object:
        want = self.op == "or"  # short-circuit value
        return want if any(truth(o.eval(ctx)) == want for o in self.operands) else not want

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True)
class Chain(Node):
    """Left-associative run of same-precedence binary operators, evaluated iteratively."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def eval(self, ctx: EvalContext) -> object:
        left = self.first.eval(ctx)
        for op, node in self.rest:
            right = node.eval(ctx)
            if op == "=":
                left = equals(left, right)
            elif op == "!=":
                left = not equals(left, right)
            elif op in _COMPARATORS:
                left = ordered(op, left, right)
            else:
                left = arith(op, left, right)
        return left

    def children(self) -> tuple[Node, ...]:
        return (self.first, *(node for _, node in self.rest))


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]

    def eval(self, ctx: EvalContext) -> object:
        return FUNCTIONS[self.name][1](ctx, self.args)

    def children(self) -> tuple[Node, ...]:
        return self.args
