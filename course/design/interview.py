"""Interview mode: state the requirements, write a design, and hear in plain words what fails and why.

`check_design(design, requirements)` runs the design at the required peak (steady traffic, no
injected failures) and judges each requirement: enough of the peak served (and no part the envelope
puts at its capacity, whose backlog would grow without end however short the run), the answers'
p99 within budget, writes kept durably, every write seen by enough independent readers. Then it looks at the
components: a queue where the caller needs the result in the answer, a tier that only forwards to
another (a second balancer adds a hop, not capacity), no gateway in front, and tiers far bigger
than the peak needs. Each verdict names the requirement, by how much it fails, and the part to
change.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..sim import format_duration, validate
from .design import Design
from .estimate import instances_for, offered_load, utilization
from .parts import Tier, WorkQueue
from .results import WORDS, DesignResults
from .simulation import simulate

__all__ = ["DesignCheck", "Requirements", "Verdict", "check_design", "components_for"]

WRITES = ("POST", "PUT", "PATCH", "DELETE")
SATURATED = 0.98  # estimated utilization from which a part is taken to be at capacity
REFUSED_BY_RULE = ("unauthorized", "forbidden", "not_found")  # answers the design gives on purpose


@dataclass(frozen=True)
class Requirements:
    """What the system must do: serve `peak_rps` requests per second with at least `served` of them
    answered successfully, answers' p99 within `p99` seconds; `durable` writes (they must survive a
    crash: reach a queue, a stream or a tier that stores data); every write seen by `fan_out`
    independent readers; `result_in_answer` when the caller needs the work done before it is answered.

    >>> Requirements(peak_rps=300, p99=0.5)
    Requirements(peak 300 req/s, 99% served, p99 within 500 ms)
    """

    peak_rps: float
    p99: float
    served: float = 0.99
    durable: bool = False
    fan_out: int = 1
    result_in_answer: bool = False

    def __post_init__(self) -> None:
        validate.rate("peak_rps", self.peak_rps, positive=True, maximum=50_000, why="requests per second at peak")
        validate.duration("p99", self.p99, positive=True, maximum=600, why="seconds the answers' p99 may take")
        validate.number("served", self.served, above=0, maximum=1, why="the share of requests that must be served")
        validate.instance("durable", self.durable, bool, example="durable=True")
        validate.whole("fan_out", self.fan_out, minimum=1, maximum=50, why="independent readers of every write")
        validate.instance("result_in_answer", self.result_in_answer, bool, example="result_in_answer=True")

    def __repr__(self) -> str:
        extra = [f"{self.served:.0%} served", f"p99 within {format_duration(self.p99)}"]
        if self.durable:
            extra.append("durable writes")
        if self.fan_out > 1:
            extra.append(f"fan-out {self.fan_out}")
        if self.result_in_answer:
            extra.append("result in the answer")
        return f"Requirements(peak {self.peak_rps:g} req/s, {', '.join(extra)})"


@dataclass(frozen=True)
class Verdict:
    """One judgement: the `topic` ("peak", "p99", "durability", "fan-out", "components"), whether it is `ok`,
    and the `text` that says it in words."""

    topic: str
    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.topic}: {self.text}"


@dataclass(frozen=True)
class DesignCheck:
    """What `check_design` found: the `verdicts` in order, and the run at peak they came from."""

    design: Design
    requirements: Requirements
    results: DesignResults
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        """True when every verdict is ok."""
        return all(v.ok for v in self.verdicts)

    def failures(self) -> list[Verdict]:
        """The verdicts that are not ok."""
        return [v for v in self.verdicts if not v.ok]

    def __str__(self) -> str:
        head = "PASS" if self.passed else f"FAIL ({len(self.failures())} of {len(self.verdicts)})"
        return "\n".join([f"{head}: {self.design.name} against {self.requirements!r}", *map(str, self.verdicts)])

    def __repr__(self) -> str:
        return f"DesignCheck({'passed' if self.passed else 'failed'}: {', '.join(v.topic for v in self.failures())})"


def _reach(design: Design, start: str) -> set[str]:
    """Every part a request at `start` may reach through links."""
    seen, frontier = {start}, [start]
    while frontier:
        here = frontier.pop()
        for link in design.links_from(here):
            if link.target not in seen:
                seen.add(link.target)
                frontier.append(link.target)
    return seen


def _write_routes(design: Design) -> list[tuple[str, str]]:
    """(request line, tier) of every line of the mix that writes."""
    out = []
    for e in design.mix:
        if e.method in WRITES:
            match = design.routes.match(e.method, e.path.replace("{id}", "1"))
            if match is not None:
                out.append((f"{e.method} {e.path}", match.service))
    return out


def _forwarders(design: Design) -> list[tuple[str, str]]:
    """Tiers that only pass every request on to one other tier, doing (almost) no work of their own."""
    out = []
    for tier in design.tiers:
        links = design.links_from(tier.name)
        mean = tier.service_time.mean  # type: ignore[union-attr]
        if len(links) == 1 and links[0].mode == "sync" and links[0].share == 1.0 and mean <= 0.002:
            out.append((tier.name, links[0].target))
    return out


def _saturated(requirements: Requirements, name: str, rho: float, design: Design, load: dict[str, float]) -> str:
    """Why a part at or past its capacity fails the peak, however the short run looked, and its size."""
    spec = design.part(name)
    head = f"{requirements.peak_rps:g} req/s: {name} would be {rho:.0%} busy,"
    if isinstance(spec, WorkQueue):
        need = instances_for(load[name], spec.processing.mean)  # type: ignore[union-attr]
        return (
            head + " so its backlog grows without end (at 100% busy a queue never settles); "
            f"give it about {need} workers (it has {spec.workers})."
        )
    assert isinstance(spec, Tier)
    need = instances_for(load[name], spec.service_time.mean, workers=spec.workers)  # type: ignore[union-attr]
    return (
        head + " more work than it can ever do, so it turns requests away (503, 504); "
        f"give it about {need} instances (it has {spec.instances})."
    )


def _short_of(
    requirements: Requirements,
    served: float,
    outcomes: dict[str, int],
    results: DesignResults,
    design: Design,
    load: dict[str, float],
) -> str:
    """Why the peak was not served, naming the part that turned away or held back the most requests."""
    head = (
        f"{requirements.peak_rps:g} req/s: {served:.1%} served, "
        f"{(requirements.served - served) * 100:.1f} points short of {requirements.served:.0%};"
    )
    harm = {}
    for p in results.parts():
        if p.kind == "tier":
            harm[p.name] = p.refused + p.failed + p.timed_out
        elif p.kind == "queue":
            harm[p.name] = p.refused + p.failed + p.backlog_end
    limited = outcomes.get("rate_limited", 0)
    worst = max(harm, key=lambda name: (harm[name], results.part(name).utilization), default=None)
    if worst is None or limited > harm[worst]:
        return head + f" the per-client limiter refused {limited:,} (429): raise its rate or drop it."
    p, spec = results.part(worst), design.part(worst)
    if isinstance(spec, WorkQueue):
        need = instances_for(load[worst], spec.processing.mean)  # type: ignore[union-attr]
        return (
            head + f" {worst}'s workers ran {p.utilization:.0%} busy, {p.refused:,} messages were refused and "
            f"{p.backlog_end:,} still waited at the end: give it about {max(need, spec.workers + 1)} workers "
            f"(it has {spec.workers})."
        )
    assert isinstance(spec, Tier)
    need = instances_for(load[worst], spec.service_time.mean, workers=spec.workers)  # type: ignore[union-attr]
    return (
        head + f" {worst} ran {p.utilization:.0%} busy and turned away {harm[worst]:,} requests (503 or 504): "
        f"give it about {max(need, spec.instances + 1)} instances (it has {spec.instances})."
    )


def components_for(requirements: Requirements, *, slow_work: bool = False) -> set[str]:
    """The parts a design needs for `requirements` by the rules of lesson 6 (beside the tiers themselves):
    a "gateway" always (keys and limits in one place), a "queue" for `slow_work` that the caller need
    not wait for, never when it needs the result in the answer, a "stream" for a fan-out above 1, and
    something durable ("queue", "stream" or "database") for durable writes.

    >>> sorted(components_for(Requirements(peak_rps=100, p99=0.3, fan_out=3)))
    ['gateway', 'stream']
    >>> sorted(components_for(Requirements(peak_rps=100, p99=0.3, durable=True), slow_work=True))
    ['gateway', 'queue']
    >>> sorted(components_for(Requirements(peak_rps=100, p99=0.3, durable=True, result_in_answer=True)))
    ['database', 'gateway']
    """
    validate.instance("requirements", requirements, Requirements, example="Requirements(peak_rps=300, p99=0.5)")
    validate.instance("slow_work", slow_work, bool, example="slow_work=True")
    needed = {"gateway"}
    if requirements.fan_out > 1:
        needed.add("stream")
    if slow_work and not requirements.result_in_answer:
        needed.add("queue")
    if requirements.durable and not needed & {"queue", "stream"}:
        needed.add("database")
    return needed


def check_design(design: Design, requirements: Requirements, *, until: float = 20.0, seed: int = 0) -> DesignCheck:
    """Run `design` at `requirements.peak_rps` (steady, without its injected failures) and judge it.

    >>> req = Requirements(peak_rps=60, p99=1.0)
    >>> check_design(Design.example("rides"), req).passed
    True
    >>> print(check_design(Design.example("rides", instances=1), Requirements(peak_rps=120, p99=0.5)))
    FAIL (2 of 3): rides against Requirements(peak 120 req/s, 99% served, p99 within 500 ms)
    FAIL peak: ...
    """
    validate.instance("design", design, Design, example="check_design(Design.example('rides'), requirements)")
    validate.instance("requirements", requirements, Requirements, example="Requirements(peak_rps=300, p99=0.5)")
    span = validate.until(until, maximum=600)
    at_peak = replace(design.at_rate(requirements.peak_rps), failures=(), keep_records=False)
    results = simulate(at_peak, until=span, seed=seed)
    summary = results.summary()
    verdicts: list[Verdict] = []
    outcomes = summary.outcomes
    # requests refused on purpose (no key, no route) do not count, nor those still in progress at the end
    # that arrived in its last seconds; an older unfinished one (stuck in a backlog) counts as not served
    columns, unfinished = results.columns, WORDS.index("unfinished")
    recent = span - max(2.0, at_peak.gateway_timeout)
    young = sum(
        1 for code, t in zip(columns["outcome"], columns["arrival"], strict=True) if code == unfinished and t >= recent
    )
    meant = summary.requests - sum(outcomes.get(w, 0) for w in REFUSED_BY_RULE) - young
    served = outcomes.get("served", 0) / meant if meant else 1.0
    tiers = [p for p in results.parts() if p.kind == "tier"]
    load = offered_load(at_peak, requirements.peak_rps)
    saturated = {name: rho for name, rho in utilization(at_peak, requirements.peak_rps).items() if rho >= SATURATED}
    if saturated:  # a part at or beyond its capacity never settles: a short run only hides how far it falls behind
        name = max(saturated, key=lambda n: saturated[n])
        verdicts.append(Verdict("peak", False, _saturated(requirements, name, saturated[name], at_peak, load)))
    elif served >= requirements.served:
        verdicts.append(
            Verdict(
                "peak",
                True,
                f"{requirements.peak_rps:g} req/s: {served:.1%} served (needs {requirements.served:.1%}).",
            )
        )
    else:
        verdicts.append(Verdict("peak", False, _short_of(requirements, served, outcomes, results, at_peak, load)))
    budget = requirements.p99
    answer_p99 = summary.p99
    if requirements.result_in_answer and not math.isnan(summary.work_p99):
        answer_p99 = max(answer_p99, summary.work_p99)
    if math.isnan(answer_p99):
        verdicts.append(Verdict("p99", False, "nothing was served, so there is no p99 to judge."))
    elif answer_p99 <= budget:
        verdicts.append(
            Verdict("p99", True, f"p99 {format_duration(answer_p99)} within the {format_duration(budget)} budget.")
        )
    else:
        slowest = max(tiers, key=lambda p: -1.0 if math.isnan(p.p99) else p.p99)
        verdicts.append(
            Verdict(
                "p99",
                False,
                f"p99 {format_duration(answer_p99)}, {answer_p99 / budget:.1f}x the {format_duration(budget)} "
                f"budget; the slowest tier is {slowest.name} (p99 {format_duration(slowest.p99)}).",
            )
        )
    kinds = at_peak.kinds
    if requirements.durable:
        lost = []
        for line, tier in _write_routes(at_peak):
            reached = _reach(at_peak, tier)
            if not any(kinds[r] in ("queue", "stream") or (kinds[r] == "tier" and at_peak.part(r).stores)  # type: ignore[union-attr]
                       for r in reached):  # fmt: skip
                lost.append(f"{line} ends in {tier}, which keeps nothing")
        text = (
            "; ".join(lost) + ": add a queue, a stream or a database behind it."
            if lost
            else "every write reaches a queue, a stream or a database."
        )
        verdicts.append(Verdict("durability", not lost, text))
    if requirements.fan_out > 1:
        best = max((len(s.groups) for s in at_peak.streams), default=0)
        ok = best >= requirements.fan_out
        text = (
            f"writes reach a stream read by {best} consumer groups (needs {requirements.fan_out})."
            if ok
            else f"each write must reach {requirements.fan_out} independent readers: a queue gives each message "
            f"to one worker; add a stream read by {requirements.fan_out} consumer groups (the best here has {best})."
        )
        verdicts.append(Verdict("fan-out", ok, text))
    problems, advice = [], []
    if requirements.result_in_answer:
        for line, tier in _write_routes(at_peak) + [
            (f"{e.method} {e.path}", m.service)
            for e in at_peak.mix
            if e.method not in WRITES and (m := at_peak.routes.match(e.method, e.path.replace("{id}", "1")))
        ]:
            queues = [r for r in _reach(at_peak, tier) if kinds[r] == "queue"]
            if queues:
                problems.append(
                    f"a queue ({', '.join(sorted(queues))}) sits on {line}, but the caller needs the result in the "
                    f"answer: a queue answers 'accepted' and the work finishes later "
                    f"(p99 {format_duration(summary.work_p99)}); do that work in the request"
                )
    for name, target in _forwarders(at_peak):
        problems.append(
            f"{name} only forwards to {target}: a second balancer adds a hop, not capacity; "
            f"add instances to {target} instead"
        )
    if not at_peak.gateway:
        problems.append(
            f"no gateway: nothing checks API keys or limits a client ({summary.keyless_served:,} requests "
            "without a key were served); put one in front"
        )
    for part in tiers:
        spec = at_peak.part(part.name)
        need = instances_for(load[part.name], spec.service_time.mean, workers=spec.workers)  # type: ignore[union-attr]
        if spec.instances > max(2, 3 * need):  # type: ignore[union-attr]
            advice.append(
                f"{part.name} ran {part.utilization:.0%} busy at peak: about {max(2, need)} instances would do "
                f"(it has {spec.instances})"  # type: ignore[union-attr]
            )
    if problems:
        verdicts.append(Verdict("components", False, "; ".join(problems) + "."))
    elif advice:
        verdicts.append(Verdict("components", True, "nothing missing; " + "; ".join(advice) + "."))
    else:
        verdicts.append(Verdict("components", True, "nothing missing, nothing unnecessary."))
    return DesignCheck(design, requirements, results, tuple(verdicts))
