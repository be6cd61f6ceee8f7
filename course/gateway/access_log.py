"""The access log: one flat record per request, printable as a table, easy to filter and count.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from html import escape
from typing import Any, NamedTuple

__all__ = ["STAGES", "AccessLog", "LogRecord"]

STAGES = ("transform", "route", "auth", "rate_limit", "cache", "backend")  # who can answer, in order


class LogRecord(NamedTuple):
    """One request's line in the log: when it arrived, who sent what, and how it ended.

    `service` is None when no route matched; `latency` is seconds until the response;
    `stage` names who answered (`route`, `auth`, `rate_limit`, `cache` or `backend`).
    """

    time: float
    client: str
    method: str
    path: str
    status: int
    service: str | None
    latency: float
    cache_hit: bool
    stage: str


_COLUMNS = ("time", "client", "method", "path", "status", "service", "latency", "cache", "stage")


def _cells(r: LogRecord) -> tuple[str, ...]:
    return (
        f"{r.time:.3f}",
        r.client,
        r.method,
        r.path,
        str(r.status),
        r.service or "-",
        f"{r.latency * 1000:.1f} ms",
        "hit" if r.cache_hit else "",
        r.stage,
    )


class AccessLog:
    """Records of handled requests, in the order they were logged; prints as a table.

    Taught in lessons/01_api_gateway.ipynb.

    >>> log = AccessLog([LogRecord(0.0, "alice", "GET", "/users/1", 200, "users-service", 0.012, False, "backend"),
    ...                  LogRecord(0.1, "eve", "GET", "/users/1", 401, "users-service", 0.001, False, "auth")])
    >>> log.by_status()
    {200: 1, 401: 1}
    >>> print(log.where(status=401))
    time   client  method  path      status  service        latency  cache  stage
    0.100  eve     GET     /users/1  401     users-service  1.0 ms          auth
    """

    head = 10  # rows shown when printed

    def __init__(self, records: Iterable[LogRecord] = ()):
        self.records: list[LogRecord] = list(records)

    def append(self, record: LogRecord) -> None:
        """Add one record at the end."""
        self.records.append(record)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[LogRecord]:
        return iter(self.records)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return AccessLog(self.records[index])
        return self.records[index]

    def where(self, **conditions: Any) -> AccessLog:
        """Records whose fields equal the given values (a set or list of values means any of them).

        >>> AccessLog().where(status={401, 403}, client="eve")
        AccessLog(0 records)
        """
        unknown = sorted(set(conditions) - set(LogRecord._fields))
        if unknown:
            raise ValueError(f"unknown log field(s) {unknown}: choose from {', '.join(LogRecord._fields)}")
        tests = []
        for name, wanted in conditions.items():
            index = LogRecord._fields.index(name)
            if isinstance(wanted, Collection) and not isinstance(wanted, str):
                wanted = set(wanted)
                tests.append(lambda r, i=index, w=wanted: r[i] in w)
            else:
                tests.append(lambda r, i=index, w=wanted: r[i] == w)
        return AccessLog(r for r in self.records if all(test(r) for test in tests))

    def count_by(self, field: str) -> dict:
        """How many records have each value of `field`, sorted by value (None last)."""
        if field not in LogRecord._fields:
            raise ValueError(f"unknown log field {field!r}: choose from {', '.join(LogRecord._fields)}")
        counts = Counter(getattr(r, field) for r in self.records)
        return dict(sorted(counts.items(), key=lambda kv: (kv[0] is None, str(kv[0]) if kv[0] is not None else "")))

    def by_status(self) -> dict[int, int]:
        """Requests per status code, e.g. `{200: 950, 429: 50}`."""
        return dict(sorted(Counter(r.status for r in self.records).items()))

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
