"""Reading a cell's outputs: the error it raised, as one line a report can show.

The grader trusts no printed output as a verdict; it only reads which cells raised, to say why a
question's answer could not be asked ("cell 3 raised MemoryError, so add was never defined").

Taught in the README's section for instructors.

>>> error_of([{"output_type": "stream", "name": "stdout", "text": "ok"},
...           {"output_type": "error", "ename": "NameError", "evalue": "name 'x' is not defined\\nmore"}])
"NameError: name 'x' is not defined"
>>> error_of([]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["error_of"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_of(outputs: Sequence[dict[str, Any]]) -> str | None:
    """``"ename: evalue"`` of the first error output (first line, no traceback, no colour codes), or None."""
    for out in outputs:
        if out.get("output_type") == "error":
            value = _ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0][:160]}" if value else str(out.get("ename", "Error"))
    return None
