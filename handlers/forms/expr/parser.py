"""An expression's source text read into a tree of nodes (handlers/forms/expr/nodes.py).

A linear tokenizer and a depth-limited recursive-descent parser, one method per XPath
precedence level; a function's name and number of arguments are checked here, and a
literal regex() pattern, so a form with a broken expression does not load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.forms.expr.functions import FUNCTIONS, compile_pattern
from handlers.forms.expr.nodes import Call, Chain, Current, Literal, Logical, Neg, Node, Ref
from handlers.forms.expr.values import MAX_MAGNITUDE, ExpressionError, short, to_str

MAX_DEPTH = 50

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # ${name}
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "str", "ref", "dot", "name", "op" or "end"
    value: object
    pos: int


def _tokenize(src: str) -> list[_Token]:
    """Split ``src`` into tokens in a single left-to-right pass (O(n))."""
    tokens: list[_Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch in " \t\r\n":
            i += 1
        elif ch in "'\"":
            # XPath strings have no escapes: the next matching quote ends the literal.
            end = src.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(f"unterminated string starting at position {i}")
            tokens.append(_Token("str", src[i + 1 : end], i))
            i = end + 1
        elif m := _NUMBER_RE.match(src, i):
            tokens.append(_Token("num", _number_literal(m.group(), i), i))
            i = m.end()
        elif ch == ".":
            tokens.append(_Token("dot", ".", i))
            i += 1
        elif ch == "$":
            if not (m := REFERENCE.match(src, i)):
                raise ExpressionError(f"malformed ${{name}} reference at position {i}")
            tokens.append(_Token("ref", m.group(1), i))
            i = m.end()
        elif m := _NAME_RE.match(src, i):
            tokens.append(_Token("name", m.group(), i))
            i = m.end()
        else:
            sym = next((s for s in _SYMBOLS if src.startswith(s, i)), None)
            if sym is None:
                raise ExpressionError(f"unexpected character {ch!r} at position {i}")
            tokens.append(_Token("op", sym, i))
            i += len(sym)
    tokens.append(_Token("end", None, n))
    return tokens


def _number_literal(text: str, pos: int) -> int | float:
    value: int | float = float(text) if "." in text else int(text)
    if not abs(value) <= MAX_MAGNITUDE:  # also catches inf from very long decimals
        raise ExpressionError(f"number too large at position {pos}")
    return value


class Parser:
    """Recursive descent, one method per XPath precedence level (lowest first)."""

    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    def parse(self) -> Node:
        """The tree of the whole source; anything left over is an error."""
        if self._peek().kind == "end":
            raise ExpressionError("empty expression at position 0")
        node = self._logical("or", self._and)
        tok = self._peek()
        if tok.kind != "end":
            raise self._unexpected(tok)
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _unexpected(self, tok: _Token) -> ExpressionError:
        what = "end of expression" if tok.kind == "end" else short(tok.value)
        return ExpressionError(f"unexpected {what} at position {tok.pos}")

    def _expect(self, symbol: str) -> None:
        tok = self._advance()
        if tok.kind != "op" or tok.value != symbol:
            raise ExpressionError(f"expected {symbol!r} at position {tok.pos}")

    def _enter(self, tok: _Token) -> None:
        # Bounding depth keeps both parser and evaluator recursion far from Python's limit.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nesting deeper than {MAX_DEPTH} at position {tok.pos}")

    def _operator(self, ops: frozenset[str]) -> str | None:
        tok = self._peek()
        if tok.kind == "op" or (tok.kind == "name" and tok.value in _WORD_OPERATORS):
            return tok.value if tok.value in ops else None  # type: ignore[return-value]
        return None

    def _logical(self, op: str, lower: Callable[[], Node]) -> Node:
        operands = [lower()]
        while self._operator(frozenset({op})):
            self._advance()
            operands.append(lower())
        return Logical(op, tuple(operands)) if len(operands) > 1 else operands[0]

    def _and(self) -> Node:
        return self._logical("and", lambda: self._chain(_EQ_OPS, self._relational))

    def _relational(self) -> Node:
        return self._chain(_REL_OPS, lambda: self._chain(_ADD_OPS, self._multiplicative))

    def _multiplicative(self) -> Node:
        return self._chain(_MUL_OPS, self._unary)

    def _chain(self, ops: frozenset[str], lower: Callable[[], Node]) -> Node:
        first = lower()
        rest: list[tuple[str, Node]] = []
        while op := self._operator(ops):
            self._advance()
            rest.append((op, lower()))
        return Chain(first, tuple(rest)) if rest else first

    def _unary(self) -> Node:
        tok = self._peek()
        if tok.kind == "op" and tok.value == "-":
            self._advance()
            self._enter(tok)
            node = Neg(self._unary())
            self.depth -= 1
            return node
        return self._primary()

    def _primary(self) -> Node:
        tok = self._advance()
        if tok.kind in ("num", "str"):
            return Literal(tok.value)
        if tok.kind == "ref":
            return Ref(str(tok.value))
        if tok.kind == "dot":
            return Current()
        if tok.kind == "op" and tok.value == "(":
            self._enter(tok)
            node = self._logical("or", self._and)
            self._expect(")")
            self.depth -= 1
            return node
        if tok.kind == "name":
            return self._call(tok)
        raise self._unexpected(tok)

    def _call(self, tok: _Token) -> Node:
        name = str(tok.value)
        nxt = self._peek()
        if nxt.kind != "op" or nxt.value != "(":
            raise ExpressionError(f"unexpected name {short(name)} at position {tok.pos}")
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {short(name)} at position {tok.pos}")
        self._advance()
        self._enter(tok)
        args: list[Node] = []
        if self._operator(frozenset({")"})) is None:
            args.append(self._logical("or", self._and))
            while self._operator(frozenset({","})):
                self._advance()
                args.append(self._logical("or", self._and))
        self._expect(")")
        self.depth -= 1
        arity = FUNCTIONS[name][0]
        if len(args) != arity:
            raise ExpressionError(
                f"{name}() takes {arity} argument(s), got {len(args)} at position {tok.pos}"
            )
        if name in ("true", "false"):
            return Literal(name == "true")
        if name == "count" and not isinstance(args[0], Ref):
            raise ExpressionError(
                f"count() takes a ${{name}} of a repeat group at position {tok.pos}"
            )
        if name in ("max", "min") and not isinstance(args[0], Ref):
            raise ExpressionError(
                f"{name}() takes a ${{name}} of a repeat group's question at position {tok.pos}"
            )
        if name == "regex" and isinstance(args[1], Literal):
            try:  # report bad literal patterns when the form loads, not when a user answers
                compile_pattern(to_str(args[1].value))
            except ExpressionError as exc:
                raise ExpressionError(f"{exc} at position {tok.pos}") from None
        return Call(name, tuple(args))


_EQ_OPS = frozenset({"=", "!="})
_REL_OPS = frozenset({"<", "<=", ">", ">="})
_ADD_OPS = frozenset({"+", "-"})
_MUL_OPS = frozenset({"*", "div", "mod"})
