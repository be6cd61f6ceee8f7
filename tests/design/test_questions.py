"""The lesson 6 questions accept a correct answer, refuse the usual wrong ones, and say which input failed."""

import math

import pytest

from course.checks import run_question
from course.checks.design import guarded_rides, reference_instances, sized_rides_works
from course.design import Design, Link, instances_for, simulate


def peak_rps(users, per_user, factor):
    return users * per_user / 86_400 * factor


def storage(users, per_user, share, size, copies):
    return users * per_user * share * size * copies


def sizing(rate, service_time, workers, utilization):
    return max(1, math.ceil(rate * service_time / workers / utilization - 1e-9))


def size_rides(peak):
    return {"instances": sizing(0.2 * peak, 0.1, 1, 0.7), "workers": sizing(0.2 * peak, 0.5, 1, 0.7)}


def guards():
    return {"timeout": 0.3, "breaker": (5, 2.0), "fallback": True}


def parts(needs):
    out = {"gateway"}
    if needs["fan_out"] > 1:
        out.add("stream")
    if needs["slow_work"] and not needs["result_in_answer"]:
        out.add("queue")
    if needs["durable"] and not out & {"queue", "stream"}:
        out.add("database")
    return out


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("design.peak_rps", peak_rps),
        ("design.storage_per_day", storage),
        ("design.instances_for", sizing),
        ("design.size_rides", size_rides),
        ("design.stop_the_cascade", guards),
        ("design.components", parts),
    ],
)
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
    assert result.ok, result.line
    assert result.total >= 3


@pytest.mark.parametrize(
    ("question", "answer", "hint", "detail"),
    [
        ("design.peak_rps", lambda u, r, f: u * r / 86_400, "the peak is 3 times that", "returned 231"),
        ("design.peak_rps", lambda u, r, f: u * r / 100_000 * f, "a day has 86,400 s", "returned 0.864"),
        ("design.storage_per_day", lambda u, r, w, b, c: u * r * b * c, "only the share of requests that write", ""),
        ("design.storage_per_day", lambda u, r, w, b, c: u * r * w * b, "every copy takes space", "returned"),
        ("design.instances_for", lambda r, s, w, u: math.ceil(r * s / w / u), "not past an exact answer", "returned 7"),
        ("design.instances_for", lambda r, s, w, u: round(r * s / w / u), "needs one instance", "returned 0"),
        ("design.instances_for", lambda r, s, w, u: int(r * s / w / u), "2 workers per instance", "returned 3"),
        ("design.size_rides", lambda p: {"instances": 1, "workers": 8}, "rides must serve 99 %", "returned {"),
        ("design.size_rides", lambda p: {"instances": 30, "workers": 80}, "at most about twice", "returned {"),
        ("design.size_rides", lambda p: {"instances": sizing(0.2 * p, 0.1, 1, 0.7)}, "matching's workers", ""),
        ("design.stop_the_cascade", lambda: {"retries": 3}, "retries alone add load", "returned {'retries': 3}"),
        ("design.stop_the_cascade", lambda: {"timeout": 0.05, "fallback": True}, "turns good calls", "returned"),
        ("design.stop_the_cascade", lambda: ["timeout"], "a plain dict", "returned ['timeout']"),
        ("design.components", lambda n: {"gateway", "queue"}, "the tiers and a gateway", "returned"),
        ("design.components", lambda n: parts(n) | {"queue"} if n["slow_work"] else parts(n), "no queue", ""),
    ],
)
def test_a_usual_mistake_fails_with_its_hint(question, answer, hint, detail):
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint and detail in result.detail, result.line


def test_a_stub_is_not_attempted_yet():
    def stub(*args):
        raise NotImplementedError

    for question in ("design.peak_rps", "design.size_rides", "design.stop_the_cascade", "design.components"):
        assert run_question(question, stub).status == "not attempted"


def test_the_instances_reference_is_the_library_rule():
    for rate in (0, 1, 7, 70, 333):
        for service_time in (0.01, 0.1, 0.25):
            for workers in (1, 2, 8):
                assert reference_instances(rate, service_time, workers, 0.7) == instances_for(
                    rate, service_time, workers=workers, utilization=0.7
                )


def test_the_sizing_check_is_judged_by_simulation_not_by_the_formula():
    # one instance more than the envelope and a few more workers still pass; the envelope minus one does not
    works = sized_rides_works(120, 1.0)
    assert works({"instances": 5, "workers": 20}) and works(size_rides(120))
    assert not works({"instances": 2, "workers": 20}) and not works({"instances": 5, "workers": 12})


def test_the_guarded_design_changes_only_booking_s_call_to_pricing():
    design = guarded_rides({"timeout": 0.3, "fallback": True})
    assert design.links[0] == Link("booking", "pricing", timeout=0.3, fallback=True)
    assert design.links[1:] == Design.example("rides").links[1:]
    assert simulate(design, until=4, seed=0).summary().requests > 0
