"""Requests and responses: the small immutable values that flow through a gateway.

A response carries its HTTP `status` (a number, as on the wire) and the `outcome` it stands for,
one word of the shared vocabulary `course.sim.OUTCOMES` (429 is "rate_limited", 503 "rejected").

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..sim.validate import MAX_UNTIL, choice, duration, instance, whole
from ..sim.validate import text as validate_text

__all__ = ["METHODS", "OUTCOME_OF_STATUS", "REASONS", "Headers", "Request", "Response", "outcome_of"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# The outcome (course.sim.OUTCOMES) each status a gateway gives stands for. A 405 is "not_found":
# no route exists for that method and path. Other 2xx are "served", other 4xx "rejected", other 5xx "failed".
OUTCOME_OF_STATUS = {
    200: "served",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "not_found",
    429: "rate_limited",
    502: "failed",
    503: "rejected",
    504: "timed_out",
}


def outcome_of(status: int) -> str:
    """The outcome word (from `course.sim.OUTCOMES`) an HTTP `status` stands for.

    >>> outcome_of(429), outcome_of(503), outcome_of(201)
    ('rate_limited', 'rejected', 'served')
    """
    if type(status) is int:  # the fast path: every status the gateway itself gives
        known = OUTCOME_OF_STATUS.get(status)
        if known is not None:
            return known
    status = whole("status", status, minimum=100, maximum=599, why="an HTTP status code such as 200 or 429")
    if status < 400:
        return "served"
    return "rejected" if status < 500 else "failed"


def _text(name: str, value: object, example: str) -> str:
    """`value` if it is non-empty text, else a ValueError naming `name` with an example."""
    return validate_text(name, value, example=f"{name}={example}")


_SPACE = re.compile(r"\s")


def _path(name: str, value: object, example: str = "'/users/123'") -> str:
    """`value` if it is an HTTP path: text starting with '/', holding no spaces."""
    if isinstance(value, str) and value.startswith("/") and not _SPACE.search(value):
        return value
    raise ValueError(
        f"{name} must be a path starting with '/' and holding no spaces (got {value!r}): for example {name}={example}"
    )


def _hashable(name: str, value: Any) -> Any:
    """`value` if it can be a dictionary key (text, a number, a tuple...), else a ValueError naming `name`."""
    try:
        hash(value)
    except TypeError:
        raise ValueError(
            f"{name} must be hashable, such as text or a tuple (got {value!r}): e.g. {name}='alice'"
        ) from None
    return value


def _method(name: str, value: object) -> str:
    """`value` upper-cased if it is an HTTP method of `METHODS` (any case)."""
    if isinstance(value, str) and value.upper() in METHODS:
        return value.upper()
    return choice(name, value, METHODS)  # type: ignore[no-any-return]


class Headers(Mapping[str, str]):
    """HTTP headers: an immutable mapping whose names ignore case, as in HTTP itself.

    >>> h = Headers({"X-Api-Key": "key-alice"})
    >>> h["x-api-key"], "X-API-KEY" in h
    ('key-alice', True)
    >>> h.set("X-Client", "alice")
    Headers({'X-Api-Key': 'key-alice', 'X-Client': 'alice'})
    """

    __slots__ = ("_items",)
    _items: dict[str, tuple[str, str]]  # lower-case name -> (name as given, value)

    def __init__(self, headers: Mapping[str, str] | None = None):
        if headers is not None and not isinstance(headers, Mapping):
            raise ValueError(
                f"headers must be a dict of name -> text (got {headers!r}): for example {{'X-Api-Key': 'key-alice'}}"
            )
        items = {}
        for name, value in (headers or {}).items():
            if not isinstance(name, str) or not name or not isinstance(value, str):
                raise ValueError(
                    f"headers must map names to text (got {name!r}: {value!r}): "
                    "for example {'X-Api-Key': 'key-alice'}"
                )
            items[name.lower()] = (name, value)
        object.__setattr__(self, "_items", items)

    @classmethod
    def _of(cls, items: dict[str, tuple[str, str]]) -> Headers:
        made = object.__new__(cls)
        object.__setattr__(made, "_items", items)
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("headers cannot change: use .set(name, value) to get a copy with a new header")

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return {k: v for k, (_, v) in self._items.items()} == {k: v for k, (_, v) in other._items.items()}
        if isinstance(other, Mapping):
            return self == Headers(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset((k, v) for k, (_, v) in self._items.items()))

    def __repr__(self) -> str:
        return f"Headers({dict(self._items.values())!r})"

    def set(self, name: str, value: str) -> Headers:
        """A copy with header `name` set to `value` (replacing any header of that name)."""
        _text("name", name, "'X-Client'")
        instance("value", value, str, example="'alice'")
        return self._set(name, value)

    def _set(self, name: str, value: str) -> Headers:
        items = dict(self._items)
        items[name.lower()] = (name, value)
        return Headers._of(items)

    def remove(self, name: str) -> Headers:
        """A copy without header `name` (the same headers if it was not there)."""
        _text("name", name, "'X-Client'")
        if name not in self:
            return self
        return Headers._of({k: v for k, v in self._items.items() if k != name.lower()})


_NO_HEADERS = Headers()


def _as_headers(headers: Mapping[str, str] | None) -> Headers:
    if isinstance(headers, Headers):
        return headers
    if headers is None:
        return _NO_HEADERS
    return Headers(headers)


class _Frozen:
    """Immutable slots: set once in the constructor, never again."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} values cannot change: make a new one (for example with .evolve)")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f) for f in self.__slots__))


class Request(_Frozen):
    """What a client sends: an HTTP `method`, a `path`, who sends it, its headers and when.

    Taught in lessons/01_api_gateway.ipynb.

    >>> Request("GET", "/users/123", "alice")
    Request(GET /users/123 from alice)
    >>> r = Request("get", "/users/123", "alice", headers={"X-Api-Key": "key-alice"}, time=0.5)
    >>> r.method, r.api_key, r
    ('GET', 'key-alice', Request(GET /users/123 from alice at 0.5 s [X-Api-Key]))
    """

    __slots__ = ("client", "headers", "method", "path", "time")
    client: str
    headers: Headers
    method: str
    path: str
    time: float

    def __init__(
        self, method: str, path: str, client: str, headers: Mapping[str, str] | None = None, time: float = 0.0
    ):
        set_ = object.__setattr__
        set_(self, "method", _method("method", method))
        set_(self, "path", _path("path", path))
        set_(self, "client", _text("client", client, "'alice' (who sends the request)"))
        set_(self, "headers", _as_headers(headers))
        set_(self, "time", duration("time", time, why="when the request arrives, in simulated seconds"))

    @classmethod
    def _trusted(cls, method: str, path: str, client: str, headers: Headers, time: float) -> Request:
        """Build without checks, for values the library already validated (the simulator's fast path)."""
        self = object.__new__(cls)
        set_ = object.__setattr__
        set_(self, "method", method)
        set_(self, "path", path)
        set_(self, "client", client)
        set_(self, "headers", headers)
        set_(self, "time", time)
        return self

    def __repr__(self) -> str:
        at = f" at {self.time:g} s" if self.time else ""
        names = f" [{', '.join(self.headers)}]" if self.headers else ""
        return f"Request({self.method} {self.path} from {self.client}{at}{names})"

    @property
    def api_key(self) -> str | None:
        """The key the client presents: header `X-Api-Key`, or `Authorization: Bearer <token>`."""
        headers = self.headers
        if "X-Api-Key" in headers:
            return headers["X-Api-Key"]
        auth = headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip() or None
        return None

    def evolve(self, *, path: str | None = None, headers: Mapping[str, str] | None = None) -> Request:
        """A copy with a new `path` and/or `headers` (requests never change in place)."""
        return Request._trusted(
            self.method,
            self.path if path is None else _path("path", path),
            self.client,
            self.headers if headers is None else _as_headers(headers),
            self.time,
        )


def _ms(latency: float) -> str:
    return f"{latency * 1000:.3g} ms" if latency < 1 else f"{latency:.3g} s"


class Response(_Frozen):
    """What comes back: a `status`, which `service` answered (None if the gateway did), the
    `latency` in seconds, headers, whether the cache answered, and a `reason` a person can read;
    `outcome` is the status in the shared vocabulary (`course.sim.OUTCOMES`).

    Taught in lessons/01_api_gateway.ipynb.

    >>> Response(200, "users-service", 0.021)
    Response(200 OK from users-service in 21 ms)
    >>> r = Response(429, None, 0.001, headers={"Retry-After": "0.25"}, reason="alice is over the rate limit")
    >>> r, r.retry_after, r.ok, r.outcome
    (Response(429 Too Many Requests: alice is over the rate limit), 0.25, False, 'rate_limited')
    """

    __slots__ = ("cache_hit", "headers", "latency", "reason", "service", "status")
    cache_hit: bool
    headers: Headers
    latency: float
    reason: str
    service: str | None
    status: int

    def __init__(
        self,
        status: int,
        service: str | None,
        latency: float,
        headers: Mapping[str, str] | None = None,
        cache_hit: bool = False,
        reason: str | None = None,
    ):
        status = whole("status", status, minimum=100, maximum=599, why="an HTTP status code such as 200 or 429")
        if service is not None:
            _text("service", service, "'users-service' (who answered), or None for the gateway")
        if not isinstance(cache_hit, bool):
            raise ValueError(f"cache_hit must be True or False (got {cache_hit!r}): did the cache answer?")
        if reason is not None:
            instance("reason", reason, str, example="'alice is over the rate limit'")
        set_ = object.__setattr__
        set_(self, "status", status)
        set_(self, "service", service)
        set_(self, "latency", duration("latency", latency, maximum=MAX_UNTIL, why="seconds until the response"))
        set_(self, "headers", _as_headers(headers))
        set_(self, "cache_hit", cache_hit)
        set_(self, "reason", reason or REASONS.get(status, "Unknown"))

    def __repr__(self) -> str:
        phrase = REASONS.get(self.status, "")
        head = f"{self.status} {phrase}".strip()
        if self.ok:
            source = "cache" if self.cache_hit else self.service or "gateway"
            return f"Response({head} from {source} in {_ms(self.latency)})"
        why = "" if self.reason == phrase else f": {self.reason}"
        return f"Response({head}{why})"

    @property
    def ok(self) -> bool:
        """True for a success (a 2xx status)."""
        return 200 <= self.status < 300

    @property
    def outcome(self) -> str:
        """What the status stands for, in the shared vocabulary: "served", "rate_limited", ..."""
        return outcome_of(self.status)

    @property
    def retry_after(self) -> float | None:
        """Seconds the client should wait before retrying (header `Retry-After`), or None."""
        value = self.headers.get("Retry-After")
        return None if value is None else float(value)
