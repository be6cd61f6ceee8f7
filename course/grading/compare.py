"""Comparing a learner's cell with the solution's: nbval's rule on text outputs, after hiding memory addresses.

What counts is the cell's stdout and the ``text/plain`` of its results and displays, in order,
with consecutive prints joined and ``0x7f...`` addresses replaced. stderr (warnings from the
environment), images and widget views are ignored; an error output is reported as such.

Taught in the README's section for instructors.

>>> out = [{"output_type": "stream", "name": "stdout", "text": "✓ gateway.token_bucket: "},
...        {"output_type": "stream", "name": "stdout", "text": "all 6 checks passed\\n"}]
>>> text_outputs(out)
[('stdout', '✓ gateway.token_bucket: all 6 checks passed\\n')]
>>> sanitize("<function f at 0x7f3a2b1c>")
'<function f at 0xADDR>'
>>> difference([("stdout", "✓ a\\n")], [("stdout", "✗ a\\n")])
'output differs from the solution\\'s: expected "✓ a", got "✗ a"'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["difference", "error_of", "sanitize", "text_outputs"]

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+")  # not the 0x480 in "640x480"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def sanitize(text: str) -> str:
    """Replace memory addresses, which differ on every run (the same rule as tests/nbval_sanitize.cfg)."""
    return _ADDRESS.sub("0xADDR", text)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def text_outputs(outputs: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The comparable outputs of a cell as (kind, text) pairs: stdout, text/plain results, and errors."""
    items: list[tuple[str, str]] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            text = sanitize(_text(out.get("text", "")))
            if items and items[-1][0] == "stdout":
                items[-1] = ("stdout", items[-1][1] + text)
            else:
                items.append(("stdout", text))
        elif kind in ("execute_result", "display_data") and "text/plain" in out.get("data", {}):
            items.append(("text/plain", sanitize(_text(out["data"]["text/plain"]))))
        elif kind == "error":
            items.append(("error", sanitize(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")))
    return items


def error_of(outputs: Sequence[dict[str, Any]]) -> str | None:
    """``"ename: evalue"`` of the first error output (without its traceback), or None."""
    for out in outputs:
        if out.get("output_type") == "error":
            value = _ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0][:160]}" if value else str(out.get("ename", "Error"))
    return None


def _quote(text: str, width: int = 160) -> str:
    text = text.replace("\n", " | ").strip(" |")
    return '"' + (text if len(text) <= width else text[: width - 1] + "…") + '"'


def difference(expected: list[tuple[str, str]], actual: list[tuple[str, str]]) -> str | None:
    """None when the two output lists are equal, else a one-line description of the first difference."""
    if expected == actual:
        return None
    for (kind_e, text_e), (kind_a, text_a) in zip(expected, actual, strict=False):
        if (kind_e, text_e) != (kind_a, text_a):
            if kind_e != kind_a:
                expected_text, actual_text = f"{kind_e} {_quote(text_e)}", f"{kind_a} {_quote(text_a)}"
                return f"output differs from the solution's: expected {expected_text}, got {actual_text}"
            lines_e, lines_a = text_e.splitlines(), text_a.splitlines()
            for line_e, line_a in zip(lines_e, lines_a, strict=False):
                if line_e != line_a:
                    return f"output differs from the solution's: expected {_quote(line_e)}, got {_quote(line_a)}"
            return f"output differs from the solution's: expected {_quote(text_e)}, got {_quote(text_a)}"
    if len(actual) < len(expected):
        return f"output is missing the solution's {_quote(expected[len(actual)][1])}"
    return f"output has more than the solution's: {_quote(actual[len(expected)][1])}"
