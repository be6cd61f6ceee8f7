"""Questions for exercises/01_api_gateway.ipynb: routing, 401 vs 403, the token bucket, the fixed window's
boundary burst, cache TTLs, predicting 429s.

Each question builds fresh inputs from a seeded `rng` and compares the learner's answer with the
rule the lesson states (and the library implements), so a hard-coded answer does not pass. Each
check asks the answer for a plain result (`course.checks.asks`); the library code a question asks
the learner to write is off-limits in the answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ..gateway import Authenticator, Cache, FixedWindow, Request, TokenBucket, compare_limiters
from ..sim import Poisson
from .asks import call, drive, method
from .plain import same
from .registry import Check, question
from .verdict import close

__all__ = ["boundary_times", "burst_then_trickle", "count_429s", "fixed_window_outcome", "library_status"]


ROUTING = ("course.gateway.Route", "course.gateway.RouteTable", "course.gateway.split_path")
LIMITERS = (
    "course.gateway.TokenBucket",
    "course.gateway.FixedWindow",
    "course.gateway.SlidingWindowLog",
    "course.gateway.SlidingWindowCounter",
    "course.gateway.RateLimiter",
    "course.gateway.make_limiter",
    "course.gateway.LIMITERS",
)
AUTH = ("course.gateway.Authenticator", "course.gateway.AuthDecision")
SERVICES = ("users-service", "orders-service", "billing-service", "admin-service", "search-service")


@question("gateway.match_path", title="Match a path against a route pattern with parameters", off_limits=ROUTING)
def match_path(rng: random.Random):
    user, order = rng.randint(100, 999), rng.randint(1000, 9999)
    yield Check(
        hint=f"match('/users/{{id}}', '/users/{user}') should return {{'id': '{user}'}}",
        ask=call("/users/{id}", f"/users/{user}"),
        expect={"id": str(user)},
    )
    yield Check(
        hint="a pattern without parameters matches its own path with an empty dict {} (not None)",
        ask=call("/health", "/health"),
        expect={},
    )
    yield Check(
        hint=f"'/orders/{order}' must not match '/users/{{id}}': literal segments have to be equal",
        ask=call("/users/{id}", f"/orders/{order}"),
        expect=None,
    )
    yield Check(
        hint=f"'/users/{user}/orders' has more segments than '/users/{{id}}', so it must not match (None)",
        ask=call("/users/{id}", f"/users/{user}/orders"),
        expect=None,
    )
    yield Check(
        hint="'/users' has fewer segments than '/users/{id}', so it must not match (None)",
        ask=call("/users/{id}", "/users"),
        expect=None,
    )
    yield Check(
        hint=f"every parameter is captured: '/users/{user}/orders/{order}' gives both user and order",
        ask=call("/users/{user}/orders/{order}", f"/users/{user}/orders/{order}"),
        expect={"user": str(user), "order": str(order)},
    )


def library_status(api_key: str | None, service: str, keys: dict, allowed: dict) -> int:
    """What `course.gateway.Authenticator` answers (200, 401 or 403) for a request presenting `api_key`.

    >>> keys, allowed = {"key-ana": "ana"}, {"ana": {"users-service"}}
    >>> [library_status(k, "users-service", keys, allowed) for k in ("key-ana", None, "ana")]
    [200, 401, 401]
    >>> library_status("key-ana", "admin-service", keys, allowed)
    403
    """
    headers = {} if api_key is None else {"X-Api-Key": api_key}
    request = Request("GET", f"/{service}", "someone", headers=headers)
    return Authenticator(keys, allowed).authenticate(request, service).status


def _auth_case(rng: random.Random, keys: dict, allowed: dict) -> tuple[tuple, str]:
    """One random request (the arguments of `auth_status`) and the rule that decides it, in words."""
    clients = sorted(set(keys.values()))
    kind = rng.choice(["none", "empty", "unknown", "client name", "allowed", "allowed", "forbidden", "forbidden"])
    service = rng.choice(SERVICES)
    if kind in ("none", "empty"):
        key = None if kind == "none" else ""
        return (key, service, keys, allowed), f"no key ({key!r}) is 401, whatever the service"
    if kind in ("unknown", "client name"):
        key = rng.choice(clients) if kind == "client name" else f"key-{rng.randrange(16**6):06x}"
        return (key, service, keys, allowed), f"{key!r} is not a key in keys: 401, whatever the service"
    key = rng.choice(sorted(keys))
    client = keys[key]
    mine = sorted(allowed.get(client, ()))
    others = [s for s in SERVICES if s not in mine]
    if kind == "allowed" and mine:
        service = rng.choice(mine)
        return (key, service, keys, allowed), f"{client} is known and {service!r} is in allowed[{client!r}]: 200"
    service = rng.choice(others)
    return (key, service, keys, allowed), f"{client} is known, but {service!r} is not in allowed[{client!r}]: 403"


@question("gateway.auth_status", title="401 or 403: who are you, and may you?", off_limits=AUTH)
def auth_status(rng: random.Random):
    keys = {"key-ana": "ana", "key-bo": "bo", "key-cy": "cy"}
    allowed = {"ana": {"users-service", "orders-service"}, "bo": {"users-service"}}
    fixed = [
        ("key-ana", "orders-service", "ana presents her key and orders-service is in allowed['ana']: 200"),
        (None, "users-service", "no key at all is 401 Unauthorized: we don't know who you are"),
        ("key-zed", "users-service", "a key that is not in keys is 401: an unknown key proves nothing"),
        ("ana", "users-service", "'ana' is a client's name, not one of the keys: 401"),
        ("key-bo", "orders-service", "bo is known, but orders-service is not in allowed['bo']: 403 Forbidden"),
        ("key-cy", "users-service", "cy has a key but no entry in allowed, so cy may use nothing: 403"),
        (
            "key-zed",
            "admin-service",
            "an unknown key is 401 even for a service nobody may use: who you are is settled before what you may do",
        ),
        ("", "users-service", "an empty key is no key: 401"),
    ]
    for key, service, hint in fixed:
        yield Check(
            hint=hint, ask=call(key, service, keys, allowed), expect=library_status(key, service, keys, allowed)
        )
    clients = rng.sample(["dee", "eli", "fay", "gus", "hal", "ivy"], rng.randint(3, 5))
    keys = {f"key-{rng.randrange(16**6):06x}": client for client in clients}
    allowed = {c: set(rng.sample(SERVICES, rng.randint(1, 3))) for c in clients if rng.random() < 0.8}
    for _ in range(12):
        args, rule = _auth_case(rng, keys, allowed)
        yield Check(hint=rule, ask=call(*args), expect=library_status(*args))


def _replay(bucket_factory: Callable, times: list[float]) -> list[bool]:
    bucket = bucket_factory()
    return [bool(bucket.allow(t)) for t in times]


def _requests(capacity: int, rate: float, times: list[float]):
    """Ask: a new bucket ``make(capacity, rate)``, then ``allow(t)`` for each time (each answer read as a bool)."""
    return drive((capacity, rate), [method("allow", t, truthy=True) for t in times])


@question("gateway.token_bucket", title="Token bucket: allow(now)", off_limits=LIMITERS)
def token_bucket(rng: random.Random):
    yield Check(
        hint="a new bucket of capacity 3 is full: 3 requests at t=0 pass and the 4th is refused",
        ask=_requests(3, 1.0, [0.0] * 4),
        expect=[True, True, True, False],
    )
    yield Check(
        hint="a bucket refilling 2 tokens/s holds half a token 0.25 s after it emptied (refuse) and one at 0.5 s",
        ask=_requests(1, 2.0, [0.0, 0.25, 0.5]),
        expect=[True, False, True],
    )
    yield Check(
        hint="a refused request costs nothing: capacity 1, rate 1/s, requests at 0, 0.5 and 1.0 s give T, F, T",
        ask=_requests(1, 1.0, [0.0, 0.5, 1.0]),
        expect=[True, False, True],
    )
    yield Check(
        hint="tokens never exceed the capacity: after 100 s idle, a bucket of capacity 2 lets only 2 through",
        ask=_requests(2, 10.0, [0.0, 0.0, 100.0, 100.0, 100.0]),
        expect=[True, True, True, True, False],
    )
    # A longer random workload; times are multiples of 1/8 s, exact in binary floating point.
    capacity, rate = rng.randint(2, 6), rng.choice([0.5, 1.0, 2.0, 4.0])
    times, t = [], 0.0
    for _ in range(200):
        t += rng.choice([0.0, 0.0, 0.125, 0.25, 0.5, 1.0])
        times.append(t)
    expected = _replay(lambda: TokenBucket(capacity=capacity, rate=rate), times)
    yield Check(
        hint=f"on 200 random requests (capacity {capacity}, rate {rate}/s) some answer breaks the rule: before "
        "each request tokens = min(capacity, tokens + elapsed * rate); it passes and spends one token when "
        "tokens >= 1; a refused request costs nothing",
        ask=_requests(capacity, rate, times),
        expect=expected,
    )


def boundary_times(limit: int, k: int) -> list[float]:
    """The boundary burst: `limit` requests at k - 0.001 s, then `limit` at k s (a window boundary)."""
    return [k - 0.001] * limit + [float(k)] * limit


def fixed_window_outcome(limit: int, k: int) -> tuple[int, int]:
    """What `course.gateway.FixedWindow(limit, 1.0)` admits of `boundary_times`, and its busiest second.

    >>> fixed_window_outcome(100, 1)
    (200, 200)
    """
    (outcome,) = compare_limiters(boundary_times(limit, k), [FixedWindow(limit, 1.0)], window=1.0)
    return outcome.admitted, outcome.busiest


def _admitted_is(n: int) -> Callable[[object], bool]:
    def admitted(got: object) -> bool:
        return isinstance(got, (list, tuple)) and len(got) == 2 and same(got[0], n)

    return admitted


@question(
    "gateway.boundary_burst",
    title="The fixed window's boundary burst",
    off_limits=(*LIMITERS, "course.gateway.compare_limiters", "course.gateway.busiest_window"),
)
def boundary_burst(rng: random.Random):
    cases = [
        (100, 1),
        (1, 5),
        (rng.randint(2, 1000), rng.randint(1, 3600)),
        (rng.randint(2, 1000), rng.randint(1, 3600)),
    ]
    for limit, k in cases:
        admitted, busiest = fixed_window_outcome(limit, k)
        yield Check(
            hint=f"limit {limit}, boundary at {k} s: count what each window admits. The {limit} requests at "
            f"{k - 0.001:.3f} s fall in the window [{k - 1}, {k}), the next {limit} in [{k}, {k + 1}), and each "
            "window's count starts again from 0",
            ask=call(limit, k),
            expect=_admitted_is(admitted),
            shows="a pair (admitted, busiest_second) whose admitted count follows the window rule",
            reveal=False,
        )
        yield Check(
            hint=f"limit {limit}, boundary at {k} s: the busiest second is the most admitted requests in ANY span "
            "of 1 s, not only in one of the windows; how far apart are the two bursts?",
            ask=call(limit, k),
            expect=(admitted, busiest),
            reveal=False,
        )


def _hit_ratio(ttl: float, rate: float, requests: int, seed: int) -> float:
    cache = Cache(capacity=10, ttl=ttl)
    arrivals = Poisson(rate).times(float("inf"), random.Random(seed))
    for _, now in zip(range(requests), arrivals, strict=False):
        if cache.get("profile:123", now) is None:
            cache.put("profile:123", "data", now)
    return cache.stats.hit_ratio


def _reaches(h: float, r: float, seed: int) -> Callable[[float], bool]:
    def reaches(ttl: float) -> bool:
        if type(ttl) not in (int, float) or not 0 <= ttl < 1e9:
            return False
        return abs(_hit_ratio(ttl, r, 20_000, seed) - h) < 0.02

    return reaches


@question("gateway.ttl_for_hit_ratio", title="Choose the TTL that reaches a target hit ratio")
def ttl_for_hit_ratio(rng: random.Random):
    yield Check(
        hint="at 2 requests/s, an 80% hit ratio needs a TTL of 2 s: each miss is followed by r*T hits on average",
        ask=call(0.8, 2.0),
        expect=close(2.0, rel=0, abs=1e-9),
    )
    yield Check(
        hint="a hit ratio of 0 needs no caching at all: the TTL is 0",
        ask=call(0.0, 5.0),
        expect=close(0.0, rel=0, abs=1e-9),
    )
    h, r = rng.choice([0.5, 0.6, 0.75, 0.9]), rng.choice([0.5, 1.0, 4.0, 10.0])
    want = h / (r * (1 - h))
    yield Check(
        hint=f"for a {h:.0%} hit ratio at {r:g} requests/s, solve h = rT / (1 + rT) for T",
        ask=call(h, r),
        expect=close(want, rel=0, abs=1e-6 * (1 + want)),
    )
    seed = rng.randint(0, 10_000)
    yield Check(
        hint=f"simulated with course.gateway.Cache, your TTL for {h:.0%} at {r:g}/s should reach it (within 2 points)",
        ask=call(h, r),
        expect=_reaches(h, r, seed),
        shows=f"a TTL whose simulated hit ratio is {h:.0%} ± 2 points",
        timeout=10,
    )


def burst_then_trickle() -> list[float]:
    """The exercise's request times: 30 at t=0, then one every 0.1 s from 0.1 s to 2.0 s."""
    return [0.0] * 30 + [round(0.1 * k, 1) for k in range(1, 21)]


def count_429s(times: list[float], capacity: int = 10, rate: float = 5.0) -> int:
    """How many of `times` a token bucket refuses (what the lab would show as 429s)."""
    bucket = TokenBucket(capacity=capacity, rate=rate)
    return sum(not bucket.allow(t) for t in times)


@question("gateway.predict_429s", title="Predict the 429s before running it", off_limits=("course.gateway.*",))
def predict_429s():
    yield Check(
        hint="not yet: the bucket starts full (10 tokens), the burst empties it, and then it refills half a token "
        "every 0.1 s, so only every other request of the trickle finds a whole token",
        ask=call(),
        expect=count_429s(burst_then_trickle()),
        reveal=False,
    )
