"""One way to check every argument of the course: each check returns the value or raises a ValueError
that names the argument, says what it must be, shows what came, and says why it matters.

Every package validates with these functions, so every message reads the same:
"`servers` must be a whole number of at least 1 (got 0): a load balancer needs somewhere to send traffic".
`True` and `False` are never accepted as numbers, and NaN or infinity never as a finite quantity.

>>> whole("servers", 3, minimum=1, why="a pool needs a server")
3
>>> number("rate", float("nan"), minimum=0, why="requests per second")
Traceback (most recent call last):
...
ValueError: rate must be a finite number of at least 0 (got nan): requests per second
>>> choice("strategy", "fastest", ["round_robin", "random"])
Traceback (most recent call last):
...
ValueError: strategy must be one of 'round_robin', 'random' (got 'fastest')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

__all__ = [
    "MAX_BINS",
    "MAX_COUNT",
    "MAX_UNTIL",
    "bin_count",
    "choice",
    "duration",
    "instance",
    "number",
    "probability",
    "rate",
    "seed",
    "until",
    "whole",
]

T = TypeVar("T")

MAX_UNTIL = 1_000_000.0  # simulated seconds: about 11.5 days, far beyond any lesson
MAX_COUNT = 10_000_000  # the largest count any toy accepts (servers, partitions, messages...)
MAX_BINS = 100_000  # a time series never has more bins than this


def _got(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(name: str, need: str, value: object, why: str) -> ValueError:
    tail = f": {why}" if why else ""
    return ValueError(f"{name} must be {need} (got {_got(value)}){tail}")


def _is_real(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def whole(name: str, value: object, *, minimum: int = 0, maximum: int = MAX_COUNT, why: str = "") -> int:
    """Return `value` if it is a whole number from `minimum` to `maximum`, else say why it must be.

    >>> whole("partitions", 6, minimum=1)
    6
    >>> whole("partitions", True, minimum=1, why="a topic needs a partition")
    Traceback (most recent call last):
    ...
    ValueError: partitions must be a whole number of at least 1 (got True): a topic needs a partition
    """
    ok = not isinstance(value, bool) and isinstance(value, int)
    if ok and minimum <= value <= maximum:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    if ok and value > maximum:  # type: ignore[operator]
        raise _fail(name, f"a whole number of at most {maximum:,}", value, why or "the toy keeps everything in memory")
    raise _fail(name, f"a whole number of at least {minimum}", value, why)


def number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
    why: str = "",
) -> float:
    """Return `value` as a float if it is a finite real number within the bounds, else say why it must be.

    `positive` means strictly above zero; `minimum` and `maximum` are inclusive.

    >>> number("factor", 2, positive=True)
    2.0
    >>> number("factor", 0, positive=True, why="a speed-up of zero stops the backend")
    Traceback (most recent call last):
    ...
    ValueError: factor must be a positive number (got 0): a speed-up of zero stops the backend
    """
    if positive:
        need = "a positive number" + (f" of at most {maximum:g}" if maximum is not None else "")
    elif minimum is not None and maximum is not None:
        need = f"a number from {minimum:g} to {maximum:g}"
    elif minimum is not None:
        need = f"a finite number of at least {minimum:g}"
    elif maximum is not None:
        need = f"a finite number of at most {maximum:g}"
    else:
        need = "a finite number"
    if not _is_real(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise _fail(name, need, value, why)
    v = float(value)  # type: ignore[arg-type]
    if (positive and not v > 0) or (minimum is not None and v < minimum):
        raise _fail(name, need, value, why)
    if maximum is not None and v > maximum:
        raise _fail(name, need, value, why)
    return v


def probability(name: str, value: object, *, why: str = "") -> float:
    """Return `value` if it is a probability (a number from 0 to 1), else say why it must be.

    >>> probability("failure_rate", 0.1)
    0.1
    >>> probability("failure_rate", 1.5, why="a share of messages")
    Traceback (most recent call last):
    ...
    ValueError: failure_rate must be a number from 0 to 1 (got 1.5): a share of messages
    """
    return number(name, value, minimum=0.0, maximum=1.0, why=why)


def duration(name: str, value: object, *, positive: bool = False, maximum: float = MAX_UNTIL, why: str = "") -> float:
    """Return `value` if it is a finite number of simulated seconds (zero allowed unless `positive`).

    >>> duration("timeout", 0.5, positive=True)
    0.5
    >>> duration("delay", -1, why="events cannot happen in the past")
    Traceback (most recent call last):
    ...
    ValueError: delay must be a number from 0 to 1e+06 (got -1): events cannot happen in the past
    """
    if positive:
        return number(name, value, positive=True, maximum=maximum, why=why)
    return number(name, value, minimum=0.0, maximum=maximum, why=why)


def rate(name: str, value: object, *, positive: bool = False, maximum: float = 1e7, why: str = "") -> float:
    """Return `value` if it is a finite rate per simulated second (zero allowed unless `positive`).

    >>> rate("rate", 100)
    100.0
    >>> rate("rate", float("inf"), why="requests per second")
    Traceback (most recent call last):
    ...
    ValueError: rate must be a number from 0 to 1e+07 (got inf): requests per second
    """
    return duration(name, value, positive=positive, maximum=maximum, why=why)


def until(value: object, *, name: str = "until", maximum: float = MAX_UNTIL) -> float:
    """Return a run's end time if it is a positive, finite number of simulated seconds (every run is bounded).

    >>> until(60)
    60.0
    >>> until(float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: until must be a positive number of at most 1e+06 (got inf): a run needs an end, in simulated seconds
    """
    return number(name, value, positive=True, maximum=maximum, why="a run needs an end, in simulated seconds")


def seed(value: object, *, name: str = "seed") -> int:
    """Return `value` if it is a whole number usable as a seed (any size, negative too).

    >>> seed(7)
    7
    >>> seed(None)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a whole number (got None): pick any, e.g. seed=0; the same seed gives the same run
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(name, "a whole number", value, "pick any, e.g. seed=0; the same seed gives the same run")
    return value


def choice(name: str, value: Any, options: Iterable[Any] | Mapping[Any, Any]) -> Any:
    """Return `value` if it is one of `options` (for a mapping: what it maps to), else list the valid ones.

    >>> choice("layer", "L4", {"L4": 4, "L7": 7})
    4
    >>> choice("acks", 2, [0, 1, "all"])
    Traceback (most recent call last):
    ...
    ValueError: acks must be one of 0, 1, 'all' (got 2)
    """
    valid = list(options)
    try:
        known = not isinstance(value, bool) and value in valid
    except TypeError:  # unhashable or uncomparable: not one of them
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, valid))} (got {_got(value)})")
    return options[value] if isinstance(options, Mapping) else value


def instance(name: str, value: object, kind: type[T] | tuple[type, ...], *, example: str = "") -> T:
    """Return `value` if it is an instance of `kind`, else name the type expected (and show an example).

    >>> instance("limiter", 3, (int,))
    3
    >>> instance("events", "abc", list, example="events=[Outage('b0', at=6)]")
    Traceback (most recent call last):
    ...
    ValueError: events must be a list (got 'abc'): for example events=[Outage('b0', at=6)]
    """
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        names = " or ".join(("a " if k.__name__[0] not in "AEIOU" else "an ") + k.__name__ for k in kinds)
        raise _fail(name, names, value, f"for example {example}" if example else "")
    return value  # type: ignore[return-value]


def bin_count(bin: object, span: float, *, name: str = "bin") -> int:
    """Return how many bins of `bin` seconds cover `span` seconds, refusing widths that are not
    positive numbers or that would make more than `MAX_BINS` bins.

    >>> bin_count(1.0, 60)
    60
    >>> bin_count(1e-6, 60)
    Traceback (most recent call last):
    ...
    ValueError: bin must be at least 0.0006 seconds for a 60 s run (got 1e-06): a chart shows at most 100,000 bins
    """
    width = number(name, bin, positive=True, why="the width of one time bin, in simulated seconds")
    smallest = span / MAX_BINS
    if width < smallest:
        raise ValueError(
            f"{name} must be at least {smallest:g} seconds for a {span:g} s run (got {_got(bin)}): "
            f"a chart shows at most {MAX_BINS:,} bins"
        )
    return max(1, math.ceil(span / width))
