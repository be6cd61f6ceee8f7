"""Plain data: the only values an answer may hand to a check, and how they cross from a kernel to the grader.

A check compares what the learner's code returned with what the rule says, and when grading the two
live in different processes. So an answer's result must be *plain*: None, True/False, a number, text,
or lists, tuples, sets and dicts of plain values. Anything else (an object whose ``__eq__`` is always
true, a subclass of int, a numpy array) is refused with a sentence saying what came back. `encode`
turns a plain value into JSON text tagged where JSON is not enough (tuples, sets, dicts with other
keys than text, nan and infinities); `decode` rebuilds exactly those types and nothing else, so the
grader only ever compares values it built itself.

Taught in the README's section for instructors.

>>> decode(encode({("paris", 0): 2, "ok": (1, 2.5, None)}))
{('paris', 0): 2, 'ok': (1, 2.5, None)}
>>> encode(3) == encode(3.0), same(3, 3.0), same(True, 1)
(False, True, False)
>>> class Anything:
...     def __eq__(self, other): return True
>>> encode(Anything())
Traceback (most recent call last):
...
course.checks.plain.NotPlain: returned an Anything object; only None, True/False, numbers, text, and lists, ...
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_TEXT", "NotPlain", "decode", "describe", "encode", "from_json", "same", "to_json"]

MAX_TEXT = 2_000_000  # characters of encoded JSON one answer may take (a bigger answer is refused)
_TAG = "$"  # the key of a tagged JSON object; dicts whose keys are all text and none is "$" stay as they are
_DEPTH = 60  # nesting deeper than this is refused (a self-containing list would never end)


class NotPlain(ValueError):
    """The value is not plain data (or is too big or too deep), so no check can trust it."""


def _kind(value: Any) -> str:
    name = type(value).__name__
    return f"an {name} object" if name[:1].lower() in "aeiou" else f"a {name} object"


def _numpy_scalar(value: Any) -> Any:
    """A numpy number or bool as the Python value it holds (numpy's float64 and int64 are common in answers)."""
    kind = type(value)
    if kind.__module__ == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        item = value.item()
        if type(item) in (bool, int, float):
            return item
    return None


def to_json(value: Any, depth: int = 0) -> Any:
    """The JSON-ready form of a plain value; raises `NotPlain` naming what was returned instead."""
    if depth > _DEPTH:
        raise NotPlain(f"returned values nested more than {_DEPTH} deep")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {_TAG: "float", "v": repr(value)}
    if kind is list:
        return [to_json(v, depth + 1) for v in value]
    if kind is tuple:
        return {_TAG: "tuple", "v": [to_json(v, depth + 1) for v in value]}
    if kind in (set, frozenset):
        items = [to_json(v, depth + 1) for v in value]
        return {_TAG: "set", "v": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if kind is dict:
        if all(type(k) is str for k in value) and _TAG not in value:
            return {k: to_json(v, depth + 1) for k, v in value.items()}
        return {_TAG: "dict", "v": [[to_json(k, depth + 1), to_json(v, depth + 1)] for k, v in value.items()]}
    scalar = _numpy_scalar(value)
    if scalar is not None:
        return scalar
    raise NotPlain(
        f"returned {_kind(value)}; only None, True/False, numbers, text, and lists, tuples, sets and dicts "
        "of them can be checked"
    )


def encode(value: Any) -> str:
    """`value` as JSON text, or `NotPlain` when it is not plain data or its text would pass `MAX_TEXT`."""
    text = json.dumps(to_json(value), ensure_ascii=False, sort_keys=False)
    if len(text) > MAX_TEXT:
        raise NotPlain(f"returned {len(text):,} characters of data; at most {MAX_TEXT:,} can be checked")
    return text


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        raise NotPlain("a set or dict key cannot be a list")
    if isinstance(value, dict):
        raise NotPlain("a set or dict key cannot be a dict")
    if isinstance(value, set):
        return frozenset(value)
    return value


def from_json(data: Any, depth: int = 0) -> Any:
    """Rebuild a plain value from its JSON-ready form; anything unexpected raises `NotPlain`."""
    if depth > _DEPTH:
        raise NotPlain(f"values nested more than {_DEPTH} deep")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [from_json(v, depth + 1) for v in data]
    if kind is not dict:
        raise NotPlain(f"unexpected JSON value {type(data).__name__}")
    if _TAG not in data:
        return {k: from_json(v, depth + 1) for k, v in data.items()}
    tag, items = data.get(_TAG), data.get("v")
    if tag == "float" and items in ("nan", "inf", "-inf"):
        return float(items)
    if not isinstance(items, list):
        raise NotPlain(f"a tagged value {tag!r} without its items")
    if tag == "tuple":
        return tuple(from_json(v, depth + 1) for v in items)
    if tag == "set":
        return {_hashable(from_json(v, depth + 1)) for v in items}
    if tag == "dict" and all(isinstance(pair, list) and len(pair) == 2 for pair in items):
        return {_hashable(from_json(k, depth + 1)): from_json(v, depth + 1) for k, v in items}
    raise NotPlain(f"an unknown tagged value {tag!r}")


def decode(text: str) -> Any:
    """The plain value `encode` wrote; raises `NotPlain` for text that is not what `encode` writes."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise NotPlain("the answer's data is missing or too large")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotPlain(f"the answer's data is not JSON ({type(exc).__name__})") from None
    return from_json(data)


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def same(got: Any, want: Any) -> bool:
    """True when `got` equals `want` as plain data: numbers by value, lists and tuples alike, True never 1.

    >>> same([1, 2.0], (1, 2)), same({"a": [True]}, {"a": [1]}), same(None, 0)
    (True, False, False)
    """
    if want is None or got is None:
        return got is None and want is None
    if type(want) is bool or type(got) is bool:
        return type(got) is bool and type(want) is bool and got == want
    if _number(want):
        return _number(got) and (got == want or (math.isnan(got) and math.isnan(want)))
    if type(want) is str:
        return type(got) is str and got == want
    if isinstance(want, (list, tuple)):
        return (
            isinstance(got, (list, tuple))
            and len(got) == len(want)
            and all(same(g, w) for g, w in zip(got, want, strict=True))
        )
    if isinstance(want, (set, frozenset)):
        return isinstance(got, (set, frozenset)) and got == want
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(same(got[k], want[k]) for k in want)
    return False


def describe(value: Any, width: int = 100) -> str:
    """A one-line repr of `value`, shortened to about `width` characters (long lists say how long they are).

    >>> describe(list(range(1000)), width=30)
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, …] (1000 items)'
    """
    text = repr(value)  # one line: repr escapes newlines in text
    if len(text) <= width:
        return text
    size = f" ({len(value)} items)" if isinstance(value, (list, tuple, set, frozenset, dict)) else ""
    cut = text[: max(width - 2, 1)]
    if ", " in cut:
        cut = cut[: cut.rindex(", ") + 1]
    return f"{cut} …{text[-1] if text[-1] in ')]}' else ''}{size}"
