"""The key store against a real Redis: only hashes kept, revocation at once, secrets stable."""

from __future__ import annotations

import hashlib

import pytest
from redis import Redis

from newsdesk.keys import (
    ANONYMOUS,
    KEYS,
    KeyProblem,
    KeyStore,
    derived_signing_secret,
    parse_env_keys,
)


@pytest.fixture
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


def test_a_created_key_authenticates_and_only_its_hash_is_stored(redis: Redis) -> None:
    issued = KeyStore(redis).create("cms")
    assert issued.key.startswith("nd_") and len(issued.key) > 40
    assert KeyStore(redis).authenticate(issued.key) == "cms"
    assert KeyStore(redis).authenticate(issued.key + "x") is None
    stored = b"".join(redis.hvals(KEYS))
    assert issued.key.encode() not in stored
    assert hashlib.sha256(issued.key.encode()).hexdigest().encode() in stored


def test_revoked_key_stops_working_and_its_name_can_be_reused(redis: Redis) -> None:
    store = KeyStore(redis)
    first = store.create("wire")
    with pytest.raises(KeyProblem, match="exists"):
        store.create("wire")
    store.revoke("wire")
    assert store.authenticate(first.key) is None
    second = store.create("wire")
    assert second.key != first.key and store.authenticate(second.key) == "wire"
    with pytest.raises(KeyProblem, match="no key"):
        store.revoke("nobody")


def test_list_shows_names_and_prefixes_never_keys(redis: Redis) -> None:
    store = KeyStore(redis, parse_env_keys("archive:0123456789abcdefXYZ"))
    issued = store.create("cms")
    listed = {info.name: info for info in store.list_keys()}
    assert listed["cms"].prefix == issued.key[:8] and listed["cms"].source == "redis"
    assert listed["archive"].source == "environment" and listed["archive"].prefix == "01234567"
    assert store.any()


def test_no_keys_anywhere_means_none_configured(redis: Redis) -> None:
    store = KeyStore(redis)
    assert not store.any()
    store.create("cms")
    assert store.any()


def test_environment_keys_authenticate_with_a_derived_signing_secret(redis: Redis) -> None:
    store = KeyStore(redis, parse_env_keys("a:aaaaaaaaaaaaaaaa1, b:bbbbbbbbbbbbbbbb2"))
    assert store.authenticate("aaaaaaaaaaaaaaaa1") == "a"
    assert store.authenticate("bbbbbbbbbbbbbbbb2") == "b"
    assert store.signing_secret("a") == derived_signing_secret("aaaaaaaaaaaaaaaa1")
    assert store.signing_secret("a") != store.signing_secret("b")
    with pytest.raises(KeyProblem, match="NEWSDESK_API_KEYS"):
        store.revoke("a")


@pytest.mark.parametrize(
    "raw",
    ["nocolon", "a:short", "a:aaaaaaaaaaaaaaaa,a:bbbbbbbbbbbbbbbb", "bad name:aaaaaaaaaaaaaaaa"],
)
def test_malformed_environment_keys_are_refused(raw: str) -> None:
    with pytest.raises(KeyProblem):
        parse_env_keys(raw)


def test_signing_secrets_are_stable_per_owner(redis: Redis) -> None:
    store = KeyStore(redis)
    issued = store.create("cms")
    assert issued.signing_secret.startswith("whsec_")
    assert store.signing_secret("cms") == issued.signing_secret
    anonymous = store.signing_secret(ANONYMOUS)
    assert anonymous.startswith("whsec_") and anonymous == KeyStore(redis).signing_secret(ANONYMOUS)
    with pytest.raises(KeyProblem):
        store.create(ANONYMOUS)
