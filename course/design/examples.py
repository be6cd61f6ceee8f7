"""The lesson's five systems as designs, each built from the same few knobs.

Every example sends the same shape of traffic: a base `rate` of requests per second that swells to
`spike` times as much around t = 12 s (the 9:00 rush), over 24 s runs. The knobs mean the same in
every system (`instances` of its main tier, `partitions` of its main stream, `queue_capacity` of its
main queue, a `failure` preset, and switches that remove a part to see what breaks); a knob that
does not apply is noted in the design's `notes`, and the summary repeats the note.

Taught in lessons/06_putting_it_together.ipynb.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..balancing import HealthCheck
from ..gateway import Authenticator, Cache, Client, Endpoint, Route, TokenBucket
from ..gateway.admission import LoadShedder
from ..messaging import RetryPolicy
from ..messaging.dependency import CircuitBreaker
from ..sim import Exponential, RushHour, Uniform, validate
from .parts import EventStream, Failure, Link, Tier, WorkQueue

__all__ = ["DESIGNS", "FAILURES", "RUSH_AT", "build_example"]

DESIGNS = ("rides", "images", "dashboard", "payments", "chat")
FAILURES = ("none", "an instance dies", "a dependency slows", "workers fail", "a consumer crashes", "the broker fails")
RUSH_AT, RUSH_WIDTH = 12.0, 2.5  # the 9:00 rush: its middle and its width (one standard deviation), in seconds
FAILURE_AT, FAILURE_UNTIL = 8.0, 16.0

# what each failure preset breaks in each system: (kind, target, until) or None when it has no such part
_FAILURES: dict[str, dict[str, tuple[str, str, float] | None]] = {
    "rides": {
        "an instance dies": ("instance_dies", "booking", FAILURE_UNTIL),
        "a dependency slows": ("slow", "pricing", FAILURE_UNTIL),
        "workers fail": ("workers_fail", "matching", 14.0),
    },
    "images": {
        "an instance dies": ("instance_dies", "upload", FAILURE_UNTIL),
        "a dependency slows": ("slow", "storage", FAILURE_UNTIL),
        "workers fail": ("workers_fail", "thumbnails", 14.0),
    },
    "dashboard": {
        "an instance dies": ("instance_dies", "rides-api", FAILURE_UNTIL),
        "a consumer crashes": ("consumer_crashes", "ride-events", FAILURE_UNTIL),
        "the broker fails": ("broker_fails", "ride-events", 11.0),
    },
    "payments": {
        "an instance dies": ("instance_dies", "payments", FAILURE_UNTIL),
        "a dependency slows": ("slow", "wallets", FAILURE_UNTIL),
        "a consumer crashes": ("consumer_crashes", "ledger", FAILURE_UNTIL),
        "the broker fails": ("broker_fails", "ledger", 11.0),
    },
    "chat": {
        "an instance dies": ("instance_dies", "chat", FAILURE_UNTIL),
        "a consumer crashes": ("consumer_crashes", "messages", FAILURE_UNTIL),
        "the broker fails": ("broker_fails", "messages", 11.0),
    },
}
_CHECKS = HealthCheck(interval=1.0, fall=2, rise=2, timeout=0.5)
_GUARDED: dict[str, Any] = {"timeout": 0.3, "breaker": CircuitBreaker(failures=5, cooldown=2.0)}


def _clients(rate: float, spike: float, shares: dict[str, float]) -> tuple[Client, ...]:
    """Clients sharing `rate` requests/s (swelling to `spike` times that at the rush), each with an API key."""
    return tuple(
        Client(
            name,
            RushHour(base=rate * share, peak=rate * spike * share, at=RUSH_AT, width=RUSH_WIDTH),
            key=f"key-{name}",
        )
        for name, share in shares.items()
    )


def _auth(clients: tuple[Client, ...]) -> Authenticator:
    return Authenticator(keys={c.key: c.name for c in clients if c.key}, allowed=None)


def _rides(k: dict[str, Any]) -> dict[str, Any]:
    clients = _clients(k["rate"], k["spike"], {"ios": 0.5, "android": 0.35, "web": 0.15})
    guards: dict[str, Any] = _GUARDED | {"fallback": True} if k["guards"] else {}
    pricing_link = Link("booking", "pricing", **guards)
    tiers = [
        Tier("booking", instances=k["instances"], workers=1, service_time=Exponential(rate=10)),
        Tier("pricing", instances=2, workers=4, service_time=Exponential(rate=20)),
        Tier("trips", instances=2, workers=4, service_time=Exponential(rate=50)),
    ]
    matching = WorkQueue(
        "matching",
        workers=k["workers"] or 8,
        processing=Uniform(0.2, 0.8),
        capacity=k["queue_capacity"],
        when_full="reject",
    )
    if k["queue"]:
        queues, match_link = [matching], Link("booking", "matching", mode="async")
    else:  # no queue: booking waits while a matcher finds a driver
        queues = []
        tiers.append(
            Tier("matching", instances=1, workers=k["workers"] or 8, service_time=Uniform(0.2, 0.8), health=None)
        )
        match_link = Link("booking", "matching")
    return {
        "clients": clients,
        "mix": (
            Endpoint("GET", "/rides/{id}", weight=55, ids=200),
            Endpoint("GET", "/quotes", weight=25),
            Endpoint("POST", "/rides", weight=20),
        ),
        "routes": (
            Route("/rides/{id}", "trips"),
            Route("/quotes", "pricing"),
            Route("/rides", "booking", methods=("POST",)),
        ),
        "tiers": tuple(tiers),
        "queues": tuple(queues),
        "links": (pricing_link, match_link),
        "cache": Cache(capacity=1000, ttl=2.0),
        "limiter": TokenBucket(capacity=60, rate=120),
    }


def _images(k: dict[str, Any]) -> dict[str, Any]:
    clients = _clients(k["rate"], k["spike"], {"web": 0.6, "mobile": 0.4})
    tiers = [
        Tier("upload", instances=k["instances"], workers=2, service_time=Exponential(rate=10)),
        Tier("images", instances=2, workers=4, service_time=Exponential(rate=100)),
        Tier("storage", instances=2, workers=4, service_time=Exponential(rate=50), stores=True),
    ]
    thumbs = WorkQueue(
        "thumbnails",
        workers=k["workers"] or 12,
        processing=Uniform(0.3, 0.9),
        capacity=k["queue_capacity"],
        when_full="reject",
    )
    links = [Link("upload", "storage"), Link("images", "storage")]
    if k["queue"]:
        queues = [thumbs]
        links.append(Link("upload", "thumbnails", mode="async"))
    else:
        queues = []
        tiers.append(
            Tier("thumbnails", instances=1, workers=k["workers"] or 12, service_time=Uniform(0.3, 0.9), health=None)
        )
        links.append(Link("upload", "thumbnails"))
    return {
        "clients": clients,
        "mix": (Endpoint("POST", "/images", weight=20), Endpoint("GET", "/images/{id}", weight=80, ids=500)),
        "routes": (Route("/images", "upload", methods=("POST",)), Route("/images/{id}", "images")),
        "tiers": tuple(tiers),
        "queues": tuple(queues),
        "links": tuple(links),
        "cache": Cache(capacity=1000, ttl=5.0),
        "limiter": TokenBucket(capacity=60, rate=120),
    }


def _dashboard(k: dict[str, Any]) -> dict[str, Any]:
    clients = _clients(k["rate"], k["spike"], {"drivers": 0.8, "ops": 0.2})
    tiers = [
        Tier("rides-api", instances=k["instances"], workers=4, service_time=Exponential(rate=100)),
        Tier("dashboard-api", instances=2, workers=4, service_time=Exponential(rate=200)),
    ]
    streams: tuple[EventStream, ...] = ()
    if k["stream"]:
        streams = (
            EventStream(
                "ride-events",
                partitions=k["partitions"],
                groups={"dashboard": 3, "billing": 3},
                processing=Exponential(rate=40),
            ),
        )
        links: tuple[Link, ...] = (Link("rides-api", "ride-events", mode="async"),)
    else:  # polling a database: every dashboard view runs an aggregate query over the rides table
        tiers.append(Tier("rides-db", instances=1, workers=8, service_time=Exponential(rate=100), stores=True))
        links = (Link("rides-api", "rides-db"), Link("dashboard-api", "rides-db", cost=40))
    return {
        "clients": clients,
        "mix": (
            Endpoint("POST", "/rides/{id}/events", weight=80, ids=5000),
            Endpoint("GET", "/dashboard", weight=20),
        ),
        "routes": (
            Route("/rides/{id}/events", "rides-api", methods=("POST",)),
            Route("/dashboard", "dashboard-api"),
        ),
        "tiers": tuple(tiers),
        "streams": streams,
        "links": links,
        "limiter": TokenBucket(capacity=100, rate=200),
    }


def _payments(k: dict[str, Any]) -> dict[str, Any]:
    clients = _clients(k["rate"], k["spike"], {"shop": 0.7, "bank": 0.3})
    guards: dict[str, Any] = _GUARDED | {"retries": 1, "retry_budget": 0.1} if k["guards"] else {}
    tiers = [
        Tier("payments", instances=k["instances"], workers=4, service_time=Exponential(rate=50)),
        Tier("wallets", instances=2, workers=4, service_time=Exponential(rate=100), stores=True),
        Tier("balances-api", instances=2, workers=4, service_time=Exponential(rate=200)),
    ]
    streams = (
        EventStream(
            "ledger",
            partitions=k["partitions"],
            groups={"balances": 2, "statements": 2},
            processing=Exponential(rate=100),
        ),
    )
    return {
        "clients": clients,
        "mix": (Endpoint("POST", "/payments", weight=40), Endpoint("GET", "/wallets/{id}", weight=60, ids=1000)),
        "routes": (Route("/payments", "payments", methods=("POST",)), Route("/wallets/{id}", "balances-api")),
        "tiers": tuple(tiers),
        "streams": streams if k["stream"] else (),
        "links": (Link("payments", "wallets", **guards), *((Link("payments", "ledger", mode="async"),) * k["stream"])),
        "limiter": TokenBucket(capacity=60, rate=120),
    }


def _chat(k: dict[str, Any]) -> dict[str, Any]:
    clients = _clients(k["rate"], k["spike"], {"users": 1.0})
    tiers = (
        Tier(
            "chat",
            instances=k["instances"],
            workers=2,
            service_time=Exponential(rate=200),
            strategy="round_robin",
            pin=True,
        ),
    )
    streams = (
        EventStream(
            "messages",
            partitions=k["partitions"],
            groups={"delivery": 4, "history": 2},
            processing=Exponential(rate=200),
        ),
    )
    return {
        "clients": clients,
        "mix": (Endpoint("POST", "/ws/{id}", weight=1, ids=500),),
        "routes": (Route("/ws/{id}", "chat", methods=("POST",)),),
        "tiers": tiers,
        "streams": streams if k["stream"] else (),
        "links": (Link("chat", "messages", mode="async"),) if k["stream"] else (),
    }


_BUILDERS = {"rides": _rides, "images": _images, "dashboard": _dashboard, "payments": _payments, "chat": _chat}
# which knobs each system reads (the others are noted as changing nothing)
_USES = {
    "rides": {"queue_capacity", "workers", "queue", "guards"},
    "images": {"queue_capacity", "workers", "queue"},
    "dashboard": {"partitions", "stream"},
    "payments": {"partitions", "stream", "guards"},
    "chat": {"partitions", "stream"},
}
_SAYS = {
    "queue_capacity": "has no queue",
    "workers": "has no queue",
    "queue": "has no queue to remove",
    "partitions": "has no stream",
    "stream": "has no stream to remove",
    "guards": "has no guarded dependency call",
}


def build_example(
    cls: Any,
    name: str,
    *,
    rate: float,
    spike: float,
    instances: int,
    partitions: int,
    queue_capacity: int,
    workers: int | None,
    failure: str,
    gateway: bool,
    queue: bool,
    stream: bool,
    guards: bool,
    shedding: bool,
    client_retries: int,
    backoff: bool,
    **changes: Any,
) -> Any:
    """`Design.example(name, **knobs)`: see that method (it holds the defaults); this checks the knobs and builds."""
    validate.choice("name", name, DESIGNS)
    knobs: dict[str, Any] = {
        "rate": validate.rate("rate", rate, maximum=100_000, why="base requests per second, all clients together"),
        "spike": validate.number("spike", spike, minimum=1, maximum=100, why="the rush peaks at spike x rate"),
        "instances": validate.whole(
            "instances", instances, minimum=1, maximum=100, why="instances of the main tier behind its balancer"
        ),
        "partitions": validate.whole("partitions", partitions, minimum=1, maximum=256, why="of the main stream"),
        "queue_capacity": validate.whole(
            "queue_capacity", queue_capacity, minimum=1, maximum=1_000_000, why="messages the main queue holds"
        ),
        "failure": validate.choice("failure", failure, FAILURES),
        "workers": None
        if workers is None
        else validate.whole("workers", workers, minimum=1, maximum=10_000, why="workers of the main queue"),
    }
    for flag, value in (("gateway", gateway), ("queue", queue), ("stream", stream), ("guards", guards)):
        knobs[flag] = validate.instance(flag, value, bool, example=f"{flag}=False")
    validate.instance("shedding", shedding, bool, example="shedding=True lets the gateway shed load")
    retries = validate.whole("client_retries", client_retries, maximum=10, why="times a client retries a 5xx")
    validate.instance("backoff", backoff, bool, example="backoff=True: exponential backoff with full jitter")
    unknown = sorted(set(changes) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} is neither a knob of Design.example nor a field of Design: use rate, spike, "
            "instances, partitions, queue_capacity, workers, failure, gateway, queue, stream, guards, shedding, "
            f"client_retries, backoff or {', '.join(f.name for f in fields(cls))}"
        )
    parts = _BUILDERS[name](knobs)
    defaults = {
        "partitions": 6,
        "queue_capacity": 300,
        "workers": None,
        "queue": True,
        "stream": True,
        "guards": False,
    }
    notes = [
        f"{knob}: {name} {_SAYS[knob]}, so {knob} changes nothing"
        for knob, default in defaults.items()
        if knobs[knob] != default and knob not in _USES[name]
    ]
    if not knobs["queue"] and "queue" in _USES[name]:
        notes.append(f"queue_capacity: without its queue, {name} has no queue to fill")
    if not knobs["stream"] and "partitions" in _USES[name]:
        notes.append(f"partitions: without its stream, {name} has no partitions")
    preset = None if failure == "none" else _FAILURES[name].get(failure)
    failures: tuple[Failure, ...] = ()
    if failure != "none" and preset is None:
        notes.append(f"failure: {name} has no part for {failure!r}, so nothing fails")
    elif preset is not None:
        kind, target, until = preset
        if target in {t.name for t in parts["tiers"]} | {q.name for q in parts.get("queues", ())} | {
            s.name for s in parts.get("streams", ())
        } and (kind != "workers_fail" or knobs["queue"]):
            failures = (Failure(kind, target, at=FAILURE_AT, until=until),)
        else:
            notes.append(f"failure: this {name} has no {target} for {failure!r}, so nothing fails")
    auth = _auth(parts["clients"])
    entry: dict[str, Any] = {"gateway": knobs["gateway"], "auth": auth}
    if shedding:
        tiers = parts["tiers"]
        entry["admission"] = LoadShedder({t.name: t.instances * t.workers * 2 for t in tiers})
    if not knobs["gateway"]:
        entry |= {"auth": None, "limiter": None, "cache": None, "admission": None}
        parts = {k: v for k, v in parts.items() if k not in ("limiter", "cache")}
        if shedding:
            notes.append("shedding: without a gateway nothing sheds load")
    client_retry = None
    if retries:
        client_retry = (
            RetryPolicy(backoff="exponential", base=0.2, cap=5.0, jitter="full", max_attempts=retries + 1)
            if backoff
            else RetryPolicy(backoff="none", max_attempts=retries + 1)
        )
    elif backoff:
        notes.append("backoff: clients do not retry (client_retries=0), so backoff changes nothing")
    built = {
        "name": name,
        "anonymous_share": 0.02,
        **parts,
        **entry,
        "failures": failures,
        "client_retry": client_retry,
        "notes": tuple(notes),
        **changes,
    }
    return cls(**built)
