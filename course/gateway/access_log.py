"""The access log: one flat entry per request, printable as a table, easy to filter and count.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from html import escape
from typing import Any, NamedTuple, overload

from ..sim.outcomes import OUTCOMES
from ..sim.validate import choice, duration, instance
from .messages import METHODS, _path, _text, outcome_of

__all__ = ["STAGES", "AccessLog", "AccessLogEntry"]

STAGES = ("transform", "route", "auth", "rate_limit", "cache", "admission", "backend")  # who can answer, in order


class _Fields(NamedTuple):
    time: float
    client: str
    method: str
    path: str
    status: int
    outcome: str
    service: str | None
    latency: float
    cache_hit: bool
    stage: str


class AccessLogEntry(_Fields):
    """One request's line in the access log: when it arrived, who sent what, and how it ended.

    `status` is the HTTP status sent back and `outcome` what it stands for (a word of
    `course.sim.OUTCOMES`: "served", "rate_limited", ...); `service` is None when no route
    matched; `latency` is seconds until the response; `stage` names who answered (`route`,
    `auth`, `rate_limit`, `cache`, `admission` or `backend`). Built from the status, the outcome always agrees.

    >>> entry = AccessLogEntry(0.5, "alice", "GET", "/users/1", 429, "users-service", 0.001, False, "rate_limit")
    >>> entry.outcome, entry.status
    ('rate_limited', 429)
    """

    __slots__ = ()

    def __new__(
        cls,
        time: float,
        client: str,
        method: str,
        path: str,
        status: int,
        service: str | None,
        latency: float,
        cache_hit: bool,
        stage: str,
    ) -> AccessLogEntry:
        time = duration("time", time, why="when the request arrived, in simulated seconds")
        _text("client", client, "'alice'")
        choice("method", method, METHODS)
        _path("path", path)
        outcome = outcome_of(status)
        if service is not None:
            _text("service", service, "'users-service', or None when no route matched")
        latency = duration("latency", latency, why="seconds until the response")
        instance("cache_hit", cache_hit, bool, example="cache_hit=False")
        choice("stage", stage, STAGES)
        return tuple.__new__(cls, (time, client, method, path, status, outcome, service, latency, cache_hit, stage))

    @classmethod
    def _trusted(
        cls,
        time: float,
        client: str,
        method: str,
        path: str,
        status: int,
        service: str | None,
        latency: float,
        cache_hit: bool,
        stage: str,
    ) -> AccessLogEntry:
        """Build without checks, for values the gateway already validated (the simulator's fast path)."""
        outcome = outcome_of(status)
        return tuple.__new__(cls, (time, client, method, path, status, outcome, service, latency, cache_hit, stage))

    def __getnewargs__(self) -> tuple[Any, ...]:  # copy and pickle through the checked constructor's arguments
        t = tuple(self)
        return (*t[:5], *t[6:])

    def _replace(self, **changes: Any) -> AccessLogEntry:
        """A copy with some fields changed, checked again (the outcome follows the status)."""
        if "outcome" in changes:
            raise ValueError("outcome follows from status: change status instead (e.g. status=429)")
        fields = {**self._asdict(), **changes}
        del fields["outcome"]
        return type(self)(**fields)


_COLUMNS = ("time", "client", "method", "path", "status", "outcome", "service", "latency", "cache", "stage")


def _cells(r: AccessLogEntry) -> tuple[str, ...]:
    return (
        f"{r.time:.3f}",
        r.client,
        r.method,
        r.path,
        str(r.status),
        r.outcome,
        r.service or "-",
        f"{r.latency * 1000:.1f} ms",
        "hit" if r.cache_hit else "",
        r.stage,
    )


class AccessLog:
    """Records of handled requests, in the order they were logged; prints as a table.

    Taught in lessons/01_api_gateway.ipynb.

    >>> log = AccessLog([AccessLogEntry(0.0, "alice", "GET", "/users/1", 200, "users-service", 0.012, False, "backend"),
    ...                  AccessLogEntry(0.1, "eve", "GET", "/users/1", 401, "users-service", 0.001, False, "auth")])
    >>> log.by_status()
    {200: 1, 401: 1}
    >>> print(log.where(outcome="unauthorized"))
    time   client  method  path      status  outcome       service        latency  cache  stage
    0.100  eve     GET     /users/1  401     unauthorized  users-service  1.0 ms          auth
    """

    head = 10  # rows shown when printed

    def __init__(self, records: Iterable[AccessLogEntry] = ()):
        if not isinstance(records, Iterable) or isinstance(records, (str, bytes)):
            raise ValueError(f"records must be a list of AccessLogEntry (got {records!r}): for example records=[]")
        self.records: list[AccessLogEntry] = list(records)
        for record in self.records:
            instance("records", record, AccessLogEntry, example="[AccessLogEntry(0.0, 'alice', 'GET', ...)]")

    def append(self, record: AccessLogEntry) -> None:
        """Add one record at the end."""
        self.records.append(instance("record", record, AccessLogEntry, example="AccessLogEntry(0.0, 'alice', ...)"))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[AccessLogEntry]:
        return iter(self.records)

    @overload
    def __getitem__(self, index: int) -> AccessLogEntry: ...
    @overload
    def __getitem__(self, index: slice) -> AccessLog: ...
    def __getitem__(self, index: int | slice) -> AccessLogEntry | AccessLog:
        if isinstance(index, slice):
            return AccessLog(self.records[index])
        return self.records[index]

    def where(self, **conditions: Any) -> AccessLog:
        """Records whose fields equal the given values (a set or list of values means any of them).

        >>> AccessLog().where(status={401, 403}, client="eve")
        AccessLog(0 records)
        """
        for name in conditions:
            choice("field", name, AccessLogEntry._fields)
        tests = []
        for name, wanted in conditions.items():
            index = AccessLogEntry._fields.index(name)
            if isinstance(wanted, Collection) and not isinstance(wanted, str):
                wanted = set(wanted)
                tests.append(lambda r, i=index, w=wanted: r[i] in w)
            else:
                tests.append(lambda r, i=index, w=wanted: r[i] == w)
        return AccessLog(r for r in self.records if all(test(r) for test in tests))

    def count_by(self, field: str) -> dict:
        """How many records have each value of `field`, sorted by value (None last)."""
        choice("field", field, AccessLogEntry._fields)
        counts = Counter(getattr(r, field) for r in self.records)
        return dict(sorted(counts.items(), key=lambda kv: (kv[0] is None, str(kv[0]) if kv[0] is not None else "")))

    def by_status(self) -> dict[int, int]:
        """Requests per status code, e.g. `{200: 950, 429: 50}`."""
        return dict(sorted(Counter(r.status for r in self.records).items()))

    def by_outcome(self) -> dict[str, int]:
        """Requests per outcome, in the order of `course.sim.OUTCOMES`, e.g. `{"served": 950, "rate_limited": 50}`."""
        counts = Counter(r.outcome for r in self.records)
        return {word: counts[word] for word in OUTCOMES if word in counts}

    def by_client(self) -> dict[str, int]:
        """Requests per client name."""
        return self.count_by("client")

    def to_dicts(self) -> list[dict]:
        """The records as plain dicts (for `pandas.DataFrame(log.to_dicts())`)."""
        return [r._asdict() for r in self.records]

    def _shown(self) -> tuple[list[tuple[str, ...]], str]:
        rows = [_cells(r) for r in self.records[: self.head]]
        more = len(self.records) - len(rows)
        return rows, (f"... {more} more of {len(self.records)} records" if more > 0 else "")

    def table(self) -> str:
        """The first `head` records as an aligned text table."""
        rows, note = self._shown()
        widths = [max(len(c) for c in column) for column in zip(_COLUMNS, *rows, strict=False)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [_COLUMNS, *rows]
        ]
        return "\n".join([*lines, note] if note else lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        if not self.records:
            return "AccessLog(0 records)"
        return f"AccessLog({len(self.records)} records)\n{self.table()}"

    def _repr_html_(self) -> str:
        rows, note = self._shown()
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        caption = f"<caption>AccessLog: {len(self.records)} records</caption>"
        tail = f"<p>{escape(note)}</p>" if note else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{tail}"
