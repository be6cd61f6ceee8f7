"""Authentication (who is calling?) and authorization (may they use this service?).

A client proves who it is with an API key, sent as the header `X-Api-Key: <key>` or as
`Authorization: Bearer <key>`. No key, or a key the gateway does not know, is a 401
(Unauthorized: "we don't know who you are"); a known client asking for a service it may not use
is a 403 (Forbidden: "we know you, and the answer is no").

Taught in lessons/01_api_gateway.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..sim.validate import instance
from .messages import Request, _text

__all__ = ["AuthDecision", "Authenticator"]


class AuthDecision(NamedTuple):
    """The verdict on one request: `status` 200 (allowed), 401 or 403, the `client` the key
    belongs to (None when unknown), and a `reason` a person can read."""

    status: int
    client: str | None
    reason: str

    @property
    def allowed(self) -> bool:
        """True when the request may go on to the service."""
        return self.status == 200

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        verdict = "allowed" if self.allowed else str(self.status)
        return f"AuthDecision({verdict}: {self.reason})"


def _names(name: str, value: Iterable[str] | str, example: str) -> frozenset[str]:
    """Service names given as one text or a collection of texts, as a frozen set."""
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple, set, frozenset)) or not all(isinstance(s, str) and s for s in names):
        raise ValueError(f"{name} must be service names (got {value!r}): for example {example}")
    return frozenset(names)


class Authenticator:
    """Map API keys to clients (`keys`) and clients to the services they may use (`allowed`).

    `allowed=None` lets every known client use every service; otherwise a client may use only
    the services listed for it (`"*"` means all), and a client left out may use none. Services
    in `public` need no key at all.

    Taught in lessons/01_api_gateway.ipynb.

    >>> auth = Authenticator(keys={"key-alice": "alice"}, allowed={"alice": {"users-service"}})
    >>> auth.authenticate(Request("GET", "/users/123", "alice", headers={"X-Api-Key": "key-alice"}), "users-service")
    AuthDecision(allowed: alice may use users-service)
    >>> auth.authenticate(Request("GET", "/users/123", "mallory"), "users-service")
    AuthDecision(401: no API key)
    >>> auth.authenticate(Request("GET", "/admin", "alice", headers={"X-Api-Key": "key-alice"}), "admin-service")
    AuthDecision(403: alice may not use admin-service)
    """

    def __init__(
        self,
        keys: Mapping[str, str],
        allowed: Mapping[str, Iterable[str] | str] | None = None,
        public: Iterable[str] = (),
    ):
        instance("keys", keys, Mapping, example="keys={'key-alice': 'alice'} (each API key -> its client)")
        for key, client in keys.items():
            if not isinstance(key, str) or not key or not isinstance(client, str) or not client:
                raise ValueError(
                    f"keys must map text keys to client names (got {key!r}: {client!r}): "
                    "for example keys={'key-alice': 'alice'}"
                )
        self.keys = dict(keys)
        clients = set(self.keys.values())
        self.allowed: dict[str, frozenset[str]] | None = None
        if allowed is not None:
            instance("allowed", allowed, Mapping, example="allowed={'alice': {'users-service'}}, or None for all")
            self.allowed = {}
            for client, services in allowed.items():
                if client not in clients:
                    raise ValueError(
                        f"allowed names client {client!r}, who has no API key: add one in keys= "
                        f"(known clients: {', '.join(sorted(map(str, clients))) or 'none'})"
                    )
                self.allowed[client] = _names(f"allowed[{client!r}]", services, "{'users-service'} or '*'")
        self.public = _names("public", public, "('status-service',)")

    def __repr__(self) -> str:
        if self.allowed is None:
            rules = "every client may use every service"
        else:
            rules = "; ".join(f"{c}: {', '.join(sorted(s))}" for c, s in sorted(self.allowed.items()))
        public = f", public: {', '.join(sorted(self.public))}" if self.public else ""
        return f"Authenticator({len(self.keys)} keys; {rules}{public})"

    def may_use(self, client: str, service: str) -> bool:
        """True when the (known) `client` may use `service`."""
        _text("client", client, "'alice'")
        _text("service", service, "'users-service'")
        return self._may_use(client, service)

    def _may_use(self, client: str, service: str) -> bool:
        if self.allowed is None:
            return True
        services = self.allowed.get(client, ())
        return service in services or "*" in services

    def authenticate(self, request: Request, service: str) -> AuthDecision:
        """401 without a known key, 403 when the client may not use `service`, else 200."""
        instance("request", request, Request, example="Request('GET', '/users/1', 'alice')")
        _text("service", service, "'users-service'")
        return self._decide(request, service)

    def _decide(self, request: Request, service: str) -> AuthDecision:
        """`authenticate` for values the gateway already checked (its fast path)."""
        if service in self.public:
            return AuthDecision(200, request.api_key and self.keys.get(request.api_key), f"{service} is public")
        key = request.api_key
        if key is None:
            return AuthDecision(401, None, "no API key")
        client = self.keys.get(key)
        if client is None:
            return AuthDecision(401, None, "unknown API key")
        if not self._may_use(client, service):
            return AuthDecision(403, client, f"{client} may not use {service}")
        return AuthDecision(200, client, f"{client} may use {service}")
