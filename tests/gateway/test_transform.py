import pytest

from course.gateway import AddHeader, Chain, RemoveHeader, Request, RewritePrefix, StripPrefix, chain

ALICE = Request("GET", "/api/v1/users/123", "alice", time=2.5)


def test_strip_prefix_removes_whole_segments_only():
    strip = StripPrefix("/api/v1")
    assert strip(ALICE).path == "/users/123"
    assert strip(Request("GET", "/api/v1", "a")).path == "/"
    assert strip(Request("GET", "/api/v1?x=1", "a")).path == "/?x=1"
    assert strip(Request("GET", "/api/v10/users", "a")).path == "/api/v10/users"
    untouched = Request("GET", "/users/1", "a")
    assert strip(untouched) is untouched


def test_rewrite_prefix_swaps_one_prefix_for_another():
    assert RewritePrefix("/v1/people", "/users")(Request("GET", "/v1/people/7", "a")).path == "/users/7"
    assert RewritePrefix("/v1/people", "/users")(Request("GET", "/v1/people", "a")).path == "/users"
    assert RewritePrefix("/", "/api")(Request("GET", "/users", "a")).path == "/api/users"


def test_add_header_fills_its_template_from_the_request():
    out = AddHeader("X-Request-Id", "req-{n}")(ALICE, n=42)
    assert out.headers["X-Request-Id"] == "req-42"
    assert AddHeader("X-Client", "{client}")(ALICE).headers["x-client"] == "alice"
    assert AddHeader("X-Trace", "{method} {path} at {time}")(ALICE).headers["X-Trace"] == "GET /api/v1/users/123 at 2.5"
    assert AddHeader("X-Env", "lab")(ALICE).headers["X-Env"] == "lab"
    assert ALICE.headers == {}  # the original request never changes


def test_remove_header_drops_what_a_client_must_not_set():
    spoofed = Request("GET", "/", "eve", headers={"X-Client": "admin", "X-Api-Key": "k"})
    assert dict(RemoveHeader("x-client")(spoofed).headers) == {"X-Api-Key": "k"}


def test_steps_compose_left_to_right_and_print_as_their_definition():
    steps = StripPrefix("/api/v1") + AddHeader("X-Request-Id", "req-{n}") + AddHeader("X-Path", "{path}")
    assert isinstance(steps, Chain) and len(steps) == 3
    assert repr(steps) == (
        "Chain(StripPrefix('/api/v1') -> AddHeader('X-Request-Id', 'req-{n}') -> AddHeader('X-Path', '{path}'))"
    )
    out = steps(ALICE, n=1)
    assert out.path == "/users/123" and out.headers["X-Path"] == "/users/123"  # the path was already rewritten


def test_chain_accepts_none_one_step_or_a_list():
    assert len(chain(None)) == 0 and chain(None)(ALICE) is ALICE
    assert chain(StripPrefix("/api")) == chain([StripPrefix("/api")])
    assert StripPrefix("/a") == StripPrefix("/a") and StripPrefix("/a") != StripPrefix("/b")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: AddHeader("X Request", "1"), "name must be one word, a header name"),
        (lambda: AddHeader("X-Id", 5), "value must be a str"),
        (
            lambda: AddHeader("X-Id", "req-{number}"),
            r"value 'req-\{number\}' uses unknown template field\(s\) \['number'\]: use \{client\}",
        ),
        (lambda: AddHeader("X-Id", "req-{n"), "value 'req-{n' is a malformed template"),
        (lambda: StripPrefix("api/v1"), "prefix must be a path starting with '/'"),
        (lambda: RewritePrefix("/a", "b"), "new must be a path starting with '/'"),
        (lambda: RemoveHeader(""), "name must be non-empty text"),
        (lambda: Chain("strip"), "steps must be transform steps"),
        (lambda: chain("strip"), "transforms must be a step, a list of steps, or None"),
    ],
)
def test_bad_steps_are_refused_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()
