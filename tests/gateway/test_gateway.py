import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.gateway import (
    AddHeader,
    Authenticator,
    Cache,
    FixedWindow,
    Forwarded,
    Gateway,
    Request,
    Route,
    SlidingWindowCounter,
    SlidingWindowLog,
    StripPrefix,
    TokenBucket,
)

ROUTES = [
    Route("/users/{id}", "users-service"),
    Route("/orders", "orders-service", methods=("POST",)),
    Route("/admin/*", "admin-service"),
]
AUTH = Authenticator(
    keys={"key-alice": "alice", "key-carol": "carol"},
    allowed={"alice": {"users-service", "orders-service"}, "carol": "*"},
)


def full_gateway(**changes):
    settings = dict(
        auth=AUTH,
        limiter=TokenBucket(capacity=2, rate=1),
        cache=Cache(capacity=10, ttl=5),
        transforms=[StripPrefix("/api/v1"), AddHeader("X-Request-Id", "req-{n}")],
        backend=0.02,
    )
    return Gateway(ROUTES, **{**settings, **changes})


def alice(path="/users/123", method="GET"):
    return Request(method, path, "alice", headers={"X-Api-Key": "key-alice"})


def test_the_stages_run_in_a_visible_order():
    gw = full_gateway()
    assert gw.stages == ("transform", "route", "auth", "rate_limit", "cache", "backend")
    assert Gateway(ROUTES).stages == ("route", "backend")
    assert repr(gw).splitlines()[0] == "Gateway(transform -> route -> auth -> rate_limit -> cache -> backend)"


def test_get_users_123_reaches_the_users_service():
    response = full_gateway().handle(alice(), now=0.0)
    assert (response.status, response.service, response.latency, response.cache_hit) == (
        200,
        "users-service",
        0.021,
        False,
    )


def test_each_stage_answers_with_its_status():
    gw = full_gateway()
    assert gw.handle(alice("/products/1"), now=0.0).status == 404
    r405 = gw.handle(alice("/orders"), now=0.0)
    assert (r405.status, r405.headers["Allow"]) == (405, "POST")
    r401 = gw.handle(Request("GET", "/users/1", "eve"), now=0.0)
    assert (r401.status, r401.reason, r401.headers["WWW-Authenticate"]) == (401, "no API key", "ApiKey")
    assert gw.handle(alice("/admin/stats"), now=0.0).status == 403
    assert gw.handle(alice("/users/1"), now=0.0).status == 200
    assert gw.handle(alice("/users/1"), now=0.0).status == 200  # from the cache
    r429 = gw.handle(alice("/users/2"), now=0.0)
    assert (r429.status, r429.retry_after) == (429, 1.0)
    assert gw.by_status() == {200: 2, 401: 1, 403: 1, 404: 1, 405: 1, 429: 1}
    assert gw.outcomes() == {"served": 2, "rate_limited": 1, "unauthorized": 1, "forbidden": 1, "not_found": 2}


def test_a_429_says_when_to_retry_and_retrying_then_succeeds():
    gw = full_gateway(cache=None, limiter=TokenBucket(capacity=20, rate=100))
    statuses = [gw.handle(alice(f"/users/{i}"), now=0.0).status for i in range(50)]
    assert statuses.count(200) == 20 and statuses.count(429) == 30
    refused = gw.handle(alice(), now=0.0)
    assert refused.retry_after == 0.01
    assert gw.handle(alice(), now=0.009).status == 429
    assert gw.handle(alice(), now=refused.retry_after).status == 200


def test_the_cache_answers_repeat_gets_until_the_ttl_runs_out():
    gw = full_gateway(limiter=None)
    first, second = gw.handle(alice(), now=0.0), gw.handle(alice(), now=4.999)
    assert (first.cache_hit, second.cache_hit, second.latency) == (False, True, 0.001)
    assert gw.handle(alice(), now=5.0).cache_hit is False  # stored at 0 with ttl 5: stale at exactly 5
    assert gw.saved == pytest.approx(0.02)


def test_posts_are_never_cached():
    gw = full_gateway(limiter=None)
    assert [gw.handle(alice("/orders", "POST"), now=0.0).cache_hit for _ in range(2)] == [False, False]


def test_transforms_run_before_routing():
    gw = full_gateway(limiter=None)
    response = gw.handle(alice("/api/v1/users/7"), now=0.0)
    assert response.status == 200 and response.service == "users-service"
    assert gw.log[-1].path == "/api/v1/users/7"  # the log keeps what the client asked for


def test_the_rate_limit_is_per_authenticated_client():
    gw = full_gateway(cache=None)
    carol = Request("GET", "/users/1", "carol", headers={"X-Api-Key": "key-carol"})
    assert [gw.handle(alice(), now=0.0).status for _ in range(3)] == [200, 200, 429]
    assert [gw.handle(carol, now=0.0).status for _ in range(3)] == [200, 200, 429]


def test_the_counts_table_adds_up():
    gw = full_gateway()
    for i, path in enumerate(["/users/1", "/users/1", "/users/2", "/nope", "/admin/x"]):
        gw.handle(alice(path), now=i * 0.1)
    gw.handle(Request("GET", "/users/1", "eve"), now=1.0)
    assert gw.counts_table().splitlines() == [
        "stage       arrived  passed  answered",
        "transform         6       6  -",
        "route             6       5  404: 1",
        "auth              5       3  401: 1, 403: 1",
        "rate_limit        3       2  429: 1",
        "cache             2       1  200: 1",
        "backend           1       0  200: 1",
    ]
    assert len(gw.log) == gw.received == 6


def test_backends_can_differ_per_service_or_be_a_function():
    gw = Gateway(ROUTES, backend={"users-service": 0.05, "orders-service": 0.1, "admin-service": 0.2}, overhead=0)
    assert gw.handle(Request("POST", "/orders", "x"), now=0).latency == 0.1
    gw = Gateway(ROUTES, backend=lambda request, match: 0.001 * int(match.params.get("id", 0)), overhead=0)
    assert gw.handle(Request("GET", "/users/30", "x"), now=0).latency == 0.03


def test_handle_defaults_now_to_the_request_time_and_refuses_going_back():
    gw = Gateway(ROUTES)
    gw.handle(Request("GET", "/users/1", "x", time=2.0))
    assert gw.log[-1].time == 2.0
    with pytest.raises(ValueError, match=r"time went backwards: now=1\.0 s comes before 2\.0 s"):
        gw.handle(Request("GET", "/users/1", "x"), now=1.0)


def test_fresh_keeps_the_settings_and_drops_the_history():
    gw = full_gateway()
    gw.handle(alice(), now=0.0)
    copy = gw.fresh()
    assert copy.stages == gw.stages and copy.received == 0 and len(copy.log) == 0
    assert copy.limiter == gw.limiter and copy.limiter is not gw.limiter and len(copy.cache) == 0


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Gateway([]), "routes must hold at least one route"),
        (lambda: Gateway(ROUTES, auth={"key": "alice"}), "auth must be an Authenticator .*or None to skip the stage"),
        (lambda: Gateway(ROUTES, limiter="token_bucket"), "limiter must be a RateLimiter .*TokenBucket"),
        (lambda: Gateway(ROUTES, cache=100), "cache must be a Cache"),
        (lambda: Gateway(ROUTES, backend=-1), "backend must be a number from 0 "),
        (lambda: Gateway(ROUTES, backend={"users-service": 0.1}), "backend has no latency for orders-service"),
        (lambda: Gateway(ROUTES, overhead=float("inf")), "overhead must be a number from 0 "),
        (lambda: Gateway(ROUTES, transforms=["strip"]), "steps must be transform steps"),
        (lambda: Gateway(ROUTES).handle("GET /users/1", now=0), "request must be a Request"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()


limiters = st.sampled_from(
    [None, TokenBucket(3, 2), FixedWindow(3, 1.0), SlidingWindowLog(3, 1.0), SlidingWindowCounter(3, 1.0)]
)
requests = st.lists(
    st.tuples(
        st.sampled_from(["GET", "POST", "DELETE"]),
        st.sampled_from(["/users/1", "/users/2", "/api/v1/users/3", "/orders", "/admin/x", "/nope", "/"]),
        st.sampled_from([None, "key-alice", "key-carol", "key-bogus"]),
        st.integers(0, 300),  # milliseconds since the previous request
    ),
    max_size=60,
)


@given(reqs=requests, limiter=limiters, use_auth=st.booleans(), ttl=st.sampled_from([None, 0, 0.5, 5]))
def test_every_request_gets_exactly_one_outcome_and_the_counters_add_up(reqs, limiter, use_auth, ttl):
    gw = Gateway(
        ROUTES,
        auth=AUTH if use_auth else None,
        limiter=None if limiter is None else limiter.fresh(),
        cache=None if ttl is None else Cache(capacity=2, ttl=ttl),
        transforms=StripPrefix("/api/v1"),
    )
    now, statuses = 0.0, []
    for method, path, key, gap in reqs:
        now += gap / 1000
        headers = {"X-Api-Key": key} if key else None
        statuses.append(gw.handle(Request(method, path, "c", headers=headers), now=now).status)
    assert len(gw.log) == gw.received == len(reqs)
    assert [r.status for r in gw.log] == statuses
    assert sum(gw.by_status().values()) == sum(gw.outcomes().values()) == len(reqs)
    counts = gw.counts()
    assert counts[0].arrived == len(reqs)
    for before, after in itertools.pairwise(counts):
        assert after.arrived == before.passed  # what one stage passes on, the next receives
    assert counts[-1].passed == 0 and gw.in_flight == 0  # the backend answers everything it gets
    assert set(statuses) <= {200, 401, 403, 404, 405, 429}


@given(reqs=requests, limiter=limiters)
def test_a_gateway_that_keeps_no_log_answers_and_counts_the_same(reqs, limiter):
    def run(keep_log):
        gw = Gateway(
            ROUTES,
            auth=AUTH,
            limiter=None if limiter is None else limiter.fresh(),
            cache=Cache(capacity=2, ttl=0.5),
            keep_log=keep_log,
        )
        now, statuses = 0.0, []
        for method, path, key, gap in reqs:
            now += gap / 1000
            headers = {"X-Api-Key": key} if key else None
            statuses.append(gw.handle(Request(method, path, "c", headers=headers), now=now).status)
        return statuses, gw.counts(), gw.outcomes(), len(gw.log)

    (statuses, counts, outcomes, logged), without = run(True), run(False)
    assert without == (statuses, counts, outcomes, 0)
    assert logged == len(reqs)


@given(reqs=requests, limiter=limiters)
def test_decide_then_answer_is_handle_cut_in_two(reqs, limiter):
    def gateway():
        return Gateway(ROUTES, auth=AUTH, limiter=None if limiter is None else limiter.fresh(), cache=Cache(2, 0.5))

    whole, halves = gateway(), gateway()
    now = 0.0
    for method, path, key, gap in reqs:
        now += gap / 1000
        request = Request(method, path, "c", headers={"X-Api-Key": key} if key else None)
        whole.handle(request, now=now)
        step = halves.decide(request, now=now)
        if isinstance(step, Forwarded):
            halves.answer(step, 200, latency=0.02, now=now)  # the default backend: 20 ms
    assert halves.log.records == whole.log.records and halves.counts() == whole.counts()


def test_each_forwarded_request_gets_one_answer():
    gw = Gateway(ROUTES)
    step = gw.decide(Request("GET", "/users/1", "alice"), now=1.0)
    gw.answer(step, 504, latency=0.0, now=3.0)
    with pytest.raises(ValueError, match=r"^forwarded has been answered already .*one answer"):
        gw.answer(step, 200, latency=0.1, now=3.5)
    with pytest.raises(ValueError, match=r"^now must be a number from 1 .*an answer comes after its request"):
        gw.answer(gw.decide(Request("GET", "/users/2", "alice"), now=1.0), 200, latency=0.1, now=0.5)
