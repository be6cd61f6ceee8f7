"""Run a learner's code with a time limit, so an infinite loop becomes a failed check instead of a hang.

In the main thread (where Jupyter kernels run cells) the limit is a one-shot ``SIGALRM`` timer;
elsewhere the call runs in a daemon thread that is abandoned when the limit passes.

Taught in exercises/01_api_gateway.ipynb (every check runs through it).

>>> call_with_limit(lambda: 6 * 7, seconds=1)
42
>>> call_with_limit(lambda: _spin(), seconds=0.05)
Traceback (most recent call last):
...
course.checks.timelimit.TimeLimitExceeded: did not finish within 0.05 s
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["TimeLimitExceeded", "call_with_limit"]


class TimeLimitExceeded(Exception):
    """The call ran longer than its limit (the learner's code is probably in an infinite loop)."""

    def __init__(self, seconds: float):
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


class _Alarm(BaseException):
    """Raised by the timer inside the learner's code; a BaseException so ``except Exception`` lets it through."""


def _spin() -> None:
    while True:
        pass


def call_with_limit(fn: Callable[[], Any], seconds: float) -> Any:
    """Return ``fn()``, or raise `TimeLimitExceeded` if it runs longer than `seconds`."""
    if not seconds > 0:
        raise ValueError(f"seconds must be positive (got {seconds!r}), e.g. seconds=2")
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(fn, seconds)
    return _with_thread(fn, seconds)


def _with_alarm(fn: Callable[[], Any], seconds: float) -> Any:
    fired = False

    def on_alarm(signum, frame):
        nonlocal fired
        fired = True
        raise _Alarm()

    started = time.monotonic()
    outer_delay, outer_interval = 0.0, 0.0
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    try:
        try:
            outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
            value = fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        fired = True
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_delay:  # someone else (a test runner, say) had a timer running: give back what is left of it
            left = max(outer_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
    if fired:  # also when the learner's code caught our alarm (a bare `except:`) and carried on
        raise TimeLimitExceeded(seconds)
    return value


def _with_thread(fn: Callable[[], Any], seconds: float) -> Any:
    box: dict[str, Any] = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=target, name="course-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimitExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]
