"""Questions for exercises/06_putting_it_together.ipynb: the envelope, sizing a tier, sizing a whole design,
stopping a cascade, and picking the parts a set of requirements needs.

The arithmetic questions are judged against the rules lesson 6 states (written out below as the
references, the same as `course.design.Estimate` and `instances_for`); the design questions build the
learner's plain answer into a `course.design.Design`, simulate it, and judge what happened, so an
answer passes because the system it describes works, not because it matches a number.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from typing import Any

from ..design import Design, Link, Requirements, check_design, components_for, simulate
from ..messaging.dependency import CircuitBreaker
from .asks import call, calls
from .registry import Check, question
from .verdict import close

__all__ = [
    "GUARD_KEYS",
    "NEEDS",
    "guarded_rides",
    "reference_instances",
    "reference_peak_rps",
    "reference_storage",
    "sized_rides_works",
]

SECONDS_PER_DAY = 86_400
GUARD_KEYS = ("timeout", "retries", "retry_budget", "breaker", "fallback")
NEEDS = ("fan_out", "durable", "slow_work", "result_in_answer")
COMPONENTS = ("gateway", "queue", "stream", "database")
SIM_TIMEOUT = 20.0  # seconds a check that simulates may take (a slow, busy machine included)


def reference_peak_rps(daily_users: float, requests_per_user: float, peak_factor: float) -> float:
    """Question 1's rule: users x requests a day / 86,400 seconds, times the peak factor."""
    return daily_users * requests_per_user / SECONDS_PER_DAY * peak_factor


def reference_storage(
    daily_users: float, requests_per_user: float, write_share: float, bytes_per_write: float, copies: int
) -> float:
    """Question 2's rule: writes a day x bytes per write x copies kept."""
    return daily_users * requests_per_user * write_share * bytes_per_write * copies


def reference_instances(rate: float, service_time: float, workers: int, utilization: float) -> int:
    """Question 3's rule: ceil(rate x service time / (workers x utilization)), and never fewer than 1."""
    busy = rate * service_time / workers
    return max(1, math.ceil(busy / utilization - 1e-9))


@question(
    "design.peak_rps",
    title="Back of the envelope: peak requests per second from daily users",
    off_limits=("course.design.estimate", "course.design.Estimate"),
)
def peak_rps(rng: random.Random) -> Iterator[Check]:
    yield Check(
        hint="86,400 users making 1 request a day is 1 request per second on average (a day has 86,400 s)",
        ask=call(86_400, 1, 1),
        expect=close(1.0),
    )
    yield Check(
        hint="1,000,000 users x 20 requests / 86,400 s = 231.5/s on average; the peak is 3 times that",
        ask=call(1_000_000, 20, 3),
        expect=close(reference_peak_rps(1_000_000, 20, 3)),
    )
    cases = [(rng.randint(1, 500) * 100_000, rng.randint(1, 60), rng.choice([1.5, 2, 3, 5])) for _ in range(8)]
    yield Check(
        hint="on random inputs some peak came out wrong: users x requests per user / 86,400, times the peak factor",
        ask=calls(cases),
        expect=close([reference_peak_rps(*c) for c in cases]),
    )


@question(
    "design.storage_per_day",
    title="Back of the envelope: bytes stored a day",
    off_limits=("course.design.estimate", "course.design.Estimate"),
)
def storage_per_day(rng: random.Random) -> Iterator[Check]:
    yield Check(
        hint="1,000 users x 10 requests, every one a 100-byte write kept once: 1,000,000 bytes a day",
        ask=call(1_000, 10, 1.0, 100, 1),
        expect=close(1_000_000.0),
    )
    yield Check(
        hint="only the share of requests that write stores anything: 20 % of 10,000 requests x 1,000 bytes",
        ask=call(1_000, 10, 0.2, 1_000, 1),
        expect=close(2_000_000.0),
    )
    yield Check(
        hint="every copy takes space: 3 replicas store three times the bytes",
        ask=call(1_000, 10, 0.2, 1_000, 3),
        expect=close(6_000_000.0),
    )
    cases = [
        (
            rng.randint(1, 100) * 10_000,
            rng.randint(1, 50),
            rng.choice([0.05, 0.1, 0.25, 0.5]),
            rng.randint(1, 20) * 500,
            rng.randint(1, 3),
        )
        for _ in range(8)
    ]
    yield Check(
        hint="on random inputs some storage figure came out wrong: users x requests x write share x bytes x copies",
        ask=calls(cases),
        expect=close([reference_storage(*c) for c in cases]),
    )


def _utilization_holds(rate: float, service_time: float, workers: int, target: float) -> Callable[[Any], bool]:
    """The answer sizes "rides"' booking tier for `rate` bookings/s; simulated, it must stay near `target` busy."""

    def holds(instances: Any) -> bool:
        if type(instances) is not int or not 1 <= instances <= 100:
            return False
        design = Design.example("rides", instances=instances, spike=1.0, workers=40, queue_capacity=10_000)
        run = simulate(design.at_rate(rate / 0.2), until=20, seed=7)  # bookings are 20 % of the mix
        return run.part("booking").utilization <= target + 0.08

    return holds


@question(
    "design.instances_for",
    title="How many instances keep a tier below a target utilization",
    off_limits=("course.design.instances_for",),
)
def instances_for(rng: random.Random) -> Iterator[Check]:
    yield Check(
        hint="100 requests/s x 0.05 s = 5 workers busy; 2 workers per instance at most 70 % busy needs 4 instances",
        ask=call(100, 0.05, 2, 0.7),
        expect=4,
    )
    yield Check(
        hint="14 requests/s x 0.3 s = 4.2 busy workers, exactly 6 instances at 70 %: round up, but not past an "
        "exact answer (14 * 0.3 / 0.7 is 6.000000000000001 in floating point)",
        ask=call(14, 0.3, 1, 0.7),
        expect=6,
    )
    yield Check(
        hint="no traffic still needs one instance to answer the first request",
        ask=call(0, 0.05, 2, 0.7),
        expect=1,
    )
    cases = [
        (rng.randint(1, 400), rng.choice([0.01, 0.02, 0.05, 0.1, 0.25]), rng.randint(1, 8), rng.choice([0.5, 0.7, 0.8]))
        for _ in range(10)
    ]
    yield Check(
        hint="on random inputs some count came out wrong: ceil(rate x service time / (workers x utilization))",
        ask=calls(cases),
        expect=[reference_instances(*c) for c in cases],
    )
    rate = rng.choice([16, 24, 32])
    yield Check(
        hint=f"sized by your answer for {rate} bookings/s (0.1 s each, 1 worker per instance, 70 %), the simulated "
        "booking tier ran well above 70 % busy: round up",
        ask=call(rate, 0.1, 1, 0.7),
        expect=_utilization_holds(rate, 0.1, 1, 0.7),
        shows=f"enough instances to keep booking near 70 % busy at {rate} bookings/s",
        timeout=SIM_TIMEOUT,
    )


def sized_rides_works(peak: float, p99: float) -> Callable[[Any], bool]:
    """The knobs the answer returns build a "rides" that check_design passes at `peak`, without waste."""

    def works(knobs: Any) -> bool:
        if not isinstance(knobs, dict) or set(knobs) - {"instances", "workers", "queue_capacity"}:
            return False
        design = Design.example("rides", **knobs)
        verdict = check_design(design, Requirements(peak_rps=peak, p99=p99), until=20, seed=3)
        if not all(v.ok for v in verdict.verdicts if v.topic in ("peak", "p99")):
            return False
        booking = reference_instances(peak * 0.2, 0.1, 1, 0.7)
        matching = reference_instances(peak * 0.2, 0.5, 1, 0.7)
        sized = design.part("booking").instances, design.part("matching").workers  # type: ignore[union-attr]
        return sized[0] <= 2 * booking + 1 and sized[1] <= 2 * matching + 2

    return works


@question("design.size_rides", title="Size the rides design for a peak")
def size_rides(rng: random.Random) -> Iterator[Check]:
    for peak in (60, rng.choice([100, 120]), rng.choice([160, 200])):
        yield Check(
            hint=f"at a steady {peak} requests/s (20 % of them bookings of 0.1 s each, each handing a matching of "
            "0.5 s to the queue), rides must serve 99 % with answers' p99 within 1 s, using at most about twice "
            "what the envelope says: size both booking's instances and matching's workers to about 70 % busy",
            ask=call(peak),
            expect=sized_rides_works(peak, 1.0),
            shows=f"{{'instances': ..., 'workers': ...}} that serve {peak} req/s",
            timeout=SIM_TIMEOUT,
        )


def guarded_rides(settings: Any, failure: str = "a dependency slows") -> Design:
    """ "rides" with the booking -> pricing call guarded by the answer's `settings` (a dict of `GUARD_KEYS`)."""
    if not isinstance(settings, dict) or set(settings) - set(GUARD_KEYS):
        raise ValueError(f"settings must be a dict with some of the keys {', '.join(GUARD_KEYS)}")
    breaker = settings.get("breaker")
    link = Link(
        "booking",
        "pricing",
        timeout=settings.get("timeout"),
        retries=settings.get("retries", 0),
        retry_budget=settings.get("retry_budget"),
        breaker=None if breaker is None else CircuitBreaker(failures=breaker[0], cooldown=breaker[1]),
        fallback=settings.get("fallback", False),
    )
    design = Design.example("rides", failure=failure)
    return design.replace(links=tuple(link if lk.target == "pricing" else lk for lk in design.links))


def _bookings(results: Any) -> tuple[int, int, list[float]]:
    """Bookings sent, bookings served, and the answer latencies of the served ones."""
    rows = [r for r in results.records if r.method == "POST"]
    served = [r for r in rows if r.outcome == "served"]
    return len(rows), len(served), sorted(r.latency for r in served)


def _stops_cascade(settings: Any) -> bool:
    results = simulate(guarded_rides(settings), until=24, seed=5)
    sent, served, latencies = _bookings(results)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else math.inf
    return sent > 0 and served / sent >= 0.95 and p99 <= 1.0


def _harmless_when_healthy(settings: Any) -> bool:
    results = simulate(guarded_rides(settings, failure="none"), until=24, seed=5)
    sent, served, _ = _bookings(results)
    return sent > 0 and served / sent >= 0.97 and results.figures.fallbacks <= 0.02 * sent


@question(
    "design.stop_the_cascade", title="Guard booking's call to pricing so a slow pricing tier cannot take booking down"
)
def stop_the_cascade() -> Iterator[Check]:
    yield Check(
        hint="a plain dict is the answer: some of 'timeout' (seconds), 'retries', 'retry_budget', 'breaker' "
        "(failures, cooldown) and 'fallback'",
        ask=call(),
        expect=lambda s: isinstance(s, dict) and bool(s) and not set(s) - set(GUARD_KEYS),
        shows="a dict of guard settings",
    )
    yield Check(
        hint="while pricing is 10x slower (8-16 s), at least 95 % of bookings must still be served, p99 within 1 s: "
        "answer with a default price when the call fails (fallback), and wait less (a timeout short enough to "
        "leave booking's own half second inside the 1 s budget); retries alone add load to the tier that is "
        "drowning",
        ask=call(),
        expect=_stops_cascade,
        shows="bookings served >= 95 %, p99 <= 1 s while pricing is slow",
        timeout=SIM_TIMEOUT,
    )
    yield Check(
        hint="when pricing is healthy the guards must not get in the way: a timeout shorter than pricing's own "
        "p99 (about 0.25 s) turns good calls into fallbacks",
        ask=call(),
        expect=_harmless_when_healthy,
        shows="no more than 2 % of bookings on a fallback price when pricing is healthy",
        timeout=SIM_TIMEOUT,
    )


def _library_components(needs: dict) -> set[str]:
    req = Requirements(
        peak_rps=100,
        p99=0.5,
        durable=needs["durable"],
        fan_out=needs["fan_out"],
        result_in_answer=needs["result_in_answer"],
    )
    return components_for(req, slow_work=needs["slow_work"])


_CASES: list[tuple[dict, str]] = [
    (
        {"fan_out": 1, "durable": False, "slow_work": False, "result_in_answer": True},
        "a quick read whose caller waits for the result: the tiers and a gateway in front are enough",
    ),
    (
        {"fan_out": 3, "durable": False, "slow_work": False, "result_in_answer": False},
        "every write read by 3 independent consumers: a queue gives each message to one worker, a stream keeps it "
        "for every consumer group",
    ),
    (
        {"fan_out": 1, "durable": True, "slow_work": True, "result_in_answer": False},
        "slow work the caller need not wait for: a queue takes it (and keeps it: durable too)",
    ),
    (
        {"fan_out": 1, "durable": True, "slow_work": True, "result_in_answer": True},
        "the caller needs the result in the answer: no queue on that path, however slow the work; durable writes "
        "then need a database",
    ),
]


@question(
    "design.components",
    title="Pick the parts a set of requirements needs",
    off_limits=("course.design.components_for", "course.design.check_design"),
)
def components(rng: random.Random) -> Iterator[Check]:
    for needs, why in _CASES:
        yield Check(
            hint=why,
            ask=call(needs),
            expect=_library_components(needs),
        )
    cases = [
        {
            "fan_out": rng.choice([1, 1, 2, 4]),
            "durable": rng.random() < 0.5,
            "slow_work": rng.random() < 0.5,
            "result_in_answer": rng.random() < 0.4,
        }
        for _ in range(8)
    ]
    yield Check(
        hint="on random requirements some set of parts came out wrong: a gateway always; a stream for a fan-out "
        "above 1; a queue for slow work unless the caller needs the result; a database for durable writes that "
        "nothing else keeps",
        ask=calls([(c,) for c in cases]),
        expect=[_library_components(c) for c in cases],
    )
