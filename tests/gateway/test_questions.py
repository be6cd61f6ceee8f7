"""The lesson 1 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import pytest

from course.checks import run_question
from course.checks.gateway import burst_then_trickle, count_429s
from course.gateway import TokenBucket


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
    ],
)
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
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
