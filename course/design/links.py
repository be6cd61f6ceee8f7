"""The links of a design during a run: sync calls with their guards, and hand-offs to queues and streams.

A sync call's life: the breaker (lesson 3's circuit breaker) may refuse it at once (503); otherwise
the target tier gets it, and the caller waits for the answer, or for `timeout` (then 504, although
the target keeps working on it: nobody tells it). A failed or timed-out call is retried while the
link has retries left and its retry budget has a whole retry saved (each call earns
`retry_budget` of one). With `fallback` a call that still failed lets the request go on with a
default; otherwise the caller answers with the failure. A hand-off to a queue or a stream takes no
answer: it is accepted, refused (the caller answers 503) or blocked (the caller waits for room).
"""

from __future__ import annotations

from typing import Any

from ..messaging.dependency import Breaker
from ..sim import Environment, stream
from .parts import Link
from .tiers import Job, LiveTier

__all__ = ["BUDGET_CAP", "Handoff", "SyncCall"]

BUDGET_CAP = 10.0  # the most retries a budget saves up


class _Budget:
    """A retry budget: each call earns `ratio` of a retry, a retry spends one, at most `BUDGET_CAP` saved."""

    __slots__ = ("ratio", "tokens")

    def __init__(self, ratio: float):
        self.ratio = ratio
        self.tokens = 0.0

    def earn(self) -> None:
        tokens = self.tokens + self.ratio
        self.tokens = tokens if tokens < BUDGET_CAP else BUDGET_CAP

    def spend(self) -> bool:
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class _Attempt:
    """One try of a sync call: it ends once, by an answer or by its timeout (a later answer is ignored)."""

    __slots__ = ("call", "job", "number", "over", "probe", "tier", "timer")

    def __init__(self, call: SyncCall, job: Job, tier: LiveTier, number: int, probe: bool):
        self.call, self.job, self.tier, self.number, self.probe = call, job, tier, number, probe
        self.over = False
        self.timer: int | None = None

    def reply(self, status: int) -> None:
        call = self.call
        if self.over:
            call.late += 1  # the target answered after the caller gave up: work nobody waited for
            return
        self.over = True
        if self.timer is not None:
            call.env.cancel(self.timer)
        call._ended(self, status)

    def expire(self) -> None:
        if self.over:
            return
        self.over = True
        self.call.timed_out += 1
        self.call._ended(self, 504)


class SyncCall:
    """A sync link during a run: `begin(job, tier)` calls the target for the job (False: it resumes later)."""

    def __init__(self, env: Environment, link: Link, target: LiveTier, seed: int):
        self.env, self.link, self.target = env, link, target
        self.name = f"{link.source}->{link.target}"
        self.rng = stream(seed, f"design:link:{self.name}")
        self.breaker = None if link.breaker is None else Breaker(link.breaker, env, _nothing)
        self.budget = None if link.retry_budget is None else _Budget(link.retry_budget)
        self.timeout = link.timeout
        self.retries = link.retries
        self.calls = self.tries = self.timed_out = self.late = self.short_circuited = self.fallbacks = 0
        self.answers: dict[int, int] = {}

    def begin(self, job: Job, tier: LiveTier) -> bool:
        link = self.link
        if link.share < 1.0 and self.rng.random() >= link.share:
            return True
        self.calls += 1
        if self.budget is not None:
            self.budget.earn()
        self._try(job, tier, 1)
        return False

    def _try(self, job: Job, tier: LiveTier, number: int) -> None:
        probe = False
        if self.breaker is not None:
            allowed = self.breaker.allows()
            if allowed is None:  # open: fail at once, without calling
                self.short_circuited += 1
                self._done(job, tier, 503)
                return
            probe = allowed == "probe"
        self.tries += 1
        attempt = _Attempt(self, job, tier, number, probe)
        if self.timeout is not None:
            attempt.timer = self.env.schedule(self.timeout, attempt.expire)
        self.target.call(job.req, attempt.reply, self.link.cost)

    def _ended(self, attempt: _Attempt, status: int) -> None:
        ok = status == 200
        if self.breaker is not None:
            self.breaker.record(ok, attempt.probe)
        if not ok and attempt.number <= self.retries and (self.budget is None or self.budget.spend()):
            job = attempt.job
            if not job.done and job.generation == job.instance.generation:
                self._try(job, attempt.tier, attempt.number + 1)
                return
        self._done(attempt.job, attempt.tier, status)

    def _done(self, job: Job, tier: LiveTier, status: int) -> None:
        self.answers[status] = self.answers.get(status, 0) + 1
        if status == 200:
            tier.advance(job)
        elif self.link.fallback:
            self.fallbacks += 1
            tier.advance(job)
        else:
            tier.finish(job, status)

    @property
    def breaker_open_seconds(self) -> float:
        """Seconds the breaker spent open or half-open during the run (0 without a breaker)."""
        if self.breaker is None:
            return 0.0
        log, total = self.breaker.log, 0.0
        for (t, state), (t_next, _) in zip(log, [*log[1:], (self.env.now, "")], strict=True):
            if state != "closed":
                total += t_next - t
        return total


def _nothing() -> None:
    """What a link's breaker does when it turns half-open: nothing (the next call becomes the trial)."""


class Handoff:
    """An async link during a run: `begin(job, tier)` hands the job's work to a queue or a stream."""

    def __init__(self, link: Link, node: Any, seed: int):
        self.link, self.node = link, node
        self.name = f"{link.source}->{link.target}"
        self.rng = stream(seed, f"design:link:{self.name}")
        self.calls = self.accepted = self.refused = self.blocked = 0

    def begin(self, job: Job, tier: LiveTier) -> bool:
        if self.link.share < 1.0 and self.rng.random() >= self.link.share:
            return True
        self.calls += 1
        result = self.node.publish(job, tier)
        if result == "ok":
            self.accepted += 1
            return True
        if result == "blocked":
            self.blocked += 1
            return False  # the queue resumes the job when it has room
        self.refused += 1
        tier.finish(job, 503)
        return False
