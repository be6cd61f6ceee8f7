"""The shared results base: records, summaries that print with units, time series, flows."""

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import (
    OUTCOMES,
    ConstantRate,
    Flow,
    Poisson,
    Results,
    RunResults,
    SummaryBase,
    format_duration,
    outcome,
    per_second,
    percentile,
    percentiles,
    run_pool,
    seconds,
    share,
)


@dataclass(frozen=True, repr=False)
class Demo(SummaryBase):
    requests: int
    p99: float = seconds("p99 latency")
    served: float = share()
    rate: float = per_second()


def test_summary_fields_print_with_their_unit_in_repr_and_in_words():
    s = Demo(requests=3, p99=0.25, served=0.5, rate=12.34)
    assert repr(s) == "Demo(requests=3, p99=250 ms, served=50%, rate=12.3/s)"
    assert str(s) == "requests 3 · p99 latency 250 ms · served 50% · rate 12.3/s"


def test_a_long_summary_wraps_at_word_boundaries():
    s = Demo(requests=10**70, p99=2.5, served=1.0, rate=1.0)
    assert all(len(line) <= SummaryBase.WIDTH for line in str(s).splitlines())
    assert " ".join(str(s).split()) == " ".join(s.lines()[0].split())


def test_format_duration_reads_as_people_say_it():
    assert [format_duration(x) for x in (0.0004, 0.0412, 0.9994, 1.0, 2.5, math.nan)] == [
        "0 ms",
        "41 ms",
        "999 ms",
        "1.00 s",
        "2.50 s",
        "n/a",
    ]
    with pytest.raises(ValueError, match=r"^seconds must be an int or a float"):
        format_duration("0.5")


@given(values=st.lists(st.floats(0, 1e6), max_size=30), qs=st.lists(st.floats(0, 100), min_size=1, max_size=5))
def test_percentiles_from_one_sort_equal_each_percentile(values, qs):
    got = percentiles(values, qs)
    for q, p in zip(qs, got, strict=True):
        assert p == percentile(values, q) or (math.isnan(p) and not values)
    if values:
        assert min(values) <= min(got) <= max(got) <= max(values)


@pytest.mark.parametrize("values", [[1.0, math.nan], [math.inf, 1.0], ["1", 2], [None]])
def test_percentiles_refuse_values_that_are_not_finite_numbers(values):
    with pytest.raises(ValueError, match=r"^values must be a finite number"):
        percentile(values, 50)


def test_percentiles_name_the_argument_that_was_wrong():
    with pytest.raises(ValueError, match=r"^q must be a number from 0 to 100 \(got 101\)"):
        percentile([1.0], 101)
    with pytest.raises(ValueError, match=r"^qs must be a number from 0 to 100 \(got -1\)"):
        percentiles([1.0], [50, -1])
    with pytest.raises(ValueError, match=r"^values must be a list \(got 3\)"):
        percentile(3, 50)


def test_every_job_of_a_pool_run_is_counted_once_in_outcomes_and_summary():
    res = run_pool(Poisson(30), 0.1, servers=2, queue_capacity=3, until=20, seed=4)
    counts = res.outcomes()
    s = res.summary()
    assert sum(counts.values()) == s.requests == len(res.records)
    assert counts.get("served", 0) == s.served and counts.get("rejected", 0) == s.rejected
    assert set(counts) <= set(OUTCOMES)
    assert list(counts.values()) == sorted(counts.values(), reverse=True)  # most common first


def test_outcomes_by_an_attribute_the_records_do_not_have_lists_the_ones_they_do():
    res = run_pool(ConstantRate(2), 0.1, until=3)
    assert res.outcomes("server") == {0: 5}
    with pytest.raises(ValueError, match=r"^attribute must be one of 'job', 'arrival', .* \(got 'state'\)"):
        res.outcomes("state")


def test_a_time_series_of_a_run_covers_it_with_bins():
    res = run_pool(Poisson(20), 0.01, until=10, seed=1)
    for width, n in ((1.0, 10), (3.0, 4), (1e9, 1)):  # a bin wider than the run is one bin holding it all
        ts = res.timeseries(bin=width)
        assert len(ts.t) == n
        assert sum(ts.arrivals) == len(res.records)
    with pytest.raises(ValueError, match=r"^bin must be at least 0.0001 seconds for a 10 s run"):
        res.timeseries(bin=1e-6)
    with pytest.raises(ValueError, match=r"^bin must be a positive number"):
        res.timeseries(bin=True)


def test_run_results_check_what_they_are_built_from():
    with pytest.raises(ValueError, match=r"^records must be a list or a tuple"):
        RunResults(None, records=5, until=10)
    with pytest.raises(ValueError, match=r"^until must be a number from 0"):
        RunResults(None, records=[], until=math.nan)
    with pytest.raises(ValueError, match=r"^servers must be a whole number of at least 1"):
        Results([], until=10, servers=0, busy_time=0)
    with pytest.raises(NotImplementedError, match="must define summary"):
        RunResults(None, [], 10).summary()


def test_a_flow_is_an_edge_with_a_count_and_maybe_an_outcome():
    f = Flow("gateway", "429", 12, "rate_limited")
    assert (f.source, f.target, f.count, f.outcome) == ("gateway", "429", 12, "rate_limited")
    assert f == ("gateway", "429", 12, "rate_limited")  # still a plain tuple for DataFrames
    assert f._replace(count=3).count == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "^count must be a finite number of at least 0"),
        ({"count": math.nan}, "^count must be a finite number of at least 0"),
        ({"count": "12"}, "^count must be a finite number of at least 0"),
        ({"source": None}, "^source must be a str"),
        ({"outcome": "dropped"}, r"^outcome must be one of 'served', .* \(got 'dropped'\)"),
    ],
)
def test_a_flow_refuses_what_is_not_an_edge(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Flow(**{"source": "a", "target": "b", "count": 1, **kwargs})


def test_one_word_per_outcome_and_typos_are_caught():
    assert outcome("served") == "served"
    assert all(word == word.lower() and " " not in word for word in OUTCOMES)
    with pytest.raises(ValueError, match=r"^word must be one of .*'unfinished' \(got 'dropped'\)"):
        outcome("dropped")


def test_summary_labels_must_be_text():
    for field_maker in (seconds, share, per_second):
        with pytest.raises(ValueError, match=r"^label must be a str"):
            field_maker(3)
