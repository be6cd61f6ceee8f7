"""A million requests through the "rides" design, beside course.sim's own M/M/c figure, in one run.

Workload: `Design.example("rides")` sized for `--rate` requests per second with the lesson's own
back-of-the-envelope rule (`course.design.offered_load` and `instances_for`: every tier and the
matching queue kept near 70 % busy), steady traffic (no rush), `keep_records=False` (the run keeps
its request columns, about 30 bytes each, not a record object per request), run until `--requests`
requests have been sent. Every request goes through the gateway (auth, per-client limiter, cache),
a load balancer, a server pool, a sync call to pricing for bookings and the matching queue's
workers: several kernel events per request. Beside it, `course.sim.mmc` runs the same number of
customers (M/M/4 at 90 %: one arrival and one departure each), the kernel's own speed on the
simplest model.

Goal (issue 13): 1,000,000 requests in under 30 s on a 2-core machine, on the median of the
interleaved runs. Each figure is printed with its CPU seconds too: on a busy machine the wall clock
is noisy, CPU time much less so.

    .venv/bin/python benchmarks/design_scale.py [--requests N] [--rate R] [--repeats K]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from dataclasses import replace

from course.design import Design, instances_for, offered_load, simulate
from course.gateway import TokenBucket
from course.sim import Poisson, mmc

GOAL_SECONDS = 30.0


def sized_rides(rate: float) -> Design:
    """ "rides" at a steady `rate`, every tier and the queue sized to about 70 % busy by the estimate."""
    base = Design.example("rides", rate=rate, spike=1.0, keep_records=False)
    steady = replace(base, clients=tuple(replace(c, source=Poisson(c.source.base)) for c in base.clients))
    load = offered_load(steady, rate)
    tiers = tuple(
        replace(t, instances=instances_for(load[t.name], t.service_time.mean, workers=t.workers)) for t in steady.tiers
    )
    queues = tuple(
        replace(q, workers=instances_for(load[q.name], q.processing.mean), capacity=10_000) for q in steady.queues
    )
    limiter = TokenBucket(capacity=int(rate), rate=rate)  # generous: no client is limited at this rate
    return replace(steady, tiers=tiers, queues=queues, limiter=limiter)


def timed(fn, *args, **kwargs):
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=2_000.0, help="requests per second (steady)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each, interleaved (the verdict is on the median)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the traced run that measures memory")
    args = parser.parse_args()
    design = sized_rides(args.rate)
    until = args.requests / args.rate
    print(f"rides at {args.rate:,.0f} req/s for {until:,.0f} s (~{args.requests:,} requests), sized by the estimate:")
    for t in design.tiers:
        print(f"  {t!r}")
    for q in design.queues:
        print(f"  {q!r}")

    ours, ours_cpu, theirs, theirs_cpu = [], [], [], []
    results = None
    for _ in range(args.repeats):
        results, wall, cpu = timed(simulate, design, until=until, seed=0)
        ours.append(wall)
        ours_cpu.append(cpu)
        _, wall, cpu = timed(mmc, 3.6, 1.0, 4, results.requests, 0)
        theirs.append(wall)
        theirs_cpu.append(cpu)
    assert results is not None
    n = results.requests
    summary = results.summary()
    assert sum(summary.outcomes.values()) == n, "every request must end in exactly one outcome"
    print(summary)
    best, median = min(ours), statistics.median(ours)
    mmc_wall, mmc_cpu, cpu = statistics.median(theirs), statistics.median(theirs_cpu), statistics.median(ours_cpu)
    verdict = "meets" if median < GOAL_SECONDS else "MISSES"
    print(
        f"design: {n:,} requests in {median:.1f} s wall on the median run (best {best:.1f} s), {cpu:.1f} s CPU: "
        f"{n / median:,.0f} requests/s ({verdict} the goal of {GOAL_SECONDS:g} s)"
    )
    print(
        f"course.sim.mmc, M/M/4 at 90 %, {n:,} customers: {mmc_wall:.1f} s wall, {mmc_cpu:.1f} s CPU: "
        f"{n / mmc_wall:,.0f} customers/s; the design costs {cpu / mmc_cpu:.1f}x the kernel's simplest model "
        "per request (CPU)"
    )
    if not args.no_memory:
        gc.collect()
        tracemalloc.start()
        kept = simulate(design, until=until, seed=0)
        gc.collect()  # the run's parts (queues full of messages, the gateway's log) are garbage now
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"memory (a separate traced run): {peak / 1e6:,.0f} MB at the peak of the run; its results keep "
            f"{current / 1e6:,.0f} MB ({current / max(1, kept.requests):,.0f} bytes per request)"
        )


if __name__ == "__main__":
    main()
