import signal
import threading

import pytest

from course.checks import TimeLimitExceeded, call_with_limit


def spin():
    while True:
        pass


def test_a_quick_call_returns_its_value_and_exceptions_pass_through():
    assert call_with_limit(lambda: "done", seconds=1) == "done"
    with pytest.raises(ZeroDivisionError):
        call_with_limit(lambda: 1 / 0, seconds=1)


def test_an_infinite_loop_becomes_time_limit_exceeded():
    with pytest.raises(TimeLimitExceeded, match=r"did not finish within 0.1 s") as info:
        call_with_limit(spin, seconds=0.1)
    assert info.value.seconds == 0.1


def test_except_exception_in_the_learners_code_cannot_catch_the_alarm():
    def careful():
        while True:
            try:
                spin()
            except Exception:
                return "caught"

    with pytest.raises(TimeLimitExceeded):
        call_with_limit(careful, seconds=0.1)


def test_the_previous_alarm_handler_and_an_outer_timer_are_restored():
    calls = []
    previous = signal.signal(signal.SIGALRM, lambda *a: calls.append("outer"))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with pytest.raises(TimeLimitExceeded):
            call_with_limit(spin, seconds=0.05)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 30
        assert signal.getsignal(signal.SIGALRM) is not None and calls == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_the_call_runs_in_a_thread_with_the_same_limit():
    outcome = {}
    stop = threading.Event()

    def spin_until_stopped():
        while not stop.is_set():
            pass

    def body():
        try:
            call_with_limit(spin_until_stopped, seconds=0.1)
        except TimeLimitExceeded:
            outcome["timeout"] = True
        outcome["value"] = call_with_limit(lambda: 7, seconds=1)
        try:
            call_with_limit(lambda: [][0], seconds=1)
        except IndexError:
            outcome["error"] = True

    worker = threading.Thread(target=body)
    worker.start()
    worker.join(10)
    stop.set()  # end the abandoned loop: a spinning thread would hold the GIL and slow every later test
    assert outcome == {"timeout": True, "value": 7, "error": True}


@pytest.mark.parametrize("bad", [0, -1])
def test_the_limit_must_be_positive(bad):
    with pytest.raises(ValueError, match="seconds must be positive"):
        call_with_limit(lambda: 1, bad)
