import pytest

from course.gateway import Headers, Request, Response


def test_a_request_prints_short_and_upper_cases_its_method():
    r = Request("get", "/users/123", "alice")
    assert r.method == "GET"
    assert repr(r) == "Request(GET /users/123 from alice)"
    assert repr(Request("POST", "/orders", "bob", headers={"X-Api-Key": "k"}, time=1.5)) == (
        "Request(POST /orders from bob at 1.5 s [X-Api-Key])"
    )


def test_requests_are_immutable_values():
    r = Request("GET", "/users/1", "alice", headers={"X-Api-Key": "k"})
    assert r == Request("GET", "/users/1", "alice", headers={"x-api-key": "k"})
    assert hash(r) == hash(Request("GET", "/users/1", "alice", headers={"X-API-KEY": "k"}))
    assert r != Request("GET", "/users/2", "alice", headers={"X-Api-Key": "k"})
    with pytest.raises(AttributeError, match="cannot change"):
        r.path = "/admin"
    moved = r.evolve(path="/people/1")
    assert moved.path == "/people/1" and r.path == "/users/1"


def test_the_api_key_comes_from_x_api_key_or_a_bearer_token():
    assert Request("GET", "/", "a", headers={"X-Api-Key": "k1"}).api_key == "k1"
    assert Request("GET", "/", "a", headers={"Authorization": "Bearer k2"}).api_key == "k2"
    assert Request("GET", "/", "a", headers={"authorization": "bearer k3"}).api_key == "k3"
    assert Request("GET", "/", "a", headers={"Authorization": "Basic abc"}).api_key is None
    assert Request("GET", "/", "a").api_key is None


def test_headers_ignore_case_and_never_change_in_place():
    h = Headers({"X-Client": "alice"})
    assert h["x-client"] == "alice" and "X-CLIENT" in h and len(h) == 1
    h2 = h.set("x-client", "bob").set("X-Request-Id", "req-1")
    assert dict(h2) == {"x-client": "bob", "X-Request-Id": "req-1"}
    assert h["X-Client"] == "alice"
    assert h2.remove("X-CLIENT") == {"X-Request-Id": "req-1"}
    with pytest.raises(AttributeError):
        h.extra = 1


def test_a_response_prints_what_happened():
    assert repr(Response(200, "users-service", 0.021)) == "Response(200 OK from users-service in 21 ms)"
    assert repr(Response(200, "users-service", 0.001, cache_hit=True)) == "Response(200 OK from cache in 1 ms)"
    assert (
        repr(Response(404, None, 0.001, reason="no route for GET /x")) == "Response(404 Not Found: no route for GET /x)"
    )
    assert repr(Response(503, "users-service", 0.001)) == "Response(503 Service Unavailable)"
    r = Response(429, None, 0.001, headers={"Retry-After": "0.01"})
    assert r.retry_after == 0.01 and not r.ok and r.reason == "Too Many Requests"
    assert Response(200, "s", 0.0).retry_after is None


@pytest.mark.parametrize(
    "args, message",
    [
        (("FETCH", "/users", "alice"), "method must be one of 'GET', 'HEAD', 'POST'"),
        (("GET", "users/1", "alice"), "path must be a path starting with '/'"),
        (("GET", "/users 1", "alice"), "holding no spaces"),
        (("GET", "/users/1", ""), "client must be non-empty text .*who sends the request"),
        (("GET", "/users/1", None), "client must be non-empty text"),
    ],
)
def test_bad_requests_are_refused_with_the_fix(args, message):
    with pytest.raises(ValueError, match=message):
        Request(*args)


def test_bad_request_time_and_headers_are_refused():
    with pytest.raises(ValueError, match="time must be a number from 0"):
        Request("GET", "/", "a", time=float("nan"))
    with pytest.raises(ValueError, match="headers must be a dict"):
        Request("GET", "/", "a", headers=[("X-Api-Key", "k")])
    with pytest.raises(ValueError, match="headers must map names to text"):
        Request("GET", "/", "a", headers={"X-Count": 3})


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((99, "s", 0.0), {}, "status must be a whole number of at least 100 .*an HTTP status code"),
        ((True, "s", 0.0), {}, "status must be a whole number of at least 100 .*an HTTP status code"),
        ((200, "", 0.0), {}, "service must be non-empty text .*who answered"),
        ((200, "s", -0.1), {}, "latency must be a number from 0 "),
        ((200, "s", 0.1), {"cache_hit": "yes"}, "cache_hit must be True or False"),
    ],
)
def test_bad_responses_are_refused_with_the_fix(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Response(*args, **kwargs)
