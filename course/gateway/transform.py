"""Request transformations: small steps that rewrite a request before it is routed.

Each step is a value that prints as its definition and is called as `step(request, n)`, where
`n` numbers the request at the gateway; steps compose with `+` into a `Chain` that runs left
to right. Requests never change in place: every step returns a new one.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterator
from string import Formatter

from ..sim.validate import instance, whole
from .messages import Request, _path, _text

__all__ = ["FIELDS", "AddHeader", "Chain", "RemoveHeader", "RewritePrefix", "StripPrefix", "Transform", "chain"]

FIELDS = ("client", "method", "n", "path", "time")  # what a header template may use


class Transform:
    """Base of the steps: `step(request, n=0)` returns the rewritten request; `a + b` chains."""

    def __call__(self, request: Request, n: int = 0) -> Request:
        """The rewritten request (`n` numbers it at the gateway, for templates such as 'req-{n}')."""
        instance("request", request, Request, example="Request('GET', '/users/1', 'alice')")
        whole("n", n, why="the request's number at the gateway")
        return self._apply(request, n)

    def _apply(self, request: Request, n: int) -> Request:  # pragma: no cover - interface
        raise NotImplementedError

    def __add__(self, other: Transform) -> Chain:
        if not isinstance(other, Transform):
            return NotImplemented
        return Chain(self, other)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *vars(self).values()))


class AddHeader(Transform):
    """Set header `name` to `value`, a template that may use {client}, {method}, {n}, {path}, {time}.

    >>> add_id = AddHeader("X-Request-Id", "req-{n}")
    >>> add_id(Request("GET", "/users/123", "alice"), n=7).headers
    Headers({'X-Request-Id': 'req-7'})
    >>> AddHeader("X-Client", "{client}") + add_id
    Chain(AddHeader('X-Client', '{client}') -> AddHeader('X-Request-Id', 'req-{n}'))
    """

    def __init__(self, name: str, value: str):
        if not isinstance(name, str) or not name or any(c.isspace() or c == ":" for c in name):
            raise ValueError(f"name must be one word, a header name (got {name!r}): for example 'X-Request-Id'")
        instance("value", value, str, example="'req-{n}'")
        try:
            fields = {f for _, f, _, _ in Formatter().parse(value) if f is not None}
        except ValueError as err:
            raise ValueError(f"value {value!r} is a malformed template ({err}): write fields like {{client}}") from None
        unknown = sorted(fields - set(FIELDS))
        if unknown:
            known = ", ".join("{" + f + "}" for f in FIELDS)
            raise ValueError(f"value {value!r} uses unknown template field(s) {unknown}: use {known}")
        self.name, self.value = name, value
        self._template = bool(fields)

    def __repr__(self) -> str:
        return f"AddHeader({self.name!r}, {self.value!r})"

    def _apply(self, request: Request, n: int) -> Request:
        value = self.value
        if self._template:
            r = request
            value = value.format(client=r.client, method=r.method, n=n, path=r.path, time=r.time)
        return Request._trusted(
            request.method, request.path, request.client, request.headers._set(self.name, value), request.time
        )


class RemoveHeader(Transform):
    """Drop header `name` (for example one a client must not set for itself).

    >>> RemoveHeader("X-Client")(Request("GET", "/", "eve", headers={"X-Client": "admin"})).headers
    Headers({})
    """

    def __init__(self, name: str):
        self.name = _text("name", name, "'X-Client'")

    def __repr__(self) -> str:
        return f"RemoveHeader({self.name!r})"

    def _apply(self, request: Request, n: int) -> Request:
        headers = request.headers.remove(self.name)
        if headers is request.headers:
            return request
        return Request._trusted(request.method, request.path, request.client, headers, request.time)


class RewritePrefix(Transform):
    """Replace the path prefix `old` by `new` (whole segments only); other paths pass unchanged.

    >>> RewritePrefix("/v1/people", "/users")(Request("GET", "/v1/people/123", "alice"))
    Request(GET /users/123 from alice)
    """

    def __init__(self, old: str, new: str):
        _path("old", old, "'/api/v1'")
        _path("new", new, "'/users'")
        self.old, self.new = old.rstrip("/") or "/", new.rstrip("/") or "/"

    def __repr__(self) -> str:
        return f"RewritePrefix({self.old!r}, {self.new!r})"

    def rewrite(self, path: str) -> str:
        """The rewritten path (unchanged when it does not start with the prefix)."""
        return self._rewrite(_path("path", path))

    def _rewrite(self, path: str) -> str:
        old = self.old
        if old == "/":
            rest = path
        elif path == old or path.startswith(old + "/") or path.startswith(old + "?"):
            rest = path[len(old) :]
        else:
            return path
        if rest in ("", "/"):
            return self.new
        if rest.startswith("?"):
            return self.new + rest
        return ("" if self.new == "/" else self.new) + rest

    def _apply(self, request: Request, n: int) -> Request:
        path = self._rewrite(request.path)
        if path == request.path:
            return request
        return Request._trusted(request.method, path, request.client, request.headers, request.time)


class StripPrefix(RewritePrefix):
    """Remove the path prefix `prefix` (whole segments only): `/api/v1/users/1` becomes `/users/1`.

    >>> StripPrefix("/api/v1")(Request("GET", "/api/v1/users/123", "alice"))
    Request(GET /users/123 from alice)
    >>> StripPrefix("/api/v1")(Request("GET", "/api/v10/x", "alice")).path
    '/api/v10/x'
    """

    def __init__(self, prefix: str):
        super().__init__(_path("prefix", prefix, "'/api/v1'"), "/")

    def __repr__(self) -> str:
        return f"StripPrefix({self.old!r})"


class Chain(Transform):
    """Run `steps` left to right, each on the previous one's output.

    >>> steps = StripPrefix("/api/v1") + AddHeader("X-Request-Id", "req-{n}")
    >>> steps(Request("GET", "/api/v1/users/123", "alice"), n=1)
    Request(GET /users/123 from alice [X-Request-Id])
    """

    def __init__(self, *steps: Transform):
        flat: list[Transform] = []
        for step in steps:
            if isinstance(step, Chain):
                flat.extend(step.steps)
            elif isinstance(step, Transform):
                flat.append(step)
            else:
                raise ValueError(
                    f"steps must be transform steps (got {step!r}): "
                    "for example StripPrefix('/api/v1') or AddHeader(...)"
                )
        self.steps: tuple[Transform, ...] = tuple(flat)

    def __repr__(self) -> str:
        return f"Chain({' -> '.join(map(repr, self.steps))})" if self.steps else "Chain()"

    def __iter__(self) -> Iterator[Transform]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def _apply(self, request: Request, n: int) -> Request:
        for step in self.steps:
            request = step._apply(request, n)
        return request


def chain(transforms: Transform | list[Transform] | tuple[Transform, ...] | None) -> Chain:
    """Accept one step, a list of steps, or None (no steps), and return a `Chain`.

    >>> chain(None), chain([StripPrefix("/api")])
    (Chain(), Chain(StripPrefix('/api')))
    """
    if transforms is None:
        return Chain()
    if isinstance(transforms, Transform):
        return Chain(transforms)
    if isinstance(transforms, (list, tuple)):
        return Chain(*transforms)
    raise ValueError(
        f"transforms must be a step, a list of steps, or None (got {transforms!r}): e.g. [StripPrefix('/api/v1')]"
    )
