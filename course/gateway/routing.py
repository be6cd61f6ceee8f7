"""Routing: which service answers a request, from its method and path.

A route pattern is a path whose segments are literal text (`users`), a parameter in braces
(`{id}`, which matches any one segment and captures it), or, as the last segment only, a star
(`/static/*`, a *prefix* route: it matches `/static` and every path below it).

When several routes match, the most specific wins. Compare the patterns segment by segment
from the left: a literal beats a parameter, a parameter beats the star of a prefix route, and
the first difference decides; a pattern that ends exactly where the path ends beats a prefix
route that agrees with it so far. So for `/users/me`, `/users/me` beats `/users/{id}`, which
beats `/users/*`, which beats `/*`. Two routes with the same shape and a shared method are a
mistake and are refused.

The path's query (`?page=2`) is ignored and empty segments are skipped, so `/users/123/` is
`/users/123`. A path that some route matches, but not for this method, is a 405 (with the
allowed methods); a path that no route matches is a 404.

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from .messages import METHODS, _method, _path

__all__ = ["Route", "RouteMatch", "RouteTable", "split_path"]

_LITERAL, _PARAM, _STAR, _END = 3, 2, 1, 4  # ranks: higher is more specific


def split_path(path: str) -> list[str]:
    """The segments of a path, without its query and without empty segments.

    >>> split_path("/users/123/?page=2")
    ['users', '123']
    """
    return [s for s in _path("path", path).split("?", 1)[0].split("/") if s]


class Route:
    """Send `methods` requests whose path matches `pattern` to `service`.

    >>> Route("/users/{id}", "users-service")
    Route(GET /users/{id} -> users-service)
    >>> Route("/users/{id}", "users-service").match("/users/123")
    {'id': '123'}
    >>> Route("/static/*", "static-service", methods=("GET", "HEAD")).match("/static/css/site.css")
    {}
    """

    __slots__ = ("_parts", "methods", "pattern", "prefix", "service")

    def __init__(self, pattern: str, service: str, methods: Sequence[str] | str = ("GET",)):
        _path("pattern", pattern, "'/users/{id}'")
        if not isinstance(service, str) or not service.strip():
            raise ValueError(
                f"service must name where route {pattern!r} sends requests (got {service!r}): "
                f"for example Route({pattern!r}, 'users-service')"
            )
        if isinstance(methods, str):
            methods = (methods,)
        if not isinstance(methods, (list, tuple, set, frozenset)) or not methods:
            raise ValueError(
                f"methods must be a list of some of {', '.join(METHODS)} (got {methods!r}): e.g. methods=('GET',)"
            )
        self.methods: tuple[str, ...] = tuple(dict.fromkeys(_method("methods", m) for m in methods))
        self.pattern, self.service = pattern, service
        self._parts = _parse(pattern)
        self.prefix = bool(self._parts) and self._parts[-1] == (_STAR, "*")
        if self.prefix:
            self._parts = self._parts[:-1]

    def __repr__(self) -> str:
        return f"Route({','.join(self.methods)} {self.pattern} -> {self.service})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Route):
            return NotImplemented
        return (self.pattern, self.service, self.methods) == (other.pattern, other.service, other.methods)

    def __hash__(self) -> int:
        return hash((self.pattern, self.service, self.methods))

    @property
    def shape(self) -> tuple[str, ...]:
        """The pattern with parameter names erased: two routes of one shape match the same paths."""
        parts = tuple("{}" if kind == _PARAM else text for kind, text in self._parts)
        return (*parts, "*") if self.prefix else parts

    def specificity(self) -> tuple[int, ...]:
        """Ranks, segment by segment (literal 3, parameter 2, star 1, exact end 4): bigger wins."""
        return (*(kind for kind, _ in self._parts), _STAR if self.prefix else _END)

    def match(self, path: str) -> dict[str, str] | None:
        """The captured parameters if `path` matches the pattern (any method), else None."""
        return self._match(split_path(path))

    def _match(self, segments: list[str]) -> dict[str, str] | None:
        parts = self._parts
        if len(segments) < len(parts) or (len(segments) > len(parts) and not self.prefix):
            return None
        params = {}
        for (kind, text), segment in zip(parts, segments, strict=False):
            if kind == _LITERAL:
                if segment != text:
                    return None
            else:
                params[text] = segment
        return params


def _parse(pattern: str) -> list[tuple[int, str]]:
    parts: list[tuple[int, str]] = []
    segments = [s for s in pattern.split("/") if s]
    for i, segment in enumerate(segments):
        if segment == "*":
            if i != len(segments) - 1:
                raise ValueError(
                    f"malformed route pattern {pattern!r}: '*' may only be the last segment, e.g. '/static/*'"
                )
            parts.append((_STAR, "*"))
        elif segment.startswith("{") and segment.endswith("}") and len(segment) > 2:
            name = segment[1:-1]
            if not name.isidentifier():
                raise ValueError(f"malformed route pattern {pattern!r}: parameter {segment!r} needs a name like {{id}}")
            if any(kind == _PARAM and text == name for kind, text in parts):
                raise ValueError(f"malformed route pattern {pattern!r}: parameter {{{name}}} appears twice")
            parts.append((_PARAM, name))
        elif any(c in segment for c in "{}*?") or any(c.isspace() for c in segment):
            raise ValueError(
                f"malformed route pattern {pattern!r}: segment {segment!r} must be plain text, a whole "
                "parameter like {id}, or a final '*'"
            )
        else:
            parts.append((_LITERAL, segment))
    return parts


class RouteMatch(NamedTuple):
    """Where a request goes: the `service`, the captured path `params`, and the `route` that won."""

    service: str
    params: dict[str, str]
    route: Route

    def __repr__(self) -> str:
        return f"RouteMatch({self.service}, {self.params}, via {self.route.pattern})"


class RouteTable:
    """Routes, looked up by method and path; the most specific matching route wins.

    Taught in lessons/01_api_gateway.ipynb.

    >>> table = RouteTable([Route("/users/{id}", "users-service"), Route("/users/me", "profile-service"),
    ...                     Route("/static/*", "static-service")])
    >>> table.match("GET", "/users/123")
    RouteMatch(users-service, {'id': '123'}, via /users/{id})
    >>> table.match("GET", "/users/me").service, table.match("GET", "/orders/7")
    ('profile-service', None)
    >>> table.status("DELETE", "/users/123"), table.status("GET", "/orders/7")
    (405, 404)
    """

    def __init__(self, routes: Iterable[Route | tuple] = ()):
        if isinstance(routes, RouteTable):
            routes = routes.routes
        if isinstance(routes, (Route, str)) or not isinstance(routes, Iterable):
            raise ValueError(
                f"routes must be a list of Route(...) values (got {routes!r}): "
                "for example [Route('/users/{id}', 'users-service')]"
            )
        built: list[Route] = []
        for route in routes:
            if isinstance(route, tuple):
                route = Route(*route)
            if not isinstance(route, Route):
                raise ValueError(
                    f"routes must hold Route values or (pattern, service) pairs (got {route!r}): "
                    "for example Route('/users/{id}', 'users-service')"
                )
            for other in built:
                shared = set(other.methods) & set(route.methods)
                if other.shape == route.shape and shared:
                    raise ValueError(
                        f"duplicate routes for {', '.join(sorted(shared))}: {other!r} and {route!r} match the same "
                        "paths; remove one or give them different methods"
                    )
            built.append(route)
        # most specific first, so the first route that matches is the winner
        self.routes: tuple[Route, ...] = tuple(sorted(built, key=Route.specificity, reverse=True))
        self._memo: dict[tuple[str, str], RouteMatch | None] = {}

    def __repr__(self) -> str:
        lines = [f"RouteTable({len(self.routes)} routes, most specific first)"]
        lines += [f"  {','.join(r.methods):<10} {r.pattern:<24} -> {r.service}" for r in self.routes]
        return "\n".join(lines)

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    @property
    def services(self) -> list[str]:
        """Every service some route leads to, in first-seen order."""
        return list(dict.fromkeys(r.service for r in self.routes))

    def candidates(self, path: str) -> list[tuple[Route, dict[str, str]]]:
        """Every route whose pattern matches `path` (any method), most specific first."""
        segments = split_path(path)
        found = []
        for route in self.routes:
            params = route._match(segments)
            if params is not None:
                found.append((route, params))
        return found

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The winning route for `method` and `path`, or None (then `status` says 404 or 405)."""
        memo_key = (method, path)
        if type(method) is str and type(path) is str and memo_key in self._memo:
            found = self._memo[memo_key]
        else:
            method = _method("method", method)
            found = None
            for route, params in self.candidates(path):
                if method in route.methods:
                    found = RouteMatch(route.service, params, route)
                    break
            if len(self._memo) < 10_000:  # remembered, so repeated paths cost one look-up
                self._memo[memo_key] = found
        return None if found is None else RouteMatch(found.service, dict(found.params), found.route)

    def allowed_methods(self, path: str) -> list[str]:
        """Methods some route accepts for `path` (empty when no route matches it at all)."""
        methods = {m for route, _ in self.candidates(path) for m in route.methods}  # candidates checks `path`
        return [m for m in METHODS if m in methods]

    def status(self, method: str, path: str) -> int:
        """200 if a route takes the request, 405 if routes match the path but not the method, else 404."""
        if self.match(method, path) is not None:
            return 200
        return 405 if self.allowed_methods(path) else 404
