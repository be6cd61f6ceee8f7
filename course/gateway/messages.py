"""Requests and responses: the small immutable values that flow through a gateway.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

__all__ = ["METHODS", "REASONS", "Headers", "Request", "Response"]

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


class Headers(Mapping):
    """HTTP headers: an immutable mapping whose names ignore case, as in HTTP itself.

    >>> h = Headers({"X-Api-Key": "key-alice"})
    >>> h["x-api-key"], "X-API-KEY" in h
    ('key-alice', True)
    >>> h.set("X-Client", "alice")
    Headers({'X-Api-Key': 'key-alice', 'X-Client': 'alice'})
    """

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, str] | None = None):
        items = {}
        for name, value in (headers or {}).items():
            if not isinstance(name, str) or not name or not isinstance(value, str):
                raise ValueError(
                    f"headers must map names to text, e.g. {{'X-Api-Key': 'key-alice'}} (got {name!r}: {value!r})"
                )
            items[name.lower()] = (name, value)
        object.__setattr__(self, "_items", items)

    def __setattr__(self, name, value):
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
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise ValueError(f"a header needs a name and a text value (got {name!r}: {value!r})")
        copy = object.__new__(Headers)
        items = dict(self._items)
        items[name.lower()] = (name, value)
        object.__setattr__(copy, "_items", items)
        return copy

    def remove(self, name: str) -> Headers:
        """A copy without header `name` (the same headers if it was not there)."""
        if name not in self:
            return self
        copy = object.__new__(Headers)
        object.__setattr__(copy, "_items", {k: v for k, v in self._items.items() if k != name.lower()})
        return copy


_NO_HEADERS = Headers()


def _as_headers(headers: Mapping[str, str] | None) -> Headers:
    if isinstance(headers, Headers):
        return headers
    if headers is None:
        return _NO_HEADERS
    if not isinstance(headers, Mapping):
        raise ValueError(f"headers must be a dict of name -> text, e.g. {{'X-Api-Key': 'key-alice'}} (got {headers!r})")
    return Headers(headers)


class _Frozen:
    """Immutable slots: set once in the constructor, never again."""

    __slots__ = ()

    def __setattr__(self, name, value):
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

    def __init__(
        self, method: str, path: str, client: str, headers: Mapping[str, str] | None = None, time: float = 0.0
    ):
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
        if not isinstance(path, str) or not path.startswith("/") or any(c.isspace() for c in path):
            raise ValueError(f"path must start with '/' and hold no spaces, e.g. '/users/123' (got {path!r})")
        if not isinstance(client, str) or not client:
            raise ValueError(f"client must name who sends the request, e.g. 'alice' (got {client!r})")
        if isinstance(time, bool) or not isinstance(time, (int, float)) or not math.isfinite(time):
            raise ValueError(f"time must be a finite number of seconds (got {time!r})")
        set_ = object.__setattr__
        set_(self, "method", method.upper())
        set_(self, "path", path)
        set_(self, "client", client)
        set_(self, "headers", _as_headers(headers))
        set_(self, "time", float(time))

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
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ValueError(f"path must start with '/' (got {path!r})")
        return Request._trusted(
            self.method,
            self.path if path is None else path,
            self.client,
            self.headers if headers is None else _as_headers(headers),
            self.time,
        )


def _ms(latency: float) -> str:
    return f"{latency * 1000:.3g} ms" if latency < 1 else f"{latency:.3g} s"


class Response(_Frozen):
    """What comes back: a `status`, which `service` answered (None if the gateway did), the
    `latency` in seconds, headers, whether the cache answered, and a `reason` a person can read.

    Taught in lessons/01_api_gateway.ipynb.

    >>> Response(200, "users-service", 0.021)
    Response(200 OK from users-service in 21 ms)
    >>> r = Response(429, None, 0.001, headers={"Retry-After": "0.25"}, reason="alice is over the rate limit")
    >>> r, r.retry_after, r.ok
    (Response(429 Too Many Requests: alice is over the rate limit), 0.25, False)
    """

    __slots__ = ("cache_hit", "headers", "latency", "reason", "service", "status")

    def __init__(
        self,
        status: int,
        service: str | None,
        latency: float,
        headers: Mapping[str, str] | None = None,
        cache_hit: bool = False,
        reason: str | None = None,
    ):
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code between 100 and 599, e.g. 200 (got {status!r})")
        if service is not None and (not isinstance(service, str) or not service):
            raise ValueError(f"service must name who answered, e.g. 'users-service', or be None (got {service!r})")
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency < math.inf:
            raise ValueError(f"latency must be zero or more seconds (got {latency!r})")
        if not isinstance(cache_hit, bool):
            raise ValueError(f"cache_hit must be True or False (got {cache_hit!r})")
        if reason is not None and not isinstance(reason, str):
            raise ValueError(f"reason must be text (got {reason!r})")
        set_ = object.__setattr__
        set_(self, "status", status)
        set_(self, "service", service)
        set_(self, "latency", float(latency))
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
    def retry_after(self) -> float | None:
        """Seconds the client should wait before retrying (header `Retry-After`), or None."""
        value = self.headers.get("Retry-After")
        return None if value is None else float(value)
