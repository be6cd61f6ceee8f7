"""Rate limiting: four ways to decide whether one more request from a client may pass now.

Each limiter keeps separate state per `key` (one per client), takes times in seconds, and
offers `allow(now, key)` (decide, and count the request if it passes) and
`retry_after(now, key)` (how long until a request would pass: what a 429's `Retry-After` says).
A refused request never costs anything, and time may not go backwards for a key.

Times are counted in whole nanoseconds (see `course.gateway.clock`) and tokens in exact
fractions of a token, so every boundary below holds exactly: `0.3` really is three windows
of `0.1`. Real HTTP sends `Retry-After` in whole seconds; the toy keeps fractions.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from collections import deque
from fractions import Fraction
from typing import Any

from ..sim import validate
from .clock import TICKS_PER_SECOND, seconds, span, ticks
from .messages import _hashable

__all__ = [
    "LIMITERS",
    "FixedWindow",
    "RateLimiter",
    "SlidingWindowCounter",
    "SlidingWindowLog",
    "TokenBucket",
    "make_limiter",
]


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _exact(x: float) -> Fraction:
    """The number as written: 0.1 means one tenth, not the float nearest to it."""
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


class RateLimiter:
    """Base of the four limiters: per-key state, the time checks, `retry_after` and copies."""

    name = ""
    _params: tuple[str, ...] = ()

    def __init__(self):
        self._state: dict[Any, tuple] = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={_number(getattr(self, p))}" for p in self._params)
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RateLimiter):
            return NotImplemented
        return type(self) is type(other) and all(getattr(self, p) == getattr(other, p) for p in self._params)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(getattr(self, p) for p in self._params)))

    @property
    def keys(self) -> list:
        """Every key (client) this limiter has seen."""
        return list(self._state)

    def fresh(self) -> RateLimiter:
        """A new limiter with the same settings and no history (each simulated run uses one)."""
        return type(self)(**{p: getattr(self, p) for p in self._params})

    def reset(self) -> None:
        """Forget every key's history."""
        self._state.clear()

    def _tick(self, now: float, key: Any) -> int:
        t = ticks(now)
        state = self._state.get(_hashable("key", key))
        if state is not None and t < state[-1]:
            raise ValueError(
                f"time went backwards for key {key!r}: now={now!r} s comes before {seconds(state[-1])!r} s; "
                "ask a limiter about requests in time order"
            )
        return t

    def allow(self, now: float, key: Any = "default") -> bool:  # pragma: no cover - interface
        """Decide on one request from `key` at `now`; count it if it passes."""
        raise NotImplementedError

    def retry_after(self, now: float, key: Any = "default") -> float:
        """Seconds from `now` until a request from `key` would pass (0.0 if one would pass now)."""
        return seconds(self._wait(self._tick(now, key), key))

    def _wait(self, t: int, key: Any) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class TokenBucket(RateLimiter):
    """Allow bursts of up to `capacity` requests, refilling `rate` tokens per second.

    A key's bucket is full at its first request. Before each request it refills:
    `tokens = min(capacity, tokens + elapsed * rate)`; the request passes iff `tokens >= 1`,
    and then costs one token. A refused request costs nothing.

    Taught in lessons/01_api_gateway.ipynb.

    >>> bucket = TokenBucket(capacity=2, rate=1.0)
    >>> [bucket.allow(now=0.0) for _ in range(3)]
    [True, True, False]
    >>> bucket.retry_after(now=0.25), bucket.allow(now=1.0)
    (0.75, True)
    """

    name = "token_bucket"
    _params = ("capacity", "rate")

    def __init__(self, capacity: float, rate: float):
        super().__init__()
        validate.number(
            "capacity",
            capacity,
            minimum=1,
            maximum=validate.MAX_COUNT,
            why="tokens; a bucket that cannot hold one token refuses everything (e.g. capacity=20)",
        )
        validate.rate(
            "rate",
            rate,
            positive=True,
            why="tokens per second; a bucket that never refills lets through only its first `capacity` requests",
        )
        self.capacity, self.rate = capacity, rate
        cap, r = _exact(capacity), _exact(rate)
        scale = math.lcm(cap.denominator, r.denominator)  # tokens are counted in units of 1/(1e9 * scale)
        self._one = TICKS_PER_SECOND * scale
        self._cap = cap.numerator * (self._one // cap.denominator)
        self._per_tick = r.numerator * (scale // r.denominator)  # units gained per nanosecond

    def _tokens(self, t: int, key: Any) -> int:
        state = self._state.get(key)
        if state is None:
            return self._cap
        tokens, last = state
        return min(self._cap, tokens + (t - last) * self._per_tick)

    def tokens(self, now: float, key: Any = "default") -> float:
        """Tokens in `key`'s bucket at `now` (after the refill, before any request)."""
        return self._tokens(self._tick(now, key), key) / self._one

    def allow(self, now: float, key: Any = "default") -> bool:
        t = self._tick(now, key)
        tokens = self._tokens(t, key)
        passed = tokens >= self._one
        self._state[key] = (tokens - self._one if passed else tokens, t)
        return passed

    def _wait(self, t: int, key: Any) -> int:
        missing = self._one - self._tokens(t, key)
        return 0 if missing <= 0 else -(-missing // self._per_tick)  # whole nanoseconds, rounded up


class FixedWindow(RateLimiter):
    """Allow at most `limit` requests per key in each window `[k * window, (k + 1) * window)`.

    Windows are aligned to multiples of `window` seconds; a request at exactly `k * window`
    opens the new window, and its count starts again from zero.

    Taught in lessons/01_api_gateway.ipynb.

    >>> limiter = FixedWindow(limit=2, window=1.0)
    >>> [limiter.allow(now) for now in (0.1, 0.2, 0.9, 1.0)]
    [True, True, False, True]
    >>> limiter.retry_after(now=1.5)
    0.0
    """

    name = "fixed_window"
    _params = ("limit", "window")

    def __init__(self, limit: int, window: float):
        super().__init__()
        self.limit = validate.whole(
            "limit", limit, minimum=1, why="how many requests each window lets through, e.g. limit=100"
        )
        self._w = span("window", window, "the length of one window in seconds, e.g. window=1.0")
        self.window = window

    def _count(self, t: int, key: Any) -> tuple[int, int]:
        k = t // self._w
        state = self._state.get(key)
        return (k, state[1]) if state is not None and state[0] == k else (k, 0)

    def count(self, now: float, key: Any = "default") -> int:
        """Requests `key` got through so far in the window holding `now`."""
        return self._count(self._tick(now, key), key)[1]

    def allow(self, now: float, key: Any = "default") -> bool:
        t = self._tick(now, key)
        k, count = self._count(t, key)
        passed = count < self.limit
        self._state[key] = (k, count + passed, t)
        return passed

    def _wait(self, t: int, key: Any) -> int:
        k, count = self._count(t, key)
        return 0 if count < self.limit else (k + 1) * self._w - t


class SlidingWindowLog(RateLimiter):
    """Allow a request iff fewer than `limit` accepted requests of its key lie in `(now - window, now]`.

    The log keeps only accepted requests; one exactly `window` seconds ago no longer counts.

    Taught in lessons/01_api_gateway.ipynb.

    >>> limiter = SlidingWindowLog(limit=2, window=1.0)
    >>> [limiter.allow(now) for now in (0.0, 0.5, 0.9, 1.0)]
    [True, True, False, True]
    >>> limiter.retry_after(now=1.2)
    0.3
    """

    name = "sliding_log"
    _params = ("limit", "window")

    def __init__(self, limit: int, window: float):
        super().__init__()
        self.limit = validate.whole(
            "limit", limit, minimum=1, why="how many requests any window may hold, e.g. limit=100"
        )
        self._w = span("window", window, "how far back the log looks in seconds, e.g. window=1.0")
        self.window = window

    def _log(self, t: int, key: Any) -> tuple[deque, int]:
        """The key's log and the index of its first entry still inside `(t - window, t]`."""
        state = self._state.get(key)
        if state is None:
            return deque(), 0
        log, first = state[0], 0
        while first < len(log) and t - log[first] >= self._w:  # exactly `window` ago: no longer counts
            first += 1
        return log, first

    def count(self, now: float, key: Any = "default") -> int:
        """Accepted requests of `key` in `(now - window, now]`."""
        log, first = self._log(self._tick(now, key), key)
        return len(log) - first

    def allow(self, now: float, key: Any = "default") -> bool:
        t = self._tick(now, key)
        log, first = self._log(t, key)
        for _ in range(first):
            log.popleft()
        passed = len(log) < self.limit
        if passed:
            log.append(t)
        self._state[key] = (log, t)
        return passed

    def _wait(self, t: int, key: Any) -> int:
        log, first = self._log(t, key)
        inside = len(log) - first
        if inside < self.limit:
            return 0
        return log[first + inside - self.limit] + self._w - t  # when enough old requests have left the window


class SlidingWindowCounter(RateLimiter):
    """Allow a request iff `prev * (window - now % window) / window + curr < limit`.

    `curr` and `prev` count the key's accepted requests in this aligned window and the one
    before: the previous window's count fades out linearly as the current window goes by.

    Taught in lessons/01_api_gateway.ipynb.

    >>> limiter = SlidingWindowCounter(limit=4, window=1.0)
    >>> [limiter.allow(now) for now in (0.1, 0.2, 0.3, 0.4, 0.5)]
    [True, True, True, True, False]
    >>> limiter.estimate(now=1.5), limiter.allow(now=1.5)
    (2.0, True)
    """

    name = "sliding_counter"
    _params = ("limit", "window")

    def __init__(self, limit: int, window: float):
        super().__init__()
        self.limit = validate.whole(
            "limit", limit, minimum=1, why="how many requests a window may hold, e.g. limit=100"
        )
        self._w = span("window", window, "the length of one window in seconds, e.g. window=1.0")
        self.window = window

    def _counts(self, t: int, key: Any) -> tuple[int, int, int]:
        """(k, curr, prev) for the window holding `t`."""
        k = t // self._w
        state = self._state.get(key)
        if state is None:
            return k, 0, 0
        k0, curr, prev = state[0], state[1], state[2]
        if k == k0:
            return k, curr, prev
        return k, 0, (curr if k == k0 + 1 else 0)

    def estimate(self, now: float, key: Any = "default") -> float:
        """The weighted count `prev * (window - now % window) / window + curr` at `now`."""
        t = self._tick(now, key)
        k, curr, prev = self._counts(t, key)
        return prev * (self._w - (t - k * self._w)) / self._w + curr

    def allow(self, now: float, key: Any = "default") -> bool:
        t = self._tick(now, key)
        k, curr, prev = self._counts(t, key)
        w = self._w
        # prev * (w - offset) / w + curr < limit, multiplied through by w to stay exact
        passed = prev * (w - (t - k * w)) + curr * w < self.limit * w
        self._state[key] = (k, curr + passed, prev, t)
        return passed

    def _earliest(self, prev: int, curr: int) -> int | None:
        """Smallest offset into a window at which a request passes, or None if none does."""
        room = (self.limit - curr) * self._w
        if room <= 0:
            return None
        if prev == 0:
            return 0
        first = max(0, self._w - (-(-room // prev)) + 1)  # prev * (w - off) < room
        return first if first < self._w else None

    def _wait(self, t: int, key: Any) -> int:
        k, curr, prev = self._counts(t, key)
        w = self._w
        offset = self._earliest(prev, curr)
        if offset is not None:
            return max(0, k * w + offset - t)
        offset = self._earliest(curr, 0)  # next window: this window's count becomes `prev`
        if offset is not None:
            return (k + 1) * w + offset - t
        return (k + 2) * w - t


LIMITERS: dict[str, type[RateLimiter]] = {
    cls.name: cls for cls in (TokenBucket, FixedWindow, SlidingWindowLog, SlidingWindowCounter)
}


def make_limiter(name: str, **params: float) -> RateLimiter:
    """Build a limiter by its name (what a lab's dropdown holds) and its settings.

    >>> make_limiter("token_bucket", capacity=20, rate=100)
    TokenBucket(capacity=20, rate=100)
    >>> make_limiter("sliding_log", limit=10, window=1.0)
    SlidingWindowLog(limit=10, window=1)
    """
    cls: type[RateLimiter] = validate.choice("name", name, LIMITERS)
    unknown = sorted(set(params) - set(cls._params))
    missing = [p for p in cls._params if p not in params]
    if unknown or missing:
        wrong = ", ".join([f"unknown {p}=" for p in unknown] + [f"missing {p}=" for p in missing])
        raise ValueError(f"{name} takes {', '.join(p + '=' for p in cls._params)} ({wrong})")
    return cls(**params)
