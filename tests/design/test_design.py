"""A design is plain, frozen data: the five examples build, invalid designs are refused with a sentence."""

import dataclasses

import pytest

from course.design import DESIGNS, FAILURES, Design, EventStream, Failure, Link, Tier, WorkQueue
from course.gateway import Route

WEB = (Route("/hello", "web"),)


def test_every_example_builds_and_is_frozen():
    for name in DESIGNS:
        design = Design.example(name)
        assert design.name == name and design.tiers and design.notes == ()
        with pytest.raises(dataclasses.FrozenInstanceError):
            design.name = "other"  # type: ignore[misc]


def test_every_failure_preset_either_breaks_a_part_or_says_why_nothing_fails():
    for name in DESIGNS:
        for failure in FAILURES[1:]:
            design = Design.example(name, failure=failure)
            assert bool(design.failures) != any("nothing fails" in note for note in design.notes), (name, failure)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"links": (Link("web", "web"),)}, "the sync calls web -> web form a cycle"),
        ({"links": (Link("web", "nowhere"),)}, "an edge to nothing"),
        (
            {"queues": (WorkQueue("jobs"),), "links": (Link("web", "jobs"),)},
            "a sync call into the queue 'jobs' cannot work",
        ),
        (
            {"streams": (EventStream("log"),), "links": (Link("web", "log"),)},
            "a sync call into the stream 'log' cannot work",
        ),
        (
            {"tiers": (Tier("web"), Tier("db")), "links": (Link("web", "db", mode="async"),)},
            "an async link must end in a queue or a stream",
        ),
        ({"tiers": (Tier("web"), Tier("db"))}, "'db' is unreachable"),
        ({"queues": (WorkQueue("jobs"),)}, "'jobs' is unreachable"),
        (
            {"queues": (WorkQueue("jobs"),), "links": (Link("web", "jobs", mode="async"), Link("jobs", "web"))},
            "only a tier calls other parts",
        ),
        ({"failures": (Failure("workers_fail", "web"),)}, "target must be a queue"),
        ({"tiers": (Tier("web"), Tier("web"))}, "names must not repeat a value"),
    ],
)
def test_a_design_that_cannot_run_is_refused_with_a_sentence(changes, says):
    with pytest.raises(ValueError, match=says):
        Design(routes=WEB, **{"tiers": (Tier("web"),), **changes})


def test_a_longer_cycle_is_named_hop_by_hop():
    tiers = (Tier("a"), Tier("b"), Tier("c"))
    links = (Link("a", "b"), Link("b", "c"), Link("c", "a"))
    with pytest.raises(ValueError, match="a -> b -> c -> a form a cycle"):
        Design(routes=(Route("/x", "a"),), tiers=tiers, links=links)


def test_a_queue_breaks_a_cycle_of_sync_calls():
    tiers = (Tier("a"), Tier("b"))
    links = (Link("a", "b"), Link("b", "jobs", mode="async"))
    design = Design(routes=(Route("/x", "a"),), tiers=tiers, queues=(WorkQueue("jobs"),), links=links)
    assert design.kinds == {"a": "tier", "b": "tier", "jobs": "queue"}


def test_routes_must_lead_to_tiers():
    with pytest.raises(ValueError, match="routes lead to 'web', which is not a tier"):
        Design(routes=WEB, tiers=(Tier("api"),))


def test_knobs_that_do_not_apply_are_noted_not_ignored_silently():
    assert Design.example("chat", queue_capacity=20).notes == (
        "queue_capacity: chat has no queue, so queue_capacity changes nothing",
    )
    assert Design.example("rides", failure="the broker fails").failures == ()
    assert Design.example("rides", queue=False).kinds["matching"] == "tier"


def test_an_unknown_knob_lists_the_knobs_and_the_fields():
    with pytest.raises(ValueError, match=r"speed is neither a knob of Design\.example nor a field of Design"):
        Design.example("rides", speed=2)


def test_describe_lists_every_part_and_link():
    text = Design.example("rides", guards=True).describe()
    for part in ("booking", "pricing", "trips", "matching", "timeout 300 ms", "fallback", "route POST /rides"):
        assert part in text


def test_at_rate_keeps_the_clients_shares():
    design = Design.example("rides").at_rate(200)
    rates = [c.source.rate for c in design.clients]
    assert sum(rates) == pytest.approx(200) and rates[0] == pytest.approx(100)
