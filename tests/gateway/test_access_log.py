import copy
import pickle

import pytest

from course.gateway import AccessLog, AccessLogEntry

RECORDS = [
    AccessLogEntry(0.0, "alice", "GET", "/users/1", 200, "users-service", 0.0123, False, "backend"),
    AccessLogEntry(0.1, "alice", "GET", "/users/1", 200, "users-service", 0.001, True, "cache"),
    AccessLogEntry(0.2, "eve", "GET", "/users/1", 401, "users-service", 0.001, False, "auth"),
    AccessLogEntry(0.3, "bob", "GET", "/nope", 404, None, 0.001, False, "route"),
    AccessLogEntry(0.4, "bob", "GET", "/users/2", 429, "users-service", 0.001, False, "rate_limit"),
]


def test_the_log_prints_as_an_aligned_table():
    assert str(AccessLog(RECORDS[:2])).splitlines() == [
        "time   client  method  path      status  outcome  service        latency  cache  stage",
        "0.000  alice   GET     /users/1  200     served   users-service  12.3 ms         backend",
        "0.100  alice   GET     /users/1  200     served   users-service  1.0 ms   hit    cache",
    ]
    assert repr(AccessLog(RECORDS[:1])).startswith("AccessLog(1 records)\ntime")
    assert repr(AccessLog()) == "AccessLog(0 records)"


def test_a_long_log_shows_its_head_and_says_how_many_more():
    text = str(AccessLog(RECORDS * 3))
    assert len(text.splitlines()) == 1 + 10 + 1
    assert text.splitlines()[-1] == "... 5 more of 15 records"


def test_the_html_table_escapes_and_has_a_row_per_record():
    html = AccessLog([*RECORDS[:1], RECORDS[0]._replace(path="/<script>")])._repr_html_()
    assert html.count("<tr>") == 3 and "&lt;script&gt;" in html and "<script>" not in html


def test_the_outcome_always_follows_the_status():
    assert [r.outcome for r in RECORDS] == ["served", "served", "unauthorized", "not_found", "rate_limited"]
    changed = RECORDS[0]._replace(status=503)
    assert (changed.status, changed.outcome) == (503, "rejected")
    with pytest.raises(ValueError, match="outcome follows from status"):
        RECORDS[0]._replace(outcome="rate_limited")
    assert copy.copy(RECORDS[2]) == RECORDS[2] == pickle.loads(pickle.dumps(RECORDS[2]))


def test_filters_and_counts():
    log = AccessLog(RECORDS)
    assert log.by_status() == {200: 2, 401: 1, 404: 1, 429: 1}
    assert log.by_outcome() == {"served": 2, "rate_limited": 1, "unauthorized": 1, "not_found": 1}
    assert log.by_client() == {"alice": 2, "bob": 2, "eve": 1}
    assert len(log.where(status={401, 403, 404, 429})) == 3
    assert [r.client for r in log.where(client="bob", outcome="rate_limited")] == ["bob"]
    assert len(log.where(cache_hit=True)) == 1
    assert log.count_by("service") == {"users-service": 4, None: 1}
    assert log[1:3].by_status() == {200: 1, 401: 1} and log[0] == RECORDS[0]
    assert log.to_dicts()[0]["latency"] == 0.0123


def test_unknown_fields_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"field must be one of 'time', 'client', 'method'.*\(got 'colour'\)"):
        AccessLog(RECORDS).where(colour="red")
    with pytest.raises(ValueError, match=r"field must be one of .*\(got 'colour'\)"):
        AccessLog(RECORDS).count_by("colour")
