"""Retry policies: how long to wait before trying a failed message again, and how many times.

The delay before retry `n` (the wait after attempt `n` failed) is, before jitter:

- ``backoff="none"``: 0 (retry at once),
- ``backoff="fixed"``: ``min(cap, base)``,
- ``backoff="exponential"``: ``min(cap, base * multiplier ** (n - 1))``.

Jitter follows the definitions of the AWS Architecture Blog post *Exponential Backoff And
Jitter* (Marc Brooker, 2015), where ``d`` is the delay above:

- ``jitter="full"``: a uniform draw from ``[0, d]``,
- ``jitter="equal"``: ``d / 2`` plus a uniform draw from ``[0, d / 2]``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from course.sim import stream, validate

__all__ = ["BACKOFFS", "JITTERS", "MAX_SCHEDULE", "RetryPolicy", "backoff_delays"]

BACKOFFS = ("none", "fixed", "exponential")
JITTERS = (None, "full", "equal")
MAX_SCHEDULE = 10_000  # the longest schedule `backoff_delays` will list
HUGE = 10**100  # retry numbers and attempt limits this large are fine: the delay is capped without any power


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Wait `base`, then `base * multiplier`, ... (never more than `cap`) between attempts, at most `max_attempts`.

    `max_attempts` counts every delivery, the first included: ``max_attempts=1`` means no
    retries, ``None`` means retry forever (the endless loop a dead-letter queue exists to stop).
    Taught in lessons/03_queues.ipynb.

    >>> p = RetryPolicy(backoff="exponential", base=1, cap=10, max_attempts=6)
    >>> [p.delay(n) for n in range(1, 6)]
    [1.0, 2.0, 4.0, 8.0, 10.0]
    >>> p.delay(10**100)  # a huge retry number is capped, never an overflow
    10.0
    >>> RetryPolicy(backoff="fixed", base=2, max_attempts=3).delay(2)
    2.0
    >>> RetryPolicy(backoff="sideways")
    Traceback (most recent call last):
    ...
    ValueError: backoff must be one of 'none', 'fixed', 'exponential' (got 'sideways')
    """

    backoff: str = "exponential"
    base: float = 1.0
    cap: float = 60.0
    multiplier: float = 2.0
    jitter: str | None = None
    max_attempts: int | None = 5

    def __post_init__(self):
        validate.choice("backoff", self.backoff, BACKOFFS)
        validate.choice("jitter", self.jitter, JITTERS)
        validate.duration("base", self.base, why="the first wait, in seconds (0: retry at once)")
        validate.duration("cap", self.cap, positive=True, why="the longest wait, in seconds")
        validate.number("multiplier", self.multiplier, minimum=1, maximum=1e6, why="2 doubles the wait each retry")
        if self.max_attempts is not None:
            validate.whole(
                "max_attempts", self.max_attempts, minimum=1, maximum=HUGE,
                why="the first delivery is attempt 1, so max_attempts=1 means no retries (None: retry forever)",
            )  # fmt: skip

    @property
    def retries(self) -> int | None:
        """How many retries follow the first attempt (None: no limit)."""
        return None if self.max_attempts is None else self.max_attempts - 1

    def allows(self, attempts: int) -> bool:
        """True if a message that has had `attempts` deliveries may be delivered again.

        >>> RetryPolicy(max_attempts=3).allows(2), RetryPolicy(max_attempts=3).allows(3)
        (True, False)
        """
        validate.whole("attempts", attempts, maximum=HUGE, why="how many deliveries a message has had")
        return self._allows(attempts)

    def _allows(self, attempts: int) -> bool:  # the queue's hot path: `attempts` is known to be valid
        return self.max_attempts is None or attempts < self.max_attempts

    def ceiling(self, retry: int) -> float:
        """The delay before retry `retry` without jitter (1 is the first retry); never overflows."""
        validate.whole("retry", retry, minimum=1, maximum=HUGE, why="retry 1 follows attempt 1")
        return self._ceiling(retry)

    def _ceiling(self, retry: int) -> float:
        if self.backoff == "none":
            return 0.0
        base, cap = float(self.base), float(self.cap)
        if self.backoff == "fixed" or self.multiplier == 1 or base == 0:
            return min(cap, base)
        if base >= cap:
            return cap
        # base * m**k reaches cap once k >= log(cap / base) / log(m): compare in logs before any power,
        # so neither a huge k nor a tiny base can overflow.
        k, log_m = retry - 1, math.log(self.multiplier)
        if k >= (math.log(cap) - math.log(base)) / log_m:
            return cap
        if k * log_m < 700:  # m**k fits in a float: keep exact values such as 0.5 * 2**3 == 4.0
            return min(cap, base * self.multiplier**k)
        return min(cap, math.exp(math.log(base) + k * log_m))

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """The wait before retry `retry`, with jitter drawn from `rng` (needed when jitter is on)."""
        validate.whole("retry", retry, minimum=1, maximum=HUGE, why="retry 1 follows attempt 1")
        if rng is not None:
            validate.instance("rng", rng, random.Random, example="rng=course.sim.stream(seed, 'backoff')")
        elif self.jitter is not None:
            raise ValueError(
                f"rng must be a random.Random when jitter={self.jitter!r} (got None): "
                "pass rng=course.sim.stream(seed, 'backoff')"
            )
        return self._delay(retry, rng)

    def _delay(self, retry: int, rng: random.Random | None) -> float:  # the queue's hot path: inputs are valid
        d = self._ceiling(retry)
        if self.jitter is None or d == 0 or rng is None:
            return d
        if self.jitter == "full":
            return rng.uniform(0.0, d)
        return d / 2 + rng.uniform(0.0, d / 2)


def backoff_delays(policy: RetryPolicy, retries: int | None = None, seed: int = 0) -> list[float]:
    """The waits before retries 1, 2, ..., `retries` under `policy` (all the retries it allows by default).

    Jitter draws from ``course.sim.stream(seed, "backoff")``, so a seed fixes the schedule.
    Taught in lessons/03_queues.ipynb (and asked for in its exercise).

    >>> backoff_delays(RetryPolicy(backoff="exponential", base=0.5, cap=4, max_attempts=6))
    [0.5, 1.0, 2.0, 4.0, 4.0]
    >>> backoff_delays(RetryPolicy(backoff="none", max_attempts=4))
    [0.0, 0.0, 0.0]
    >>> full = backoff_delays(RetryPolicy(base=1, cap=8, jitter="full", max_attempts=5), seed=3)
    >>> all(0 <= d <= c for d, c in zip(full, [1, 2, 4, 8]))
    True
    """
    validate.instance("policy", policy, RetryPolicy, example="RetryPolicy(backoff='exponential')")
    validate.seed(seed)
    if retries is None:
        if policy.retries is None:
            raise ValueError(
                "this policy retries forever (max_attempts=None): pass retries=10 to see the first 10 waits"
            )
        retries = policy.retries
    validate.whole("retries", retries, maximum=MAX_SCHEDULE, why="how many waits to list")
    rng = stream(seed, "backoff")
    return [policy._delay(n, rng) for n in range(1, retries + 1)]
