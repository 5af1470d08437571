"""JSON values the API can store and send back faithfully, and where a document has others.

JSON's grammar allows strings with lone surrogates (`"\\ud800"`, not Unicode: they cannot be
encoded as UTF-8 to store or send) and integers of any length (beyond a few thousand digits
Python refuses to read or write them), and Python's parser reads `NaN`, `Infinity` and
`1e999` (no JSON text may hold them). Validation names the field of each such value, so the
client gets a 422 instead of a job it cannot read back. Integers beyond 64 bits are kept
whole (see service.responses).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# Longest integer taken, in digits: far below what Python can read and write, far beyond any
# id or count a client keeps.
MAX_INTEGER_DIGITS = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class UnreadableInteger:
    """An integer literal of more than MAX_INTEGER_DIGITS digits, left unread by
    service.bodies.parse_json for validation to name the field it is in."""

    digits: int


Path = tuple[str, ...]


def _surrogate(text: str) -> str | None:
    found = _SURROGATE.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _number_problem(value: Any) -> str | None:
    if isinstance(value, UnreadableInteger):
        return (
            f"Integer out of range: it has {value.digits} digits, at most "
            f"{MAX_INTEGER_DIGITS:,} are taken (a longer number may go as a string)."
        )
    if isinstance(value, float) and not math.isfinite(value):
        return "Must be a finite number: NaN, Infinity and numbers beyond 1.8e308 are not JSON."
    return None


def unfaithful(
    document: Any, skip: Callable[[Path, Any], bool] | None = None
) -> Iterator[tuple[Path, str]]:
    """Each value of `document` that cannot be stored and sent back as it came: its path
    (the containing object's, for a key) and what is wrong with it. Values for which
    `skip(path, value)` is true are not looked into. Iterative, so any depth the parser
    accepted is walked."""
    stack: list[tuple[Path, Any]] = [((), document)]
    while stack:
        where, value = stack.pop()
        if skip is not None and skip(where, value):
            continue
        if isinstance(value, str):
            code_point = _surrogate(value)
            if code_point:
                yield (
                    where,
                    (
                        f"Not valid Unicode: holds a lone surrogate ({code_point}), which cannot "
                        "be stored or sent back."
                    ),
                )
        elif isinstance(value, dict):
            items = []
            for key, item in value.items():
                code_point = _surrogate(key)
                if code_point:
                    yield (
                        where,
                        (f"A key is not valid Unicode: it holds a lone surrogate ({code_point})."),
                    )
                    continue
                items.append(((*where, key), item))
            stack.extend(reversed(items))
        elif isinstance(value, list):
            stack.extend(reversed([((*where, str(i)), item) for i, item in enumerate(value)]))
        else:
            problem = _number_problem(value)
            if problem:
                yield where, problem


def depth(document: Any) -> int:
    """How deeply objects and arrays nest in `document` (a scalar is 0, `{}` is 1)."""
    deepest = 0
    stack: list[tuple[int, Any]] = [(0, document)]
    while stack:
        level, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((level + 1, item) for item in value.values())
            deepest = max(deepest, level + 1)
        elif isinstance(value, list):
            stack.extend((level + 1, item) for item in value)
            deepest = max(deepest, level + 1)
    return deepest


def nested_messages(problems: list[tuple[Path, str]]) -> dict[str, Any]:
    """Problems by path as marshmallow nests error messages (`_schema` for the object
    itself), for a ValidationError."""
    messages: dict[str, Any] = {}
    for path, detail in problems:
        node = messages
        for part in path:
            node = node.setdefault(part, {})
        node.setdefault("_schema", []).append(detail)
    return messages
