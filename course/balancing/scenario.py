"""The definition of a balancer experiment: backends, strategy, workload, layer, checks, failures, scaling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace

from .backend import Backend, backend_pool
from .health import HealthCheck, Outage, PassiveCheck, Slowdown
from .layers import L4, L7, TLS, as_layer
from .scaling import Autoscaler, Scale
from .strategies import Strategy, make_strategy
from .workload import Workload

__all__ = ["MAX_TIMER_EVENTS", "BalancerScenario"]

MAX_TIMER_EVENTS = 1_000_000  # probes and autoscaler ticks: bounded so no setting can hang a run


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
    - `failures`: `Outage(...)` and `Slowdown(...)` events; `retries`: how many other backends
      a request refused by a dead backend may try; `connect_timeout`: seconds before the
      balancer gives up on a dead backend (0: refused at once).
    - `scaling`: `Scale(at, to)` changes; `autoscaler`: an `Autoscaler`; `tls`: a `TLS` cost,
      paid by the backends at L4 and by the balancer at L7.

    Taught in lessons/02_load_balancer.ipynb.

    >>> BalancerScenario(backends=3, strategy="least connections")
    BalancerScenario(backends=3, strategy=LeastConnections())
    >>> BalancerScenario(backends=0)
    Traceback (most recent call last):
    ...
    ValueError: backends must be at least 1 (got 0): a load balancer needs somewhere to send traffic
    >>> BalancerScenario(failures=(Outage("b9", at=1.0),))
    Traceback (most recent call last):
    ...
    ValueError: Outage names backend 'b9', which is not in the pool; the backends are 'b0', 'b1', 'b2', 'b3', 'b4'
    """

    backends: int | Sequence[Backend] = 5
    strategy: str | Strategy = "round_robin"
    workload: Workload = field(default_factory=Workload)
    layer: L4 | L7 | str = "L7"
    health: HealthCheck | None = None
    passive: PassiveCheck | None = None
    failures: Sequence[Outage | Slowdown] = ()
    retries: int = 0
    connect_timeout: float = 0.0
    scaling: Sequence[Scale] = ()
    autoscaler: Autoscaler | None = None
    tls: TLS | None = None

    def __post_init__(self):
        specs = self.backends
        if isinstance(specs, int) and not isinstance(specs, bool):
            specs = backend_pool(specs)
        if isinstance(specs, Backend):
            specs = (specs,)
        if isinstance(specs, (str, bytes)) or not isinstance(specs, Sequence) or not specs:
            backend_pool(0 if isinstance(specs, Sequence) else specs)  # raises the one clear message
        if not all(isinstance(b, Backend) for b in specs):
            raise ValueError(f"backends must be a number or a sequence of Backend(...) (got {self.backends!r})")
        names, named = [], []
        for i, spec in enumerate(specs):
            name = spec.name or f"b{i}"
            if name in names:
                raise ValueError(f"two backends are named {name!r}: give each backend its own name")
            names.append(name)
            named.append(spec if spec.name else _renamed(spec, name))
        object.__setattr__(self, "backends", tuple(named))
        object.__setattr__(self, "strategy", make_strategy(self.strategy))
        if not isinstance(self.workload, Workload):
            raise ValueError(f"workload must be a Workload(...) (got {self.workload!r})")
        object.__setattr__(self, "layer", as_layer(self.layer))
        _expect("health", self.health, HealthCheck, "HealthCheck(interval=2, fall=3, rise=2)")
        _expect("passive", self.passive, PassiveCheck, "PassiveCheck(failures=3, ejection=10)")
        _expect("autoscaler", self.autoscaler, Autoscaler, "Autoscaler(target=0.6)")
        _expect("tls", self.tls, TLS, "TLS(handshake=0.002, per_request=0.0002)")
        object.__setattr__(self, "failures", _events("failures", self.failures, (Outage, Slowdown)))
        object.__setattr__(self, "scaling", _events("scaling", self.scaling, (Scale,)))
        for failure in self.failures:
            ref = failure.backend
            if (isinstance(ref, int) and ref >= len(names)) or (isinstance(ref, str) and ref not in names):
                raise ValueError(
                    f"{type(failure).__name__} names backend {ref!r}, which is not in the pool; "
                    f"the backends are {', '.join(map(repr, names))}"
                )
        if isinstance(self.layer, L7):
            for route in self.layer.routes:
                unknown = [b for b in route.backends if b not in names]
                if unknown:
                    raise ValueError(f"route {route!r} names unknown backends {unknown}; the backends are {names}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= 10:
            raise ValueError(
                f"retries must be a whole number from 0 to 10 (got {self.retries!r}): how many other backends to try"
            )
        ct = self.connect_timeout
        if isinstance(ct, bool) or not isinstance(ct, (int, float)) or not ct >= 0 or math.isinf(ct):
            raise ValueError(f"connect_timeout must be zero or more seconds (got {ct!r}): 0 means refused at once")

    @property
    def names(self) -> list[str]:
        """The names of the backends at the start."""
        return [b.name for b in self.backends]

    def backend_name(self, ref: str | int) -> str:
        """A backend's name from its name or its position."""
        return self.names[ref] if isinstance(ref, int) else ref

    def check_timers(self, until: float) -> None:
        """Refuse a run whose health probes or autoscaler ticks alone would need too many events."""
        most = max(
            [len(self.backends), *(s.to for s in self.scaling), self.autoscaler.max_backends if self.autoscaler else 0]
        )
        probes = most * until / self.health.interval if self.health else 0
        ticks = until / self.autoscaler.interval if self.autoscaler else 0
        if probes + ticks > MAX_TIMER_EVENTS:
            raise ValueError(
                f"health checks and autoscaler ticks for {until:g} s on up to {most} backends need "
                f"{probes + ticks:,.0f} events, more than the {MAX_TIMER_EVENTS:,} this toy runs: "
                "raise the interval or shorten the run"
            )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default_factory() if callable(f.default_factory) else f.default  # type: ignore[misc]
            if f.name == "backends":
                plain = all(b == Backend(name=b.name) for b in value)
                parts.append(f"backends={len(value)}" if plain else f"backends={list(value)!r}")
            elif f.name == "strategy":
                parts.append(f"strategy={value!r}")
            elif value != (L7() if f.name == "layer" else default):
                parts.append(f"{f.name}={value!r}")
        return f"BalancerScenario({', '.join(parts)})"


def _renamed(spec: Backend, name: str) -> Backend:
    return replace(spec, name=name)


def _expect(name: str, value: object, kind: type, example: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise ValueError(f"{name} must be None or {example} (got {value!r})")


def _events(name: str, value: object, kinds: tuple[type, ...]) -> tuple:
    if isinstance(value, kinds):
        value = (value,)
    ok = isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    if not ok or not all(isinstance(v, kinds) for v in value):
        allowed = " or ".join(k.__name__ + "(...)" for k in kinds)
        raise ValueError(f"{name} must be a sequence of {allowed} (got {value!r})")
    return tuple(value)
