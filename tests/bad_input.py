"""The bad-input sweep: every public callable, one bad argument at a time, must answer clearly.

A domain's sweep lists, for each public callable, one good call (`Probe`) and which bad values a
parameter legitimately accepts. `verdict` then calls it with each bad value in turn and sorts the
answer into one of five kinds:

- "clear": a ValueError or TypeError whose message names the parameter the learner passed;
- "accepted": it returned (fine only where the probe says the value is valid for that parameter);
- "raw": any other exception, or a message that does not name the parameter;
- "hang": still running after `LIMIT` seconds (a run must always be bounded);
- "wrong name": a clear-looking message that names another argument instead.

    SWEEP = [Probe(TokenBucket, {"capacity": 2, "rate": 1.0}, accepts={"rate": {"0"}})]

    @pytest.mark.parametrize(("probe", "param", "bad"), cases(SWEEP))
    def test_bad_input_gets_a_clear_answer(probe, param, bad):
        assert verdict(probe, param, bad) == expected(probe, param, bad)
"""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BAD", "LIMIT", "Probe", "cases", "expected", "method", "public_callables", "quietly", "record", "verdict"]

LIMIT = 10  # seconds before a call counts as a hang (generous: the suite must pass on a busy machine)

BAD: dict[str, Any] = {
    "-1": -1,
    "0": 0,
    "nan": math.nan,
    "inf": math.inf,
    "1e9": 10**9,
    "string": "x",
    "None": None,
    "True": True,
}


@dataclass(frozen=True)
class Probe:
    """One good call of `target` (keyword arguments), and the bad values each parameter may accept.

    `accepts` maps a parameter name to the keys of `BAD` that are valid for it (for example
    `{"seed": {"-1", "0", "1e9"}}`); `call` builds the target's input when it needs more than
    keywords (a method on a fresh object, say): `call(kwargs)` must do the whole call.
    `skip` names parameters that take arbitrary objects (a callback, a tag) and so have no bad value.
    """

    target: Callable[..., Any]
    kwargs: dict[str, Any]
    accepts: dict[str, set[str]] = field(default_factory=dict)
    call: Callable[[dict[str, Any]], Any] | None = None
    skip: frozenset[str] = frozenset()
    name: str = ""

    def __repr__(self) -> str:
        return self.name or getattr(self.target, "__qualname__", repr(self.target))

    def run(self, kwargs: dict[str, Any]) -> Any:
        return self.call(kwargs) if self.call else self.target(**kwargs)


class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def verdict(probe: Probe, param: str, bad: str) -> str:
    """Call `probe` with `param` set to `BAD[bad]` and say how it answered (see the module docstring)."""
    kwargs = {**probe.kwargs, param: BAD[bad]}
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT)
    try:
        probe.run(kwargs)
    except _Hang:
        return "hang"
    except (ValueError, TypeError) as error:
        text = str(error)
        if param in text:
            return "clear"
        others = [name for name in probe.kwargs if name != param and name in text]
        return "wrong name" if others else "raw"
    except Exception:
        return "raw"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return "accepted"


def expected(probe: Probe, param: str, bad: str) -> str:
    """What a good answer is: accepted where the probe says the value is valid, else a clear refusal."""
    return "accepted" if bad in probe.accepts.get(param, set()) else "clear"


def cases(probes: Iterable[Probe]) -> list[Any]:
    """Every (probe, parameter, bad value) to try, as pytest params with readable ids."""
    import pytest

    return [
        pytest.param(probe, param, bad, id=f"{probe!r}-{param}={bad}")
        for probe in probes
        for param in probe.kwargs
        if param not in probe.skip
        for bad in BAD
    ]


def public_callables(module: Any) -> set[str]:
    """The names in `module.__all__` that are classes or functions (what a sweep must cover)."""
    return {name for name in module.__all__ if callable(getattr(module, name)) and not name.isupper()}


def quietly(target: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    """A probe `call` that runs `target(**kwargs)` and closes whatever figure it drew (drawings, labs)."""
    import matplotlib.pyplot as plt

    def call(kwargs: dict[str, Any]) -> Any:
        try:
            return target(**kwargs)
        finally:
            plt.close("all")

    return call


def method(make: Callable[[], Any], name: str) -> Callable[[dict[str, Any]], Any]:
    """A probe `call` that calls method `name` of a fresh `make()` with the probe's keyword arguments."""
    return lambda kwargs: getattr(make(), name)(**kwargs)


def record(cls: Callable[..., Any], kwargs: dict[str, Any]) -> Probe:
    """A value the library builds (a named tuple, a summary): listed in the sweep, every field skipped."""
    return Probe(cls, kwargs, skip=frozenset(kwargs))
