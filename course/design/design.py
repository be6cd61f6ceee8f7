"""A design: the whole system as data, from the clients through the gateway to every tier, queue and stream.

`Design` is frozen and checked when it is built: a design that could not run (a route or a link to
nothing, a sync call into a queue, a cycle of sync calls, a part nothing reaches) is refused with a
sentence naming the fix. `simulate(design, until=..., seed=...)` runs it. The gateway is the lesson 1
gateway itself (`course.gateway.Gateway`), built from the design's routes, auth, limiter, cache and
admission control; `gateway=False` sends clients straight to each tier's load balancer.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..gateway import Authenticator, Cache, Client, Endpoint, RateLimiter, Route, RouteTable
from ..gateway.admission import Admission
from ..messaging import RetryPolicy
from ..sim import Poisson, validate
from .parts import FAILURE_KINDS, EventStream, Failure, Link, Tier, WorkQueue

__all__ = ["MAX_REQUESTS", "Design"]

MAX_REQUESTS = 2_000_000  # requests one run may send (a run that keeps only summaries needs ~30 bytes each)
KEEP_RECORDS_UP_TO = 300_000  # above this many requests, keep_records=False is required (memory)


def _tuple(name: str, values: Any, kind: type, example: str, minimum: int = 0) -> tuple[Any, ...]:
    listed = validate.items(name, values, minimum=minimum, maximum=1000, example=example)
    for value in listed:
        validate.instance(name, value, kind, example=example)
    return tuple(listed)


@dataclass(frozen=True, repr=False)
class Design:
    """A system: `clients` sending the request `mix` (`course.gateway` clients and endpoints), `routes`
    from paths to tiers, an optional gateway in front (`gateway`, with its `auth`, per-client `limiter`,
    `cache`, `admission` control and `gateway_timeout`), and the `tiers`, `queues` and `streams` joined
    by `links`. `failures` are injected during the run; `client_retry` (a `course.messaging.RetryPolicy`)
    makes clients retry answers of 502, 503 and 504; `anonymous_share` of requests come without an API
    key (a gateway with auth answers them 401; without a gateway they reach the tiers). `keep_records=False`
    keeps only what the summary, the time series and the picture need (for runs of millions of requests).

    Taught in lessons/06_putting_it_together.ipynb.

    >>> from course.gateway import Route
    >>> d = Design(routes=(Route("/hello", "web"),), tiers=(Tier("web"),))
    >>> d
    Design('custom': clients -> gateway -> web)
    >>> Design(routes=(Route("/hello", "web"),), tiers=(Tier("api"),))
    Traceback (most recent call last):
    ...
    ValueError: routes lead to 'web', which is not a tier of this design: add Tier('web') or fix the route
    """

    name: str = "custom"
    clients: tuple[Client, ...] = field(default_factory=lambda: (Client("app", Poisson(rate=50), key="key-app"),))
    mix: tuple[Endpoint, ...] = field(default_factory=lambda: (Endpoint("GET", "/hello"),))
    routes: Any = ()
    tiers: tuple[Tier, ...] = ()
    queues: tuple[WorkQueue, ...] = ()
    streams: tuple[EventStream, ...] = ()
    links: tuple[Link, ...] = ()
    gateway: bool = True
    auth: Authenticator | None = None
    limiter: RateLimiter | None = None
    cache: Cache | None = None
    admission: Admission | None = None
    gateway_timeout: float = 2.0
    overhead: float = 0.001
    anonymous_share: float = 0.0
    failures: tuple[Failure, ...] = ()
    client_retry: RetryPolicy | None = None
    keep_records: bool = True
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        validate.instance("name", self.name, str, example="name='rides'")
        set_(self, "clients", _tuple("clients", self.clients, Client, "[Client('app', Poisson(rate=50))]", 1))
        names = [c.name for c in self.clients]
        validate.distinct("clients", names, why="each client needs its own name")
        set_(self, "mix", _tuple("mix", self.mix, Endpoint, "[Endpoint('GET', '/rides/{id}')]", 1))
        routes = self.routes if isinstance(self.routes, RouteTable) else None
        if routes is None:
            listed = _tuple("routes", self.routes, Route, "[Route('/rides', 'booking', methods=('POST',))]", 1)
            routes = RouteTable(listed)
        set_(self, "routes", routes)
        set_(self, "tiers", _tuple("tiers", self.tiers, Tier, "[Tier('booking', instances=4)]", 1))
        set_(self, "queues", _tuple("queues", self.queues, WorkQueue, "[WorkQueue('matching')]"))
        set_(self, "streams", _tuple("streams", self.streams, EventStream, "[EventStream('ride-events')]"))
        set_(self, "links", _tuple("links", self.links, Link, "[Link('booking', 'pricing')]"))
        set_(self, "failures", _tuple("failures", self.failures, Failure, "[Failure('slow', 'pricing', at=10)]"))
        validate.instance("gateway", self.gateway, bool, example="gateway=False sends clients straight to the tiers")
        for attr, kind, example in (
            ("auth", Authenticator, "Authenticator(keys={'key-app': 'app'})"),
            ("limiter", RateLimiter, "TokenBucket(capacity=20, rate=100)"),
            ("cache", Cache, "Cache(capacity=500, ttl=1)"),
            ("admission", Admission, "LoadShedder(max_in_flight=40)"),
            ("client_retry", RetryPolicy, "RetryPolicy(max_attempts=3)"),
        ):
            value = getattr(self, attr)
            if value is not None:
                validate.instance(attr, value, kind, example=f"{attr}={example}, or None")
        validate.duration(
            "gateway_timeout", self.gateway_timeout, positive=True, maximum=3600, why="seconds before a 504"
        )
        validate.duration("overhead", self.overhead, maximum=1, why="the gateway's own seconds per request")
        validate.probability(
            "anonymous_share", self.anonymous_share, why="the share of requests sent without an API key"
        )
        validate.instance("keep_records", self.keep_records, bool, example="keep_records=False for huge runs")
        set_(self, "notes", _tuple("notes", self.notes, str, "notes=('partitions: rides has no stream',)"))
        self._check_graph(names)

    # -- the graph ------------------------------------------------------------------------------------------------

    def _check_graph(self, client_names: list[str]) -> None:
        kinds = self.kinds
        every = [*(t.name for t in self.tiers), *(q.name for q in self.queues), *(s.name for s in self.streams)]
        validate.distinct("names", every, why="tiers, queues and streams each need their own name")
        clash = sorted(set(every) & set(client_names))
        if clash:
            raise ValueError(f"clients must be named differently from the design's parts (got {clash})")
        for service in self.routes.services:
            if kinds.get(service) != "tier":
                raise ValueError(
                    f"routes lead to {service!r}, which is not a tier of this design: "
                    f"add Tier({service!r}) or fix the route"
                )
        for link in self.links:
            if link.source not in kinds:
                raise ValueError(f"a link starts at {link.source!r}, which is not a part of this design: {link!r}")
            if link.target not in kinds:
                raise ValueError(
                    f"a link leads to {link.target!r}, which is not a part of this design (an edge to nothing): "
                    f"add it, or remove {link!r}"
                )
            if kinds[link.source] != "tier":
                raise ValueError(
                    f"a link starts at the {kinds[link.source]} {link.source!r}: only a tier calls other parts "
                    f"(its workers or consumers do their own work)"
                )
            if link.mode == "sync" and kinds[link.target] != "tier":
                raise ValueError(
                    f"a sync call into the {kinds[link.target]} {link.target!r} cannot work: a "
                    f"{kinds[link.target]} answers no one, it takes work to be done later; use mode='async'"
                )
            if link.mode == "async" and kinds[link.target] == "tier":
                raise ValueError(
                    f"an async link must end in a queue or a stream (got the tier {link.target!r}): "
                    f"call a tier with mode='sync', or put a queue in front of it"
                )
        pairs = [(link.source, link.target) for link in self.links]
        validate.distinct("links", pairs, why="one link per pair of parts; use share= for a partial call")
        cycle = self._cycle()
        if cycle:
            raise ValueError(
                f"the sync calls {' -> '.join(cycle)} form a cycle: a request would wait on itself forever; "
                "break it with a queue (mode='async') or remove a link"
            )
        reached = set(self.routes.services)
        frontier = list(reached)
        while frontier:
            here = frontier.pop()
            for link in self.links:
                if link.source == here and link.target not in reached:
                    reached.add(link.target)
                    frontier.append(link.target)
        lonely = [name for name in every if name not in reached]
        if lonely:
            raise ValueError(
                f"{', '.join(map(repr, lonely))} {'is' if len(lonely) == 1 else 'are'} unreachable: no route or link "
                "leads there; link to it or remove it"
            )
        for failure in self.failures:
            want = FAILURE_KINDS[failure.kind]
            if kinds.get(failure.target) != want:
                options = [name for name, kind in kinds.items() if kind == want] or [f"(this design has no {want})"]
                raise ValueError(
                    f"target must be a {want} for a {failure.kind!r} failure (got {failure.target!r}): "
                    f"one of {', '.join(options)}"
                )

    def _cycle(self) -> list[str]:
        """A cycle of sync links as a list of names (first repeated at the end), or [] when there is none."""
        calls: dict[str, list[str]] = {}
        for link in self.links:
            if link.mode == "sync":
                calls.setdefault(link.source, []).append(link.target)
        state: dict[str, int] = {}
        path: list[str] = []

        def visit(node: str) -> list[str]:
            state[node] = 1
            path.append(node)
            for nxt in calls.get(node, []):
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if nxt not in state:
                    found = visit(nxt)
                    if found:
                        return found
            state[node] = 2
            path.pop()
            return []

        for start in calls:
            if start not in state:
                found = visit(start)
                if found:
                    return found
        return []

    @property
    def kinds(self) -> dict[str, str]:
        """Each part's name and its kind: "tier", "queue" or "stream"."""
        out = {t.name: "tier" for t in self.tiers}
        out |= {q.name: "queue" for q in self.queues}
        out |= {s.name: "stream" for s in self.streams}
        return out

    def part(self, name: str) -> Tier | WorkQueue | EventStream:
        """The tier, queue or stream called `name`.

        >>> from course.design import Design
        >>> Design.example("rides").part("matching")
        WorkQueue('matching', 8 workers, capacity 300, reject when full, 16 msg/s)
        """
        parts: tuple[Tier | WorkQueue | EventStream, ...] = (*self.tiers, *self.queues, *self.streams)
        for part in parts:
            if part.name == name:
                return part
        validate.choice("name", name, list(self.kinds))
        raise AssertionError("unreachable")

    def links_from(self, name: str) -> list[Link]:
        """The links leaving part `name`, in the order the design lists them (the order calls are made).

        >>> [link.target for link in Design.example("rides").links_from("booking")]
        ['pricing', 'matching']
        """
        validate.instance("name", name, str, example="name='booking'")
        return [link for link in self.links if link.source == name]

    # -- reading it ---------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        entry = "gateway" if self.gateway else "load balancers"
        front = list(dict.fromkeys(self.routes.services))
        return f"Design({self.name!r}: clients -> {entry} -> {', '.join(front)})"

    @property
    def rate(self) -> float:
        """Requests per second the clients send, averaged over the first minute."""
        return round(sum(c.source.mean_rate(60.0) for c in self.clients), 9)

    def describe(self) -> str:
        """Every part and link, one per line: the design as you would draw it on a whiteboard."""
        lines = [repr(self)]
        if self.gateway:
            stages = [
                f"auth ({len(self.auth.keys)} keys)" if self.auth else "",
                f"limiter {self.limiter!r} per client" if self.limiter else "",
                f"cache ttl {self.cache.ttl:g} s" if self.cache else "",
                f"admission {self.admission!r}" if self.admission else "",
            ]
            shown = ", ".join(s for s in stages if s) or "routing only"
            lines.append(f"  gateway: {shown}; timeout {self.gateway_timeout:g} s")
        for route in self.routes.routes:
            lines.append(f"  route {'/'.join(route.methods)} {route.pattern} -> {route.service}")
        lines += [f"  {part!r}" for part in (*self.tiers, *self.queues, *self.streams)]
        lines += [f"  {link!r}" for link in self.links]
        lines += [f"  {failure!r}" for failure in self.failures]
        if self.client_retry is not None:
            lines.append(f"  clients retry 5xx: {self.client_retry!r}")
        return "\n".join(lines)

    # -- making new ones ------------------------------------------------------------------------------------------

    def replace(self, **changes: Any) -> Design:
        """A copy with some fields changed (a design never changes)."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not a field of Design: use {', '.join(f.name for f in fields(self))}"
            )
        return replace(self, **changes)

    def at_rate(self, rate: float) -> Design:
        """The same design with steady Poisson traffic of `rate` requests per second, shared among the
        clients as their average rates are (what `check_design` runs at the required peak).

        >>> round(Design.example("rides").at_rate(300).rate)
        300
        """
        total = validate.rate("rate", rate, why="requests per second, all clients together")
        shares = [c.source.mean_rate(60.0) for c in self.clients]
        whole = sum(shares) or float(len(shares))
        clients = tuple(
            replace(c, source=Poisson(total * (s if sum(shares) else 1.0) / whole))
            for c, s in zip(self.clients, shares, strict=True)
        )
        return replace(self, clients=clients)

    @classmethod
    def example(
        cls,
        name: str = "rides",
        *,
        rate: float = 40.0,
        spike: float = 3.0,
        instances: int = 3,
        partitions: int = 6,
        queue_capacity: int = 300,
        workers: int | None = None,
        failure: str = "none",
        gateway: bool = True,
        queue: bool = True,
        stream: bool = True,
        guards: bool = False,
        shedding: bool = False,
        client_retries: int = 0,
        backoff: bool = False,
        **fields: Any,
    ) -> Design:
        """One of the lesson's systems (`DESIGNS`): "rides", "images", "dashboard", "payments" or "chat".

        Every example sends `rate` requests per second, swelling to `spike` times that around t = 12 s
        (the 9:00 rush), and takes the same knobs: `instances` of its main tier, `partitions` of its main
        stream, `queue_capacity` and `workers` of its main queue (None: the system's own number), a
        `failure` preset (one of `FAILURES`), and switches
        that remove a part to see what breaks (`gateway`, `queue`, `stream`) or add protection
        (`guards`: a timeout, a circuit breaker and a fallback or a retry budget on the main dependency
        call; `shedding`: the gateway refuses what a tier cannot hold). `client_retries` makes clients
        retry a 5xx that many times, at once or with exponential `backoff` and jitter. A knob that does
        not apply to that system is listed in the design's `notes`, which the summary repeats. Any
        field of `Design` may be set too.

        >>> Design.example("rides", instances=6).part("booking").instances
        6
        >>> Design.example("rides", partitions=12).notes
        ('partitions: rides has no stream, so partitions changes nothing',)
        >>> Design.example("trains")
        Traceback (most recent call last):
        ...
        ValueError: name must be one of 'rides', 'images', 'dashboard', 'payments', 'chat' (got 'trains')
        """
        from .examples import build_example

        return build_example(  # type: ignore[no-any-return]
            cls,
            name,
            rate=rate,
            spike=spike,
            instances=instances,
            partitions=partitions,
            queue_capacity=queue_capacity,
            workers=workers,
            failure=failure,
            gateway=gateway,
            queue=queue,
            stream=stream,
            guards=guards,
            shedding=shedding,
            client_retries=client_retries,
            backoff=backoff,
            **fields,
        )
