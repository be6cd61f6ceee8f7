"""Our kernel against SimPy (and a hand-written heapq loop) on the same M/M/4 model, in one run.

Model: Poisson arrivals at 3.6/s, exponential service at 1/s, 4 servers, 200,000
customers, several seeds. Prints customers per second for each engine, the speed ratios,
and the mean waits beside the Erlang C prediction (1.969 s). Target: on the median of the
interleaved runs, course.sim (the general kernel with a `ServerPool`) >= 6x SimPy. The plain
loop is the ceiling for Python: one function, no kernel, nothing but this one model.

    .venv/bin/python benchmarks/engine_vs_simpy.py [--customers N] [--seeds K] [--repeats R]

The verdict uses median runs; the best runs are printed too (noise on a shared machine only
ever adds time, and here run-to-run noise reaches 20 %). Each run is also timed in CPU seconds
of this process, which other processes on a busy machine barely move.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
from collections import deque
from heapq import heappop, heappush

import simpy

from course.sim import mmc, mmc_theory, stream

ARRIVAL_RATE, SERVICE_RATE, SERVERS = 3.6, 1.0, 4


def simpy_mmc(customers: int, seed: int) -> float:
    """The same model written the usual SimPy way (processes + a Resource); returns mean wait."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    arrivals, service = stream(seed, "arrivals"), stream(seed, "service")
    waits: list[float] = []

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service.expovariate(SERVICE_RATE))

    def source(env):
        for _ in range(customers):
            yield env.timeout(arrivals.expovariate(ARRIVAL_RATE))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return sum(waits) / len(waits)


def plain_mmc(customers: int, seed: int) -> float:
    """The same model as one hand-written heapq loop (no kernel, no pool); returns mean wait."""
    arrivals, service = stream(seed, "arrivals"), stream(seed, "service")
    log, draw_gap, draw_work = math.log, arrivals.random, service.random
    heap: list[tuple[float, int, bool]] = []
    waiting: deque[float] = deque()
    idle, ticket, arrived, total_wait, t = SERVERS, 1, 1, 0.0, 0.0
    t -= log(1.0 - draw_gap()) / ARRIVAL_RATE
    heappush(heap, (t, 0, True))
    while heap:
        now, _, is_arrival = heappop(heap)
        if is_arrival:
            if arrived < customers:
                t -= log(1.0 - draw_gap()) / ARRIVAL_RATE
                heappush(heap, (t, ticket, True))
                ticket, arrived = ticket + 1, arrived + 1
            if idle:
                idle -= 1
                heappush(heap, (now - log(1.0 - draw_work()) / SERVICE_RATE, ticket, False))
                ticket += 1
            else:
                waiting.append(now)
        elif waiting:
            total_wait += now - waiting.popleft()
            heappush(heap, (now - log(1.0 - draw_work()) / SERVICE_RATE, ticket, False))
            ticket += 1
        else:
            idle += 1
    return total_wait / customers


def timed(fn, *args):
    """`fn(*args)`, its wall-clock seconds and its CPU seconds."""
    gc.collect()  # start both engines from the same clean heap
    start, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return value, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2, help="runs per seed and engine, interleaved")
    args = parser.parse_args()
    n = args.customers
    theory = mmc_theory(ARRIVAL_RATE, SERVICE_RATE, SERVERS).mean_wait

    engines = {"course.sim": lambda seed: mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS, n, seed).mean_wait}
    engines["SimPy"] = lambda seed: simpy_mmc(n, seed)
    engines["plain loop"] = lambda seed: plain_mmc(n, seed)
    wall: dict[str, list[float]] = {name: [] for name in engines}
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    waits: dict[str, list[float]] = {name: [] for name in engines}
    for seed in range(args.seeds):
        for _ in range(args.repeats):  # interleaved, so a noisy spell on the machine hits every engine
            for name, run in engines.items():
                wait, dt, used = timed(run, seed)
                wall[name].append(dt)
                cpu[name].append(used)
                waits[name].append(wait)
            print(f"seed {seed}: " + " | ".join(f"{name} {n / wall[name][-1]:>9,.0f}/s" for name in engines))
    print()
    runs = f"{args.seeds} seeds x {args.repeats} runs"
    print(f"M/M/{SERVERS}, lambda={ARRIVAL_RATE}, mu={SERVICE_RATE}, {n:,} customers, {runs} per engine, interleaved")
    print(f"{'engine':<11} {'median':>12} {'best':>12} {'best CPU':>12}   customers/s")
    for name in engines:
        median, best, best_cpu = (n / statistics.median(wall[name]), n / min(wall[name]), n / min(cpu[name]))
        print(f"{name:<11} {median:>12,.0f} {best:>12,.0f} {best_cpu:>12,.0f}")
    means = ", ".join(f"{name} {statistics.mean(waits[name]):.3f} s" for name in engines)
    print(f"mean wait: {means}; Erlang C {theory:.3f} s")
    ratio = statistics.median(wall["SimPy"]) / statistics.median(wall["course.sim"])
    ceiling = statistics.median(wall["SimPy"]) / statistics.median(wall["plain loop"])
    best = min(wall["SimPy"]) / min(wall["course.sim"])
    verdict = "OK" if ratio >= 6 else "BELOW TARGET"
    print(
        f"speed ratio (median runs): course.sim {ratio:.1f}x SimPy (best runs {best:.1f}x); "
        f"plain loop {ceiling:.1f}x SimPy; target course.sim >= 6x -> {verdict}"
    )


if __name__ == "__main__":
    main()
