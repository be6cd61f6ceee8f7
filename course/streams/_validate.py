"""Checks shared by the streams toys: each raises a ValueError whose message names the fix."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["choice", "number", "whole"]


def whole(name: str, value: object, minimum: int, why: str) -> int:
    """Return `value` if it is a whole number of at least `minimum`, else explain why it must be."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum} (got {value!r}): {why}")
    return value


def number(name: str, value: object, why: str, *, minimum: float | None = None, positive: bool = False) -> float:
    """Return `value` if it is a finite real number (above 0 if `positive`, at least `minimum` if given)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if ok and positive and not value > 0:
        ok = False
    if ok and minimum is not None and value < minimum:
        ok = False
    if not ok:
        if positive:
            need = "a positive number"
        elif minimum is not None:
            need = f"a number of at least {minimum:g}"
        else:
            need = "a finite number"
        raise ValueError(f"{name} must be {need} (got {value!r}): {why}")
    return value  # type: ignore[return-value]


def choice(name: str, value: object, valid: Iterable[object]) -> object:
    """Return `value` if it is one of `valid`, else list the valid ones."""
    options = list(valid)
    if isinstance(value, bool) or value not in options:
        listed = ", ".join(repr(v) for v in options)
        raise ValueError(f"unknown {name} {value!r}: choose one of {listed}")
    return value
