"""The lesson 3 questions accept a correct answer, refuse the usual wrong ones, and say why."""

import json
import math
import random
from pathlib import Path

import pytest

from course.checks import lookup, run_question
from course.checks.messaging import (
    ReferenceQueue,
    burst_finish_time,
    storm_deliveries_per_second,
    workers_needed,
)
from course.grading.offlimits import off_limits_use
from course.messaging import RETRY_POLICIES, RetryPolicy, backoff_delays, compare_retries, failure_drill

ROOT = Path(__file__).resolve().parents[2]

# -- answers a learner might give ---------------------------------------------------------------------------------


def schedule(base, cap, retries, jitter=None, rng=None):
    waits, ceiling = [], min(cap, base)
    for _ in range(retries):
        if jitter == "full":
            waits.append(rng.uniform(0, ceiling))
        elif jitter == "equal":
            waits.append(ceiling / 2 + rng.uniform(0, ceiling / 2))
        else:
            waits.append(ceiling)
        ceiling = min(cap, ceiling * 2)
    return waits


def uncapped(base, cap, retries, jitter=None, rng=None):
    return [base * 2 ** (n - 1) for n in range(1, retries + 1)]


def overflowing(base, cap, retries, jitter=None, rng=None):
    return [min(cap, base * 2 ** (n - 1)) for n in range(1, retries + 1)]  # float * huge int overflows


def global_random(base, cap, retries, jitter=None, rng=None):
    return schedule(base, cap, retries, jitter, random.Random(12345) if jitter else None)


def equal_as_full(base, cap, retries, jitter=None, rng=None):
    return schedule(base, cap, retries, "full" if jitter else None, rng)


class TinyQueue:
    def __init__(self, visibility_timeout):
        self.timeout = visibility_timeout
        self.messages = []  # [message, hidden until] in sending order

    def send(self, message):
        self.messages.append([message, -math.inf])

    def receive(self, now):
        for entry in self.messages:
            if now >= entry[1]:
                entry[1] = now + self.timeout
                return entry[0]
        return None

    def ack(self, message):
        self.messages = [e for e in self.messages if e[0] != message]


class DeletesOnReceive(TinyQueue):
    def receive(self, now):
        return self.messages.pop(0)[0] if self.messages else None


class BackOfTheLine(TinyQueue):
    def receive(self, now):
        for i, entry in enumerate(self.messages):
            if now >= entry[1]:
                entry[1] = now + self.timeout
                self.messages.append(self.messages.pop(i))  # a redelivered message moves to the back
                return entry[0]
        return None


class StrictDeadline(TinyQueue):
    def receive(self, now):
        for entry in self.messages:
            if now > entry[1]:
                entry[1] = now + self.timeout
                return entry[0]
        return None


def make_idempotent(apply):
    seen = set()

    def handle(message_id, payload):
        if message_id in seen:
            return
        apply(payload)
        seen.add(message_id)

    return handle


def by_content(apply):
    seen = set()

    def handle(message_id, payload):
        if payload not in seen:
            apply(payload)
            seen.add(payload)

    return handle


def marks_before_applying(apply):
    seen = set()

    def handle(message_id, payload):
        if message_id not in seen:
            seen.add(message_id)
            apply(payload)

    return handle


def swallows_errors(apply):
    seen = set()

    def handle(message_id, payload):
        if message_id not in seen:
            try:
                apply(payload)
                seen.add(message_id)
            except Exception:
                pass

    return handle


SHARED: set = set()


def shared_memory(apply):
    def handle(message_id, payload):
        if message_id not in SHARED:
            apply(payload)
            SHARED.add(message_id)

    return handle


def fewest_workers(burst, service_time, target):
    rounds = math.floor(target / service_time)
    return None if rounds < 1 else math.ceil(burst / rounds)


# -- the tests ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, answer",
    [
        ("messaging.backoff_schedule", schedule),
        ("messaging.redelivery", TinyQueue),
        ("messaging.redelivery", ReferenceQueue),
        ("messaging.idempotent_consumer", make_idempotent),
        ("messaging.workers_for_burst", fewest_workers),
        ("messaging.workers_for_burst", workers_needed),
        ("messaging.predict_retry_storm", lambda: 1000),
    ],
)
def test_a_correct_answer_passes_every_check(question, answer):
    result = run_question(question, answer)
    assert result.ok, result.line


@pytest.mark.parametrize("seed", range(5))
def test_correct_answers_pass_on_other_seeds(seed):
    for question, answer in [
        ("messaging.backoff_schedule", schedule),
        ("messaging.redelivery", TinyQueue),
        ("messaging.idempotent_consumer", make_idempotent),
        ("messaging.workers_for_burst", fewest_workers),
    ]:
        result = run_question(question, answer, seed=seed)
        assert result.ok, result.line


@pytest.mark.parametrize(
    "question, answer, hint",
    [
        ("messaging.backoff_schedule", uncapped, "stops at the cap"),
        ("messaging.backoff_schedule", overflowing, "2000 retries must not overflow"),
        ("messaging.backoff_schedule", lambda base, cap, retries, jitter=None, rng=None: [base] * retries, "double"),
        ("messaging.backoff_schedule", global_random, "from the rng you are given"),
        ("messaging.backoff_schedule", equal_as_full, "jitter='equal'"),
        ("messaging.redelivery", DeletesOnReceive, "must come back"),
        ("messaging.redelivery", StrictDeadline, "must come back"),
        ("messaging.redelivery", BackOfTheLine, "keeps its place"),
        ("messaging.idempotent_consumer", by_content, "dedupe by message id, not by content"),
        ("messaging.idempotent_consumer", marks_before_applying, "do not remember its id"),
        ("messaging.idempotent_consumer", swallows_errors, "let the error reach the caller"),
        ("messaging.idempotent_consumer", shared_memory, "its own memory of ids"),
        ("messaging.workers_for_burst", lambda n, s, t: math.ceil(n * s / t), "only finishes whole messages"),
        ("messaging.workers_for_burst", lambda n, s, t: n * s / t, "only finishes whole messages"),
        ("messaging.workers_for_burst", lambda n, s, t: math.ceil(n / math.floor(t / s)), "raised ZeroDivisionError"),
        ("messaging.predict_retry_storm", lambda: 100, "each of the 10 consumers"),
        ("messaging.predict_retry_storm", lambda: 500, "each of the 10 consumers"),
    ],
)
def test_a_usual_mistake_fails_with_a_hint_about_it(question, answer, hint):
    SHARED.clear()
    result = run_question(question, answer)
    assert not result.ok
    assert hint in result.hint, result.line


def test_a_hard_coded_schedule_does_not_pass():
    fixed = [0.5, 1.0, 2.0, 4.0, 4.0]
    result = run_question("messaging.backoff_schedule", lambda base, cap, retries, jitter=None, rng=None: fixed)
    assert not result.ok and result.passed == 1


def test_the_reference_schedule_is_the_library_one():
    policy = RetryPolicy(backoff="exponential", base=0.25, cap=30, jitter="full", max_attempts=9)
    rng_a, rng_b = random.Random(4), random.Random(4)
    assert schedule(0.25, 30, 8, "full", rng_a) == [policy.delay(n, rng_b) for n in range(1, 9)]
    assert schedule(0.5, 30, 7) == backoff_delays(RetryPolicy(base=0.5, cap=30, max_attempts=8))


def test_the_fewest_workers_match_the_simulation():
    for burst, s, target in [(10, 1.0, 3.5), (100, 0.5, 5.0), (37, 0.25, 1.125)]:
        c = workers_needed(burst, s, target)
        assert burst_finish_time(burst, s, c) <= target < burst_finish_time(burst, s, c - 1)


def test_the_retry_storm_peaks_at_one_attempt_per_10_ms_per_consumer():
    assert storm_deliveries_per_second() == 10 / 0.01


def test_a_stub_is_not_attempted():
    def stub(*args):
        raise NotImplementedError

    assert run_question("messaging.backoff_schedule", stub).status == "not attempted"


def test_the_storm_the_learner_confirms_peaks_at_500_per_half_second_and_outlives_the_outage():
    (row,) = compare_retries(failure_drill(), {"at once": RetryPolicy(backoff="none", max_attempts=None)}, until=120)
    assert row.peak_deliveries == 500  # what the question tells the learner to look at: 1,000/s, per half second
    assert row.goodput_after == 0 and row.recovery_peak > 250  # no acks 10-30 s after the service is back


def test_the_retried_probe_result_reads_as_the_check_text_says():
    line = run_question("messaging.idempotent_consumer", marks_before_applying).line
    assert "[did the error reach the caller, payloads applied]" in line and "returned [True, []]" in line


@pytest.mark.parametrize(
    "question, name, cell",
    [
        ("messaging.backoff_schedule", "backoff", "from course.messaging import backoff_delays as backoff"),
        (
            "messaging.backoff_schedule",
            "backoff",
            "from course.messaging import RETRY_POLICIES\ndef backoff(base, cap, retries, jitter=None, rng=None):\n"
            "    return [RETRY_POLICIES['at once, forever'].delay(n, rng) for n in range(1, retries + 1)]",
        ),
        ("messaging.backoff_schedule", "backoff", "from course.messaging.retry import RetryPolicy as backoff"),
        ("messaging.redelivery", "TinyQueue", "from course.messaging import MessageQueue as TinyQueue"),
        (
            "messaging.redelivery",
            "TinyQueue",
            "import course.messaging as m\nclass TinyQueue:\n    def __init__(self, t):\n"
            "        self.q = m.QueueSimulation(m.QueueScenario(visibility_timeout=t)).queue",
        ),
        (
            "messaging.predict_retry_storm",
            "guess",
            "from course.messaging import simulate, failure_drill\ndef guess():\n    return simulate(failure_drill())",
        ),
    ],
)
def test_the_library_code_a_question_asks_for_is_off_limits(question, name, cell):
    why = off_limits_use([cell, f"check({question!r}, {name})"], 1, question, lookup(question).off_limits)
    assert why is not None and f"which {question} puts off-limits" in why


@pytest.mark.parametrize("question", ["messaging.idempotent_consumer", "messaging.workers_for_burst"])
def test_questions_without_a_library_answer_let_the_learner_simulate(question):
    cell = "from course.messaging import QueueScenario, simulate\ndef answer(*args):\n    return simulate"
    assert off_limits_use([cell, f"check({question!r}, answer)"], 1, question, lookup(question).off_limits) is None


def test_the_checks_reference_answers_are_off_limits_everywhere():
    cell = "from course.checks.messaging import workers_needed"
    why = off_limits_use([cell, "check('messaging.workers_for_burst', workers_needed)"], 1,
                         "messaging.workers_for_burst", lookup("messaging.workers_for_burst").off_limits)  # fmt: skip
    assert why is not None and "the checks' own reference code" in why


def _questions(path: Path) -> tuple[str, dict[str, str]]:
    """The notebook's first markdown cell, and each question id with the last markdown cell before its check."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    intro, markdown, found = "", "", {}
    for cell in cells:
        if cell["cell_type"] == "markdown":
            markdown = "".join(cell["source"])
            intro = intro or markdown
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith("check:"):
                found[tag.removeprefix("check:")] = markdown
    return intro, found


@pytest.mark.parametrize("notebook", ["solutions/03_queues.ipynb", "exercises/03_queues.ipynb"])
def test_every_question_says_up_front_what_its_answer_may_not_use(notebook):
    intro, questions = _questions(ROOT / notebook)
    intro = " ".join(intro.split())  # one line: the sentences wrap anywhere
    assert "`course.checks`, apart from `check`" in intro and "off-limits in every question" in intro
    assert len(questions) == 5
    for qid, text in questions.items():
        last = " ".join(text.strip().split("\n\n")[-1].split())  # the question's closing paragraph, on one line
        if qid == "messaging.predict_retry_storm":
            assert last.startswith("**Work it out on paper**") and "any use of `course.messaging`" in last
            assert "scores 0" in last and "*below* the check cell" in last
        elif lookup(qid).off_limits:
            assert last.startswith("**Write this yourself:**") and "scores 0" in last, qid
            assert all(rule.removesuffix(".*") in last for rule in lookup(qid).off_limits), qid
        else:
            assert last.startswith("Nothing in `course.messaging` is off-limits here"), qid


def test_the_jitter_numbers_in_question_1_are_the_lessons_drill():
    names = ("exponential, 8 attempts", "exponential + full jitter, 8 attempts")
    plain, full = compare_retries(failure_drill(), {n: RETRY_POLICIES[n] for n in names}, until=120)
    assert (plain.dead_lettered, full.dead_lettered) == (78, 3)
