"""The interview checker's verdicts: designs that must pass, designs that must fail, and why in words."""

import pytest

from course.design import (
    Design,
    EventStream,
    Link,
    Requirements,
    Tier,
    WorkQueue,
    check_design,
    components_for,
    estimate,
    offered_load,
    peak_rate,
    utilization,
)
from course.gateway import Client, Endpoint, Route
from course.sim import Poisson


def orders(*, queue=False, stream_groups=0, stores=False, instances=2):
    """A small shop: POST /orders to an api tier, which may hand the work to a queue or a stream, or store it."""
    tiers = [Tier("api", instances=instances, workers=4, service_time=0.02, stores=stores)]
    queues, streams, links = [], [], []
    if queue:
        queues.append(WorkQueue("fulfil", workers=32, processing=0.2))
        links.append(Link("api", "fulfil", mode="async"))
    if stream_groups:
        streams.append(EventStream("orders", partitions=4, groups={f"g{i}": 1 for i in range(stream_groups)}))
        links.append(Link("api", "orders", mode="async"))
    return Design(
        name="shop",
        clients=(Client("web", Poisson(50), key="k"),),
        mix=(Endpoint("POST", "/orders"),),
        routes=(Route("/orders", "api", methods=("POST",)),),
        tiers=tuple(tiers),
        queues=tuple(queues),
        streams=tuple(streams),
        links=tuple(links),
    )


MUST_PASS = [
    ("rides, sized", Design.example("rides", instances=4, workers=20), Requirements(peak_rps=120, p99=1.0)),
    ("rides at its own rush", Design.example("rides"), Requirements(peak_rps=60, p99=1.0)),
    ("shop with a queue, durable", orders(queue=True), Requirements(peak_rps=100, p99=0.3, durable=True)),
    ("shop storing its orders", orders(stores=True), Requirements(peak_rps=100, p99=0.3, durable=True)),
    ("shop, stream for three readers", orders(stream_groups=3), Requirements(peak_rps=100, p99=0.3, fan_out=3)),
    ("dashboard", Design.example("dashboard"), Requirements(peak_rps=80, p99=0.5, fan_out=2, durable=True)),
]

MUST_FAIL = [
    ("rides with one booking", Design.example("rides", instances=1), Requirements(peak_rps=120, p99=1.0), {"peak"}),
    ("rides, matching short", Design.example("rides"), Requirements(peak_rps=120, p99=1.0), {"peak"}),
    ("rides, too tight a p99", Design.example("rides", workers=20), Requirements(peak_rps=60, p99=0.1), {"p99"}),
    ("shop keeping nothing", orders(), Requirements(peak_rps=100, p99=0.3, durable=True), {"durability"}),
    ("shop with a queue, fan-out 2", orders(queue=True), Requirements(peak_rps=100, p99=0.3, fan_out=2), {"fan-out"}),
    (
        "queue where the result is needed",
        orders(queue=True),
        Requirements(peak_rps=100, p99=0.3, result_in_answer=True),
        {"components"},  # misplaced even when the queue is quick enough: the caller gets "accepted", not the result
    ),
    ("no gateway", Design.example("rides", gateway=False), Requirements(peak_rps=60, p99=1.0), {"components"}),
    (
        "rides, a tight limiter",
        Design.example("rides", workers=40).replace(limiter=__import__("course.gateway").gateway.TokenBucket(5, 20)),
        Requirements(peak_rps=100, p99=1.0),
        {"peak"},
    ),
]


@pytest.mark.parametrize(("label", "design", "requirements"), MUST_PASS, ids=[c[0] for c in MUST_PASS])
def test_designs_that_meet_their_requirements_pass(label, design, requirements):
    verdict = check_design(design, requirements)
    assert verdict.passed, str(verdict)
    assert str(verdict).startswith("PASS")


@pytest.mark.parametrize(("label", "design", "requirements", "failing"), MUST_FAIL, ids=[c[0] for c in MUST_FAIL])
def test_designs_that_miss_fail_on_exactly_the_requirements_they_miss(label, design, requirements, failing):
    verdict = check_design(design, requirements)
    assert {v.topic for v in verdict.failures()} == failing, str(verdict)
    assert str(verdict).startswith(f"FAIL ({len(failing)} of {len(verdict.verdicts)})")


def test_each_failure_says_by_how_much_and_what_to_change():
    p99 = check_design(Design.example("rides", workers=20), Requirements(peak_rps=60, p99=0.1)).failures()[0]
    assert "x the 100 ms budget" in p99.text and "the slowest tier is" in p99.text
    keeps = check_design(orders(), Requirements(peak_rps=100, p99=0.3, durable=True)).failures()[0]
    assert keeps.text == "POST /orders ends in api, which keeps nothing: add a queue, a stream or a database behind it."
    fan = check_design(orders(queue=True), Requirements(peak_rps=100, p99=0.3, fan_out=2)).failures()[0]
    assert "add a stream read by 2 consumer groups (the best here has 0)" in fan.text
    limiter = check_design(
        Design.example("rides", workers=40).replace(limiter=__import__("course.gateway").gateway.TokenBucket(5, 20)),
        Requirements(peak_rps=100, p99=1.0),
    ).failures()[0]
    assert "the per-client limiter refused" in limiter.text


def test_an_oversized_tier_gets_advice_but_still_passes():
    verdict = check_design(Design.example("rides", instances=20, workers=20), Requirements(peak_rps=60, p99=1.0))
    assert verdict.passed and "booking ran" in str(verdict) and "(it has 20)" in str(verdict)


def test_the_checker_runs_at_the_peak_without_the_design_s_failures():
    verdict = check_design(Design.example("rides", failure="a dependency slows"), Requirements(peak_rps=60, p99=1.0))
    assert verdict.passed and verdict.results.design.failures == () and round(verdict.results.design.rate) == 60


@pytest.mark.parametrize(
    ("needs", "slow", "parts"),
    [
        ({}, False, {"gateway"}),
        ({"fan_out": 3}, False, {"gateway", "stream"}),
        ({"durable": True}, False, {"gateway", "database"}),
        ({"durable": True}, True, {"gateway", "queue"}),
        ({"durable": True, "fan_out": 2}, False, {"gateway", "stream"}),
        ({"result_in_answer": True}, True, {"gateway"}),
    ],
)
def test_components_for_follows_the_lesson_s_rules(needs, slow, parts):
    assert components_for(Requirements(peak_rps=10, p99=1.0, **needs), slow_work=slow) == parts


def test_the_envelope_and_the_design_s_load():
    e = estimate(daily_users=86_400, requests_per_user=2, peak_factor=2, write_share=0.5, copies=2)
    assert (e.average_rps, e.peak_rps, e.storage_per_day) == (2.0, 4.0, 86_400 * 2 * 0.5 * 1_000 * 2)
    rides = Design.example("rides")
    load = offered_load(rides, rate=100)
    assert load["booking"] == pytest.approx(20) and load["pricing"] == pytest.approx(45)
    assert load["matching"] == pytest.approx(load["booking"])  # every booking hands one match to the queue
    assert utilization(rides, rate=100)["booking"] == pytest.approx(20 * 0.1 / 3)
    assert peak_rate(rides) == pytest.approx(120, rel=0.01)
    polling = Design.example("dashboard", stream=False)
    assert utilization(polling, rate=100)["rides-db"] == pytest.approx((80 + 20 * 40) * 0.01 / 8)
