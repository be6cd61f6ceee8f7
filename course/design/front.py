"""The front door of a design during a run: lesson 1's gateway, or clients calling each tier's balancer.

With a gateway, every attempt of a request runs through `course.gateway.Gateway`'s stages (route,
auth, rate limit, cache, admission control) exactly as in lesson 1; a request the gateway forwards
goes to its tier, and the gateway answers 504 if the tier has not answered within the design's
`gateway_timeout` (the tier keeps working on it: nobody tells it). Without a gateway, clients find
the tier from the same routes, with no auth, no limit and no cache, and give up after the same
timeout themselves.

The gateway is driven as `course.gateway.simulate` drives it: `Gateway.decide` now, and
`Gateway.answer` when the tier answers (or the timeout passes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..gateway import Gateway, Request, RouteTable, Stopped
from ..sim import Environment
from .design import Design

__all__ = ["Front"]

Answer = Callable[[Any, int, str], None]  # (request, status, who answered: "gateway" or a tier's name)


class _Waiting:
    """One forwarded attempt: answered once, by its tier or by the timeout."""

    __slots__ = ("forward", "front", "over", "req", "service", "timer")

    def __init__(self, front: Front, req: Any, service: str, forward: Any):
        self.front, self.req, self.service, self.forward = front, req, service, forward
        self.over = False
        self.timer = 0

    def reply(self, status: int) -> None:
        front = self.front
        if self.over:
            front.late[self.service] = front.late.get(self.service, 0) + 1
            return
        self.over = True
        front.env.cancel(self.timer)
        key = (self.service, status)
        front.answers[key] = front.answers.get(key, 0) + 1
        if self.forward is not None:
            now = front.env.now
            front.gateway_answer(self.forward, status, now - self.forward.time, now)
        front.answer(self.req, status, self.service)

    def expire(self) -> None:
        if self.over:
            return
        self.over = True
        front = self.front
        front.timeouts += 1
        front.timeouts_by[self.service] = front.timeouts_by.get(self.service, 0) + 1
        if self.forward is not None:
            front.gateway_answer(self.forward, 504, 0.0, front.env.now)
        front.answer(self.req, 504, "gateway" if self.forward is not None else "clients")


class Front:
    """Where each attempt enters: `enter(req)` ends in `answer(req, status, who)` exactly once."""

    def __init__(self, env: Environment, design: Design, tiers: dict[str, Any], answer: Answer):
        self.env, self.design, self.tiers, self.answer = env, design, tiers, answer
        self.routes: RouteTable = design.routes
        self.timeout = design.gateway_timeout
        self.forwarded: dict[str, int] = {}
        self.answers: dict[tuple[str, int], int] = {}  # (tier, status) of the answers that came in time
        self.late: dict[str, int] = {}  # tier answers that came after the timeout (work nobody waited for)
        self.timeouts = 0
        self.timeouts_by: dict[str, int] = {}  # per tier: attempts the front door gave up on
        self.gateway: Gateway | None = None
        if design.gateway:
            self.gateway = Gateway(
                design.routes,
                auth=design.auth,
                limiter=None if design.limiter is None else design.limiter.fresh(),
                cache=None if design.cache is None else design.cache.fresh(),
                overhead=design.overhead,
                admission=None if design.admission is None else design.admission.fresh(),
                keep_log=False,  # a design counts its own outcomes (its results never read the access log)
            )
            self.decide, self.gateway_answer = self.gateway.decide, self.gateway.answer

    def enter(self, req: Any) -> None:
        """One attempt of `req` arrives now."""
        now = self.env.now
        if self.gateway is not None:
            request = Request._trusted(req.method, req.path, req.client, req.headers, now)
            step = self.decide(request, now)
            if step.__class__ is Stopped:
                self.answer(req, step.status, "gateway")
                return
            service = step.match.service  # type: ignore[union-attr]  # a Forwarded: Stopped returned above
            self._send(req, service, step)
            return
        match = self.routes.match(req.method, req.path)
        if match is None:
            self.answer(req, 404, "clients")
            return
        self._send(req, match.service, None)

    def _send(self, req: Any, service: str, forward: Any) -> None:
        self.forwarded[service] = self.forwarded.get(service, 0) + 1
        waiting = _Waiting(self, req, service, forward)
        waiting.timer = self.env.schedule(self.timeout, waiting.expire)
        self.tiers[service].call(req, waiting.reply)

    def stage_counts(self) -> dict[str, dict[int, int]]:
        """What each gateway stage answered, by status (empty without a gateway)."""
        if self.gateway is None:
            return {}
        return {count.stage: count.answered for count in self.gateway.counts()}

    def cache_hit_ratio(self) -> float:
        """Share of the gateway cache's look-ups that hit (NaN without a cache)."""
        if self.gateway is None or self.gateway.cache is None:
            return math.nan
        return self.gateway.cache.stats.hit_ratio
