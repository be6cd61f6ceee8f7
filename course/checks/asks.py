"""Asks: what a check wants the learner's answer to compute, written as plain data so it can cross to a kernel.

A check never touches the answer itself. It says what to do with it (`call` it with these arguments,
`drive` these method calls on the object it builds, or run a named `probe`), and the answer's result
comes back as plain data (`course.checks.plain`) to be compared with the rule. In a learner's notebook
this happens in one process; when grading, the ask travels to the learner's kernel and only its plain
result travels back, so the expected value never enters the kernel.

Taught in the README's section for instructors.

>>> call(2, 3).text
'(2, 3)'
>>> drive((3, 1.0), [method("allow", 0.0)] * 4).text
'(3, 1.0), then .allow(0.0) ×4'
>>> Ask.from_json(call("a", Rng(7)).to_json()) == call("a", Rng(7))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .plain import describe, from_json, to_json

__all__ = ["Ask", "Rng", "Step", "attribute", "call", "calls", "drive", "drives", "method", "probe"]


@dataclass(frozen=True)
class Rng:
    """An argument that becomes ``random.Random(seed)`` where the answer runs (for answers that take an rng)."""

    seed: int

    def __repr__(self) -> str:
        return f"random.Random({self.seed})"


@dataclass(frozen=True)
class Step:
    """One step of a `drive`: read attribute `name`, or call it with `args`; `truthy` keeps only ``bool(result)``."""

    name: str
    args: tuple | None = None
    truthy: bool = False
    keep: bool = True

    @property
    def text(self) -> str:
        return f".{self.name}" if self.args is None else f".{self.name}({', '.join(map(repr, self.args))})"


def method(name: str, *args: Any, truthy: bool = False, keep: bool = True) -> Step:
    """A replay step calling ``obj.name(*args)``; ``keep=False`` runs it without keeping its result."""
    return Step(name, tuple(args), truthy, keep)


def attribute(name: str, *, truthy: bool = False) -> Step:
    """A replay step reading ``obj.name``."""
    return Step(name, None, truthy)


def _arg_json(value: Any) -> Any:
    return {"rng": value.seed} if isinstance(value, Rng) else {"value": to_json(value)}


def _arg_value(data: Any) -> Any:
    return Rng(int(data["rng"])) if "rng" in data else from_json(data["value"])


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _args_text(args: tuple, kwargs: dict | None = None) -> str:
    parts = [describe(a, 60) for a in args] + [f"{k}={describe(v, 60)}" for k, v in (kwargs or {}).items()]
    return _shorten("(" + ", ".join(parts) + ")", 160)


def _steps_text(steps: list[Step]) -> str:
    runs: list[list[Any]] = []
    for step in steps:
        if runs and runs[-1][0] == step.text:
            runs[-1][1] += 1
        else:
            runs.append([step.text, 1])
    return ", ".join(text if n == 1 else f"{text} ×{n}" for text, n in runs)


@dataclass(frozen=True)
class Ask:
    """A named probe and its plain arguments; `text` is how the input reads in a hint."""

    probe: str
    args: tuple = ()
    kwargs: tuple = ()  # (name, value) pairs, for `call`
    steps: tuple[Step, ...] = ()  # for `drive`
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "args": [_arg_json(a) for a in self.args],
            "kwargs": [[k, _arg_json(v)] for k, v in self.kwargs],
            "steps": [
                [s.name, None if s.args is None else to_json(list(s.args)), s.truthy, s.keep] for s in self.steps
            ],
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ask:
        steps = tuple(
            Step(str(name), None if args is None else tuple(from_json(args)), bool(truthy), bool(keep))
            for name, args, truthy, keep in data.get("steps", [])
        )
        return cls(
            probe=str(data["probe"]),
            args=tuple(_arg_value(a) for a in data.get("args", [])),
            kwargs=tuple((str(k), _arg_value(v)) for k, v in data.get("kwargs", [])),
            steps=steps,
            text=str(data.get("text", "")),
        )


def call(*args: Any, **kwargs: Any) -> Ask:
    """Call the answer with these arguments; its return value is the result."""
    return Ask("call", tuple(args), tuple(kwargs.items()), text=_args_text(args, kwargs))


def calls(cases: list[tuple]) -> Ask:
    """Call the answer once per tuple of arguments in `cases`; the result is the list of return values."""
    cases = [tuple(case) for case in cases]
    return Ask("calls", (cases,), text=f"{len(cases)} calls, the first {_args_text(cases[0]) if cases else '()'}")


def drive(args: tuple, steps: list[Step]) -> Ask:
    """Build an object with ``answer(*args)``, then run `steps` on it; the result lists the kept step results."""
    text = f"{_args_text(tuple(args))}, then {_steps_text(steps)}" if steps else _args_text(tuple(args))
    return Ask("replay", tuple(args), steps=tuple(steps), text=_shorten(text, 160))


def drives(cases: list[tuple[tuple, list[Step]]]) -> Ask:
    """One `drive` per (args, steps) case, each on a new object; the result lists each case's kept results."""
    plain = [
        [list(args), [[s.name, None if s.args is None else list(s.args), s.truthy, s.keep] for s in steps]]
        for args, steps in cases
    ]
    first = drive(*cases[0]).text if cases else "()"
    return Ask("replays", (plain,), text=_shorten(f"{len(cases)} objects, the first {first}", 160))


def probe(name: str, *args: Any, text: str = "") -> Ask:
    """Run the named probe of `course.checks.probes` on the answer with these plain arguments."""
    return Ask(name, tuple(args), text=text or describe(args, 100))
