"""Drive a lab from a test the way a learner does: build it quietly, then move its controls."""

import contextlib
import io


def build(factory, seed=0):
    """The lab `factory(seed=seed)` returns, with its first drawing's printed output swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        return factory(seed=seed)


def move(lab, **values):
    """Set each named control (each change re-runs the lab); return the new view and what it printed."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for name, value in values.items():
            lab.controls[name].value = value
    return lab.result, out.getvalue()
