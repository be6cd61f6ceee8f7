"""Run a `GatewayScenario` on the `course.sim` kernel: clients -> gateway -> one server pool per service.

Each arrival becomes a `Request`; the gateway's stages run at once; a request that reaches a
service joins its `ServerPool` and is answered when served (200, which also fills the cache), or
at once with a 503 when the pool's queue is full. Arrivals stop at `until`; requests still in a
service then finish, so every request has exactly one outcome. Every run is bounded: `until` is
a finite number of seconds, and a run that would send more than `MAX_REQUESTS` requests is
refused before it starts, with the fix.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import overload

from ..sim import Environment, Record, ServerPool, stream, validate
from .fleet import FleetResults, FleetScenario, simulate_fleet
from .gateway import Forwarded, Stopped
from .messages import Headers, Request
from .results import GatewayResults
from .scenario import GatewayScenario

__all__ = ["MAX_REQUESTS", "simulate"]

MAX_REQUESTS = 100_000  # the most requests one run may send (a few seconds of computing)


def _expected_requests(scenario: GatewayScenario, until: float) -> float:
    """How many requests the clients send in `until` seconds, on average."""
    return sum(client.source.mean_rate(until) for client in scenario.clients) * until


@overload
def simulate(scenario: GatewayScenario, *, until: float, seed: int = 0) -> GatewayResults: ...
@overload
def simulate(scenario: FleetScenario, *, until: float, seed: int = 0) -> FleetResults: ...


def simulate(
    scenario: GatewayScenario | FleetScenario, *, until: float, seed: int = 0
) -> GatewayResults | FleetResults:
    """Simulate `until` seconds of the scenario's traffic through its gateway and services (a
    `GatewayScenario`), or through a fleet of gateways sharing a rate limit (a `FleetScenario`).

    Every random draw comes from `course.sim.stream(seed, ...)`: the same seed gives the same run.

    Taught in lessons/01_api_gateway.ipynb.

    >>> res = simulate(GatewayScenario.example(), until=5, seed=1)
    >>> s = res.summary()
    >>> s.requests == sum(s.outcomes.values()) == len(res.records)
    True
    >>> simulate(GatewayScenario.example(rate=10_000), until=60)
    Traceback (most recent call last):
    ...
    ValueError: until must be at most 10 s at 10,000 requests per second (got 60): a run sends at most ...
    """
    if isinstance(scenario, FleetScenario):
        return simulate_fleet(scenario, until=until, seed=seed)
    validate.instance("scenario", scenario, GatewayScenario, example="simulate(GatewayScenario.example(), until=20)")
    horizon = validate.until(until)
    seed = validate.seed(seed)
    expected = _expected_requests(scenario, horizon)
    if expected > MAX_REQUESTS:
        rate = expected / horizon
        shown = f"{round(rate):,}" if rate >= 10 else f"{rate:.3g}"
        raise ValueError(
            f"until must be at most {MAX_REQUESTS / rate:.3g} s at {shown} requests per second (got {until!r}): "
            f"a run sends at most {MAX_REQUESTS:,} requests; shorten the run or lower the rate"
        )

    env = Environment()
    gateway = scenario.gateway()
    pools = {
        name: ServerPool(
            env,
            service.servers,
            service.service_time,
            queue_capacity=service.queue_capacity,
            seed=seed,
            name=name,
            keep_records=False,
        )
        for name, service in scenario.services.items()
    }
    mix = scenario.mix
    cumulative = list(accumulate(e.weight for e in mix))
    total_weight = cumulative[-1]
    templates: list[tuple[str, str, str | None, int]] = [
        (e.method, *e.path.split("{id}", 1), e.ids) if "{id}" in e.path else (e.method, e.path, None, 0)  # type: ignore[misc]
        for e in mix
    ]
    mix_rng, anon_rng = stream(seed, "mix"), stream(seed, "anonymous")
    share = scenario.anonymous_share
    no_headers = Headers()
    decide, answer = gateway.decide, gateway.answer

    def done(record: Record) -> None:
        forwarded: Forwarded = record.tag
        if record.status == "served":
            answer(forwarded, 200, record.end - record.arrival, record.end)
        else:
            answer(forwarded, 503, 0.0, record.end)

    def arrive(name: str, headers: Headers) -> None:
        now = env.now
        method, head, tail, ids = templates[bisect_right(cumulative, mix_rng.random() * total_weight)]
        path = head if tail is None else f"{head}{int(mix_rng.random() * ids) + 1}{tail}"
        if share and anon_rng.random() < share:
            name, headers = "anonymous", no_headers
        request = Request._trusted(method, path, name, headers, now)
        step = decide(request, now)
        if step.__class__ is not Stopped:  # the gateway answered it at once otherwise
            pools[step.match.service].submit(on_done=done, tag=step)  # type: ignore[union-attr]

    for client in scenario.clients:
        headers = Headers({"X-Api-Key": client.key}) if client.key else no_headers
        times = client.source.times(horizon, stream(seed, f"arrivals:{client.name}"))
        env.feed(times, arrive, client.name, headers)
    env.run()  # arrivals end at the horizon; the services then finish what they hold
    elapsed = env.now if env.now > 0 else horizon
    utilization = {name: pool.busy_time() / (pool.servers * elapsed) for name, pool in pools.items()}
    return GatewayResults(scenario, gateway, horizon, utilization, seed)
