"""What every grading process does first: skip an import that costs seconds and that notebooks never need.

jsonschema (imported by nbformat) imports ``rfc3987_syntax`` when it is installed, which builds a grammar
for one to four seconds; notebooks never use the IRI string formats it checks, and the grader starts a
new worker process for every notebook, so each would pay it again. Marking the module as absent makes
jsonschema skip those two formats.

Nothing else depends on it: a notebook never sees the difference.

>>> import sys
>>> "rfc3987_syntax" in sys.modules
True
"""

from __future__ import annotations

import sys

__all__: list[str] = []

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
