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
import numbers
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any, TypeVar

__all__ = [
    "MAX_BINS",
    "MAX_COUNT",
    "MAX_UNTIL",
    "bin_count",
    "choice",
    "covers",
    "distinct",
    "duration",
    "function",
    "instance",
    "items",
    "number",
    "probability",
    "rate",
    "seed",
    "text",
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
    """True for ints and floats (and numpy's numbers), never for True and False."""
    return not isinstance(value, bool) and isinstance(value, (int, float, numbers.Real))


def _finite(value: Any) -> bool:
    """True for a number a float can hold (an int too large for a float is not finite here)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def whole(name: str, value: object, *, minimum: int = 0, maximum: int = MAX_COUNT, why: str = "") -> int:
    """Return `value` if it is a whole number from `minimum` to `maximum`, else say why it must be.

    >>> whole("partitions", 6, minimum=1)
    6
    >>> whole("partitions", True, minimum=1, why="a topic needs a partition")
    Traceback (most recent call last):
    ...
    ValueError: partitions must be a whole number of at least 1 (got True): a topic needs a partition
    """
    ok = not isinstance(value, bool) and isinstance(value, (int, numbers.Integral))
    if ok and not isinstance(value, int):
        value = int(value)  # type: ignore[call-overload]  # a numpy integer
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
    above: float | None = None,
    below: float | None = None,
    why: str = "",
) -> float:
    """Return `value` as a float if it is a finite real number within the bounds, else say why it must be.

    `positive` means strictly above zero; `minimum` and `maximum` are inclusive, `above` and `below`
    exclusive. An infinite `maximum` means no upper bound (the value must still be finite).

    >>> number("factor", 2, positive=True)
    2.0
    >>> number("factor", 0, positive=True, why="a speed-up of zero stops the backend")
    Traceback (most recent call last):
    ...
    ValueError: factor must be a positive number (got 0): a speed-up of zero stops the backend
    >>> number("utilization", 1.0, above=0, below=1, why="at 1 the queue never settles")
    Traceback (most recent call last):
    ...
    ValueError: utilization must be a number above 0 and below 1 (got 1.0): at 1 the queue never settles
    """
    if maximum is not None and math.isinf(maximum) and maximum > 0:
        maximum = None
    if above is not None or below is not None:
        low = f"above {above:g}" if above is not None else (f"at least {minimum:g}" if minimum is not None else "")
        high = f"below {below:g}" if below is not None else (f"at most {maximum:g}" if maximum is not None else "")
        need = "a number " + " and ".join(part for part in (low, high) if part)
    elif positive:
        need = "a positive number" + (f" of at most {maximum:g}" if maximum is not None else "")
    elif minimum is not None and maximum is not None:
        need = f"a number from {minimum:g} to {maximum:g}"
    elif minimum is not None:
        need = f"a finite number of at least {minimum:g}"
    elif maximum is not None:
        need = f"a finite number of at most {maximum:g}"
    else:
        need = "a finite number"
    if not _is_real(value) or not _finite(value):
        raise _fail(name, need, value, why)
    v = float(value)  # type: ignore[arg-type]
    if (positive and not v > 0) or (minimum is not None and v < minimum) or (above is not None and not v > above):
        raise _fail(name, need, value, why)
    if (maximum is not None and v > maximum) or (below is not None and not v < below):
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


def text(name: str, value: object, *, example: str = "", why: str = "") -> str:
    """Return `value` if it is non-empty text, else say what it must be (with an example, and why).

    >>> text("city", "paris")
    'paris'
    >>> text("stream_id", "", example="'ride-7'", why="it names the stream")
    Traceback (most recent call last):
    ...
    ValueError: stream_id must be non-empty text (got ''): for example 'ride-7'; it names the stream
    """
    if isinstance(value, str) and value:
        return value
    tail = "; ".join(part for part in (f"for example {example}" if example else "", why) if part)
    raise _fail(name, "non-empty text", value, tail)


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
        names = " or ".join(("an " if k.__name__[0] in "AEIOUaeiou" else "a ") + k.__name__ for k in kinds)
        raise _fail(name, names, value, f"for example {example}" if example else "")
    return value  # type: ignore[return-value]


def items(
    name: str,
    value: object,
    *,
    minimum: int = 0,
    maximum: int = MAX_COUNT,
    example: str = "",
    why: str = "",
) -> list[Any]:
    """Return the elements of `value` as a list if it is a collection (not a string, not a single number)
    of `minimum` to `maximum` elements (an endless iterator is refused, never drained).

    >>> items("layers", (["a"], ["b", "c"]))
    [['a'], ['b', 'c']]
    >>> items("utilizations", 0.5, example="utilizations=[0.5, 0.9]")
    Traceback (most recent call last):
    ...
    ValueError: utilizations must be a list (got 0.5): for example utilizations=[0.5, 0.9]
    >>> items("x", [0.0, 1.0], minimum=3, maximum=3)
    Traceback (most recent call last):
    ...
    ValueError: x must hold exactly 3 items (got 2)
    """
    tail = why or (f"for example {example}" if example else "")
    if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Iterable):
        raise _fail(name, "a list", value, tail)
    out = list(islice(value, maximum + 1))
    if not minimum <= len(out) <= maximum:
        if minimum == maximum:
            need = f"exactly {maximum:,} items"
        elif len(out) > maximum:
            need = f"at most {maximum:,} items"
        else:
            need = f"at least {minimum:,} items"
        got = f"more than {maximum:,}" if len(out) > maximum else f"{len(out):,}"
        raise ValueError(f"{name} must hold {need} (got {got})" + (f": {tail}" if tail else ""))
    return out


def distinct(name: str, values: Iterable[T], *, why: str = "") -> list[T]:
    """Return `values` as a list if no value appears twice, else name the first repeat.

    >>> distinct("backends", ["b0", "b1"])
    ['b0', 'b1']
    >>> distinct("layers", ["a", "b", "a"], why="a node has one position")
    Traceback (most recent call last):
    ...
    ValueError: layers must not repeat a value (got 'a' twice): a node has one position
    """
    out = list(values)
    seen: set[Any] = set()
    for value in out:
        if value in seen:
            raise ValueError(f"{name} must not repeat a value (got {_got(value)} twice)" + (f": {why}" if why else ""))
        seen.add(value)
    return out


def covers(name: str, value: Mapping[Any, Any], required: Iterable[Any], *, why: str = "") -> Mapping[Any, Any]:
    """Return the mapping `value` if it has an entry for every one of `required`, else list the missing ones.

    >>> covers("pos", {"client": (0, 0)}, ["client"])
    {'client': (0, 0)}
    >>> covers("pos", {"client": (0, 0)}, ["client", "gateway"], why="add them to the layout")
    Traceback (most recent call last):
    ...
    ValueError: pos must have an entry for every one of 'client', 'gateway' (none for 'gateway'): add them to the layout
    """
    needed = list(required)
    missing = [key for key in needed if key not in value]
    if missing:
        listed = ", ".join(map(repr, needed)) if len(needed) <= 12 else f"{len(needed)} keys"
        raise ValueError(
            f"{name} must have an entry for every one of {listed} (none for {', '.join(map(repr, missing[:12]))})"
            + (f": {why}" if why else "")
        )
    return value


def function(name: str, value: object, *, example: str = "") -> Callable[..., Any]:
    """Return `value` if it can be called (a function, a class, a method), else say what was expected.

    >>> function("rate_fn", abs) is abs
    True
    >>> function("on_done", 3, example="on_done=records.append")
    Traceback (most recent call last):
    ...
    ValueError: on_done must be a function (got 3): for example on_done=records.append
    """
    if not callable(value):
        raise _fail(name, "a function", value, f"for example {example}" if example else "")
    return value


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
