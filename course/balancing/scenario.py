"""The definition of a balancer experiment: backends, strategy, workload, layer, checks, failures, scaling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from course.sim import LogNormal, validate

from .backend import MAX_BACKENDS, Backend, backend_pool
from .health import HealthCheck, Outage, PassiveCheck, Slowdown
from .layers import L4, L7, TLS, as_layer
from .scaling import Autoscaler, Scale
from .strategies import Strategy, WeightedRoundRobin, make_strategy
from .workload import Workload

__all__ = ["EXAMPLE_COST", "FAILURE_PRESETS", "MAX_TIMER_EVENTS", "BalancerScenario"]

MAX_TIMER_EVENTS = 1_000_000  # probes and autoscaler ticks: bounded so no setting can hang a run
EXAMPLE_COST = 0.05  # the example's mean seconds of work per request at speed 1 (20 requests/s per backend)
FAILURE_PRESETS: dict[str, tuple[Outage | Slowdown, ...]] = {
    "none": (),
    "b0 crashes at 6 s": (Outage("b0", at=6.0, kind="crash"),),
    "b0 crashes at 6 s, back at 14 s": (Outage("b0", at=6.0, until=14.0, kind="crash"),),
    "b0 unreachable 6 s to 14 s": (Outage("b0", at=6.0, until=14.0, kind="unreachable"),),
    "b0 turns 5× slower at 6 s": (Slowdown("b0", at=6.0, factor=5.0),),
}


@dataclass(frozen=True)
class BalancerScenario:
    """A load balancer in front of `backends`, using `strategy`, fed by `workload`.

    - `backends`: a number of identical `Backend()`s, or a sequence of `Backend(...)`
      (named "b0", "b1", ... unless named).
    - `strategy`: a name from `STRATEGIES` or a `Strategy` object.
    - `layer`: "L7" (per request) or "L4" (per connection), or `L7(routes=..., cache_ttl=...)`.
    - `health` (active probes) and `passive` (watch real traffic): how the balancer learns
      that a backend died. A backend that is dead from time 0 starts marked down when there
      are active checks (they ran before traffic started).
    - `failures`: `Outage(...)` and `Slowdown(...)` events. `connect_timeout`: seconds the
      balancer waits to connect to a backend that does not answer (an unreachable one; a
      crashed one refuses at once); `response_timeout`: seconds it waits for the answer to a
      request an unreachable backend holds (the toy's live backends always answer, however
      slowly). `retries`: how many other backends a failed request may try. A request that was
      never sent (refused, or its connection timed out) may always be retried; one that was
      sent and then lost is retried only if its method is idempotent (GET, PUT, DELETE, ...),
      as NGINX does by default.
    - `scaling`: `Scale(at, to)` changes; `autoscaler`: an `Autoscaler`; `tls`: a `TLS` cost,
      paid by the backends at L4 and by the balancer at L7.

    Taught in lessons/02_load_balancer.ipynb.

    >>> BalancerScenario(backends=3, strategy="least connections")
    BalancerScenario(backends=3, strategy=LeastConnections())
    >>> BalancerScenario(backends=0)
    Traceback (most recent call last):
    ...
    ValueError: backends must be a whole number of at least 1 (got 0): a load balancer needs somewhere to send traffic
    >>> BalancerScenario(failures=(Outage("b9", at=1.0),))
    Traceback (most recent call last):
    ...
    ValueError: failures must name backends in the pool: 'b0', 'b1', 'b2', 'b3', 'b4' (got Outage(...'b9'...))
    """

    backends: int | Sequence[Backend] = 5
    strategy: str | Strategy = "round_robin"
    workload: Workload = field(default_factory=Workload)
    layer: L4 | L7 | str = "L7"
    health: HealthCheck | None = None
    passive: PassiveCheck | None = None
    failures: Sequence[Outage | Slowdown] = ()
    retries: int = 0
    connect_timeout: float = 1.0
    response_timeout: float = 5.0
    scaling: Sequence[Scale] = ()
    autoscaler: Autoscaler | None = None
    tls: TLS | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "backends", _named(self.backends))
        names = self.names
        object.__setattr__(self, "strategy", make_strategy(self.strategy))
        validate.instance("workload", self.workload, Workload, example="Workload(rate=100)")
        object.__setattr__(self, "layer", as_layer(self.layer))
        for name, kind, example in (
            ("health", HealthCheck, "HealthCheck(interval=2, fall=3, rise=2)"),
            ("passive", PassiveCheck, "PassiveCheck(failures=3, ejection=10)"),
            ("autoscaler", Autoscaler, "Autoscaler(target=0.6)"),
            ("tls", TLS, "TLS(handshake=0.002, per_request=0.0002)"),
        ):
            if getattr(self, name) is not None:
                validate.instance(name, getattr(self, name), kind, example=f"None or {example}")
        object.__setattr__(
            self, "failures", _events("failures", self.failures, (Outage, Slowdown), "(Outage('b0', at=6),)")
        )
        object.__setattr__(self, "scaling", _events("scaling", self.scaling, (Scale,), "(Scale(at=10, to=6),)"))
        for failure in self.failures:
            ref = failure.backend
            if (isinstance(ref, int) and ref >= len(names)) or (isinstance(ref, str) and ref not in names):
                raise ValueError(
                    f"failures must name backends in the pool: {', '.join(map(repr, names))} (got {failure!r})"
                )
        if isinstance(self.layer, L7):
            for route in self.layer.routes:
                unknown = [b for b in route.backends if b not in names]
                if unknown:
                    raise ValueError(
                        f"layer routes must name backends in the pool: {names} (got {unknown} in {route!r})"
                    )
        validate.whole("retries", self.retries, maximum=10, why="how many other backends to try")
        validate.duration(
            "connect_timeout", self.connect_timeout, maximum=60.0, why="how long to wait for a backend to accept"
        )
        validate.duration(
            "response_timeout", self.response_timeout, maximum=600.0, why="how long to wait for an answer once sent"
        )

    @classmethod
    def example(
        cls,
        rate: float = 70,
        backends: int = 5,
        spread: float = 0.0,
        cv: float = 1.0,
        strategy: str = "round robin",
        interval: float = 2.0,
        fall: int = 3,
        rise: int = 2,
        failure: str = "b0 crashes at 6 s, back at 14 s",
        layer: str = "L7",
        websockets: float = 0.0,
        http2: float = 0.0,
    ) -> BalancerScenario:
        """The lesson's lab system from a few knobs (the defaults are the lab's starting values).

        `backends` with speeds from `1 - spread` to `1 + spread` (weights equal to the speeds
        under weighted round robin, as an operator who knows them would set); requests costing
        50 ms on average at speed 1, spread by `cv` (log-normal); a share `websockets` of them
        are messages on WebSockets and a share `http2` are streams on long-lived HTTP/2
        connections, the rest one request per connection; health checks every `interval`
        seconds (0: none) with a 0.5 s timeout; `failure` one of `FAILURE_PRESETS`; `layer`
        "L7" or "L4".

        >>> BalancerScenario.example(backends=2, interval=0, failure="none")
        BalancerScenario(backends=2, strategy=RoundRobin(), workload=Workload(...))
        >>> BalancerScenario.example(failure="b1 explodes")
        Traceback (most recent call last):
        ...
        ValueError: failure must be one of 'none', 'b0 crashes at 6 s', 'b0 crashes at 6 s, back at 14 s', ...
        """
        validate.rate("rate", rate, why="requests per second")
        validate.number("cv", cv, minimum=0.0, maximum=10.0, why="0 means every request costs the mean")
        validate.duration("interval", interval, maximum=3600.0, why="seconds between health checks (0: none)")
        validate.whole("fall", fall, minimum=1, maximum=1000, why="failed checks in a row that mark a backend down")
        validate.whole("rise", rise, minimum=1, maximum=1000, why="passed checks in a row that mark it up again")
        failures = validate.choice("failure", failure, FAILURE_PRESETS)
        validate.probability("websockets", websockets, why="the share of requests on long-lived WebSockets")
        validate.probability("http2", http2, why="the share of requests on long-lived HTTP/2 connections")
        if websockets + http2 > 1:
            raise ValueError(
                f"websockets + http2 must be at most 1 (got {websockets!r} + {http2!r}): "
                "they are shares of all requests"
            )
        chosen = make_strategy(strategy)
        pool = backend_pool(backends, spread, weighted=isinstance(chosen, WeightedRoundRobin))
        workload = Workload(
            rate=rate, service=LogNormal(mean=EXAMPLE_COST, cv=cv), websocket_share=websockets, http2_share=http2
        )
        health = HealthCheck(interval=interval, fall=fall, rise=rise, timeout=min(0.5, interval)) if interval else None
        return cls(backends=pool, strategy=chosen, workload=workload, layer=layer, health=health, failures=failures)

    @property
    def names(self) -> list[str]:
        """The names of the backends at the start."""
        return [b.name for b in self.backends]  # type: ignore[union-attr]

    def backend_name(self, ref: str | int) -> str:
        """A backend's name from its name or its position in the pool."""
        names = self.names
        if isinstance(ref, str):
            return validate.choice("ref", ref, names)  # type: ignore[no-any-return]
        return names[validate.whole("ref", ref, maximum=len(names) - 1, why="a position in the pool, from 0")]

    def timer_events(self, until: float) -> float:
        """How many health probes and autoscaler ticks a run of `until` seconds needs at most."""
        until = validate.until(until)
        most = max(
            [len(self.names), *(s.to for s in self.scaling), self.autoscaler.max_backends if self.autoscaler else 0]
        )
        probes = most * until / self.health.interval if self.health else 0.0
        ticks = until / self.autoscaler.interval if self.autoscaler else 0.0
        return probes + ticks

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            default: Any = f.default_factory() if callable(f.default_factory) else f.default
            if f.name == "backends":
                plain = all(b == Backend(name=b.name) for b in value)
                parts.append(f"backends={len(value)}" if plain else f"backends={list(value)!r}")
            elif f.name == "strategy":
                parts.append(f"strategy={value!r}")
            elif value != (L7() if f.name == "layer" else default):
                parts.append(f"{f.name}={value!r}")
        return f"BalancerScenario({', '.join(parts)})"


def _named(value: object) -> tuple[Backend, ...]:
    """The backends as a tuple of named `Backend`s ("b0", "b1", ... where no name was given)."""
    if isinstance(value, int) and not isinstance(value, bool):
        specs: Sequence[object] = backend_pool(value)
    elif isinstance(value, Backend):
        specs = (value,)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        specs = value
        if not specs:
            backend_pool(0)  # raises the one clear message
    else:
        backend_pool(value)  # type: ignore[arg-type]  # raises: not a whole number
        specs = ()
    if len(specs) > MAX_BACKENDS:
        validate.whole("backends", len(specs), maximum=MAX_BACKENDS, why="the toy simulates and draws every backend")
    names: list[str] = []
    named: list[Backend] = []
    for i, item in enumerate(specs):
        spec = validate.instance("backends", item, Backend, example="backends=[Backend(speed=2.0), Backend()]")
        name = spec.name or f"b{i}"
        if name in names:
            raise ValueError(f"backends must have distinct names (got {name!r} twice): give each backend its own name")
        names.append(name)
        named.append(spec if spec.name else replace(spec, name=name))
    return tuple(named)


def _events(name: str, value: object, kinds: tuple[type, ...], example: str) -> tuple[Any, ...]:
    if isinstance(value, kinds):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        allowed = " or ".join(k.__name__ + "(...)" for k in kinds)
        raise ValueError(f"{name} must be a sequence of {allowed}, like {example} (got {value!r})")
    for event in value:
        validate.instance(name, event, kinds, example=example)
    return tuple(value)
