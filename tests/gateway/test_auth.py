import pytest

from course.gateway import Authenticator, Request

AUTH = Authenticator(
    keys={"key-alice": "alice", "key-carol": "carol", "key-dave": "dave"},
    allowed={"alice": {"users-service"}, "carol": "*"},
    public={"static-service"},
)


def req(key=None, bearer=None):
    headers = {"X-Api-Key": key} if key else {"Authorization": f"Bearer {bearer}"} if bearer else None
    return Request("GET", "/x", "someone", headers=headers)


def test_no_key_or_an_unknown_key_is_401():
    assert AUTH.authenticate(req(), "users-service") == (401, None, "no API key")
    assert AUTH.authenticate(req("key-mallory"), "users-service") == (401, None, "unknown API key")


def test_a_known_client_on_a_service_it_may_not_use_is_403():
    decision = AUTH.authenticate(req("key-alice"), "admin-service")
    assert (decision.status, decision.client, decision.allowed) == (403, "alice", False)
    assert repr(decision) == "AuthDecision(403: alice may not use admin-service)"


def test_allowed_requests_name_the_client():
    decision = AUTH.authenticate(req("key-alice"), "users-service")
    assert decision.allowed and bool(decision) and decision.client == "alice"
    assert AUTH.authenticate(req(bearer="key-carol"), "admin-service").allowed  # "*" means every service


def test_a_client_left_out_of_allowed_may_use_nothing():
    assert AUTH.authenticate(req("key-dave"), "users-service").status == 403


def test_without_allowed_every_known_client_may_use_everything():
    auth = Authenticator(keys={"k": "alice"})
    assert auth.authenticate(req("k"), "anything").allowed
    assert auth.authenticate(req(), "anything").status == 401


def test_public_services_need_no_key():
    assert AUTH.authenticate(req(), "static-service").allowed


def test_an_authenticator_prints_its_rules():
    assert repr(AUTH) == ("Authenticator(3 keys; alice: users-service; carol: *, public: static-service)")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(keys=["key-alice"]), "keys must be a Mapping .*each API key -> its client"),
        (dict(keys={"": "alice"}), "keys must map text keys to client names"),
        (
            dict(keys={"k": "alice"}, allowed={"bob": {"users-service"}}),
            "allowed names client 'bob', who has no API key",
        ),
        (dict(keys={"k": "alice"}, allowed={"alice": {""}}), r"allowed\['alice'\] must be service names"),
        (dict(keys={"k": "alice"}, allowed=["alice"]), "allowed must be a Mapping"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Authenticator(**kwargs)
