"""The lesson 1 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import pytest

from course.checks import lookup, run_question
from course.checks.gateway import boundary_times, burst_then_trickle, count_429s, fixed_window_outcome
from course.gateway import FixedWindow, SlidingWindowLog, TokenBucket, busiest_window, compare_limiters
from course.grading.offlimits import off_limits_use


def match(pattern, path):
    p, q = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(p) != len(q):
        return None
    params = {}
    for want, got in zip(p, q, strict=True):
        if want.startswith("{") and want.endswith("}"):
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


def auth_status(api_key, service, keys, allowed):
    """The rule as the exercise states it (the solution's answer)."""
    client = keys.get(api_key) if api_key else None
    if client is None:
        return 401
    return 200 if service in allowed.get(client, ()) else 403


def unknown_is_forbidden(api_key, service, keys, allowed):
    """Answers 401 only when no key is sent, and 403 for a key it does not know."""
    if api_key is None:
        return 401
    return 200 if api_key in keys and service in allowed.get(keys[api_key], ()) else 403


def authorizes_first(api_key, service, keys, allowed):
    """Looks at the service before the key: a service nobody may use is 403 even for a stranger."""
    if not any(service in services for services in allowed.values()):
        return 403
    return auth_status(api_key, service, keys, allowed)


def names_are_keys(api_key, service, keys, allowed):
    """Accepts a client's name in place of its key."""
    client = keys.get(api_key) or (api_key if api_key in keys.values() else None)
    if client is None:
        return 401
    return 200 if service in allowed.get(client, ()) else 403


class LeakyCapacity:
    """A bucket that forgets to cap its tokens at the capacity."""

    def __init__(self, capacity, rate):
        self.rate, self.tokens, self.last = rate, capacity, None

    def allow(self, now):
        if self.last is not None:
            self.tokens += (now - self.last) * self.rate
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ChargesRefusals(LeakyCapacity):
    """A bucket that charges a token even when it refuses (and caps correctly)."""

    def __init__(self, capacity, rate):
        super().__init__(capacity, rate)
        self.capacity = capacity

    def allow(self, now):
        if self.last is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= 1
        return self.tokens >= 0


@pytest.mark.parametrize(
    "question, answer",
    [
        ("gateway.match_path", match),
        ("gateway.token_bucket", lambda capacity, rate: TokenBucket(capacity=capacity, rate=rate)),
        ("gateway.ttl_for_hit_ratio", lambda h, r: h / (r * (1 - h))),
        ("gateway.predict_429s", lambda: 30),
        ("gateway.auth_status", auth_status),
        ("gateway.boundary_burst", lambda limit, k: (2 * limit, 2 * limit)),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2, 99])
def test_a_correct_answer_passes_every_check(question, answer, seed):
    result = run_question(question, answer, seed=seed)
    assert result.ok, result.line


@pytest.mark.parametrize(
    "question, answer, hint",
    [
        ("gateway.match_path", lambda pattern, path: {}, "should return {'id'"),
        ("gateway.match_path", lambda pattern, path: None if pattern != "/health" else {}, "should return"),
        ("gateway.token_bucket", LeakyCapacity, "tokens never exceed the capacity"),
        ("gateway.token_bucket", ChargesRefusals, "0.25 s after it emptied"),
        ("gateway.ttl_for_hit_ratio", lambda h, r: h / r, "an 80% hit ratio needs a TTL of 2 s"),
        ("gateway.predict_429s", lambda: 20, "the bucket starts full"),
        ("gateway.auth_status", unknown_is_forbidden, "a key that is not in keys is 401"),
        ("gateway.auth_status", authorizes_first, "who you are is settled before what you may do"),
        ("gateway.auth_status", names_are_keys, "'ana' is a client's name, not one of the keys"),
        ("gateway.boundary_burst", lambda limit, k: (limit, limit), "each window's count starts again from 0"),
        ("gateway.boundary_burst", lambda limit, k: (2 * limit, limit), "in ANY span of 1 s"),
        ("gateway.boundary_burst", lambda limit, k: 2 * limit, "count what each window admits"),
    ],
)
def test_a_usual_mistake_fails_with_a_hint_about_it(question, answer, hint):
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint


def test_the_predicted_count_is_what_the_library_refuses():
    times = burst_then_trickle()
    assert len(times) == 50
    assert count_429s(times) == 30  # 20 refused in the burst, then every other request of the trickle


@pytest.mark.parametrize("seed", range(25))
def test_the_auth_checks_expect_what_the_stated_rule_gives(seed):
    # The expected statuses come from course.gateway.Authenticator; the exercise states the rule in words.
    checks = lookup("gateway.auth_status").checks(seed)
    assert len(checks) == 20
    statuses = set()
    for check in checks:
        assert check.expect == auth_status(*check.ask.args), check.hint
        assert str(check.expect) in check.hint  # each hint names the status its rule gives
        statuses.add(check.expect)
    assert statuses == {200, 401, 403}


@pytest.mark.parametrize("seed", range(25))
def test_the_boundary_burst_admits_twice_the_limit_in_one_second(seed):
    for check in lookup("gateway.boundary_burst").checks(seed)[1::2]:
        limit, k = check.ask.args
        assert check.expect == fixed_window_outcome(limit, k) == (2 * limit, 2 * limit)
        times = boundary_times(limit, k)
        assert max(times) - min(times) == pytest.approx(0.001)
        (log,) = compare_limiters(times, [SlidingWindowLog(limit, 1.0)])
        assert (log.admitted, log.busiest) == (limit, limit)  # the sliding log keeps to the limit
        bucket = TokenBucket(capacity=limit, rate=limit)
        assert sum(bucket.allow(t) for t in times) == limit


def test_the_boundary_burst_matches_the_lesson_numbers():
    assert fixed_window_outcome(100, 1) == (200, 200)
    window = FixedWindow(3, 1.0)
    accepted = [t for t in boundary_times(3, 7) if window.allow(t)]
    assert accepted == [6.999] * 3 + [7.0] * 3
    assert busiest_window(accepted, window=1.0) == 6


@pytest.mark.parametrize(
    "question, cell",
    [
        ("gateway.auth_status", "from course.gateway import Authenticator\nauth_status = Authenticator"),
        ("gateway.auth_status", "from course.gateway.auth import AuthDecision\nauth_status = AuthDecision"),
        ("gateway.boundary_burst", "from course.gateway import compare_limiters\nboundary_burst = compare_limiters"),
        ("gateway.boundary_burst", "import course.gateway as g\nboundary_burst = g.busiest_window"),
        ("gateway.boundary_burst", "from course.gateway import FixedWindow\nboundary_burst = FixedWindow"),
    ],
)
def test_the_library_code_a_question_asks_for_is_off_limits(question, cell):
    name = question.split(".")[1]
    why = off_limits_use([cell, f"check({question!r}, {name})"], 1, question, lookup(question).off_limits)
    assert why is not None and f"which {question} puts off-limits" in why
