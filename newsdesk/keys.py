"""API keys: who is calling, and the secret their webhooks are signed with.

Keys live in Redis so that every API process and every machine sees a new or
revoked key at once. Only a key's SHA-256 is stored: keys are long random
strings, so a fast hash is enough and the stored form cannot be used to call
the API. Each key also has a webhook signing secret (Standard Webhooks'
``whsec_`` form), which has to be stored as it is, since Newsdesk signs with it.

Keys may also come from ``NEWSDESK_API_KEYS`` (``name:key`` pairs) for simple
deployments. Their signing secret is derived from the key, so whoever holds
the key can compute it with ``derived_signing_secret``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis

PREFIX = "newsdesk:keys"
KEYS = f"{PREFIX}:by-name"  # name -> JSON record
HASHES = f"{PREFIX}:by-hash"  # sha256(key) -> name
ANONYMOUS_SECRET = f"{PREFIX}:anonymous-signing-secret"

# The owner of jobs made while authentication is disabled.
ANONYMOUS = "anonymous"
KEY_PREFIX = "nd_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_DERIVATION_LABEL = b"newsdesk webhook signing secret v1"


class KeyProblem(ValueError):
    """A key operation that cannot be done: a bad name, a name taken, an unknown name."""


@dataclass(frozen=True)
class IssuedKey:
    name: str
    key: str
    signing_secret: str


@dataclass(frozen=True)
class KeyInfo:
    name: str
    prefix: str
    created_at: str | None
    source: str  # "redis" or "environment"


def digest(key: str) -> str:
    """What a key is stored and looked up by (HASHES maps it to the key's name)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def derived_signing_secret(key: str) -> str:
    """The webhook signing secret of a key given in NEWSDESK_API_KEYS."""
    mac = hmac.new(key.encode(), _DERIVATION_LABEL, hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(mac).decode()


def check_name(name: str) -> str:
    if name == ANONYMOUS or not NAME_PATTERN.match(name):
        raise KeyProblem(
            f"key names are 1-64 letters, digits, '.', '_' or '-' (not {ANONYMOUS!r}): {name!r}"
        )
    return name


def parse_env_keys(raw: str) -> dict[str, str]:
    """``name:key,name2:key2`` -> {name: key}; a malformed entry is an error, not ignored."""
    keys: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, key = entry.partition(":")
        if not sep or len(key) < 16:
            raise KeyProblem(
                "NEWSDESK_API_KEYS takes name:key pairs separated by commas, "
                "keys of at least 16 characters"
            )
        if name in keys:
            raise KeyProblem(f"NEWSDESK_API_KEYS names {name!r} twice")
        keys[check_name(name)] = key
    return keys


class KeyStore:
    def __init__(self, redis: Redis, env_keys: dict[str, str] | None = None) -> None:
        self.redis = redis
        self.env_keys = dict(env_keys or {})
        self._env_by_digest = {digest(key): name for name, key in self.env_keys.items()}

    def create(self, name: str) -> IssuedKey:
        """A new key, shown once: only its hash is kept."""
        check_name(name)
        if name in self.env_keys:
            raise KeyProblem(f"{name!r} is already a key from NEWSDESK_API_KEYS")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        record = {
            "hash": digest(key),
            "prefix": key[:8],
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "signing_secret": _new_secret(),
        }
        if not self.redis.hsetnx(KEYS, name, json.dumps(record)):
            raise KeyProblem(f"a key named {name!r} exists; revoke it first")
        self.redis.hset(HASHES, record["hash"], name)
        return IssuedKey(name, key, record["signing_secret"])

    def revoke(self, name: str) -> None:
        raw = self.redis.hget(KEYS, name)
        if raw is None:
            if name in self.env_keys:
                raise KeyProblem(f"{name!r} comes from NEWSDESK_API_KEYS: remove it there")
            raise KeyProblem(f"no key named {name!r}")
        with self.redis.pipeline() as pipe:
            pipe.hdel(HASHES, json.loads(raw)["hash"])
            pipe.hdel(KEYS, name)
            pipe.execute()

    def list_keys(self) -> list[KeyInfo]:
        found = [KeyInfo(name, key[:8], None, "environment") for name, key in self.env_keys.items()]
        for name, raw in self.redis.hgetall(KEYS).items():
            record = json.loads(raw)
            found.append(KeyInfo(name.decode(), record["prefix"], record["created_at"], "redis"))
        return sorted(found, key=lambda info: info.name)

    def any(self) -> bool:
        return bool(self.env_keys) or self.redis.hlen(KEYS) > 0

    def from_environment(self, key: str) -> str | None:
        """The name of a key given in NEWSDESK_API_KEYS (checked in memory), or None."""
        return self._env_by_digest.get(digest(key))

    def authenticate(self, key: str) -> str | None:
        """The name of the key, or None when it is not a valid key."""
        name = self.from_environment(key)
        if name is not None:
            return name
        found = self.redis.hget(HASHES, digest(key))
        return found.decode() if found is not None else None

    def signing_secret(self, owner: str) -> str:
        """The secret webhooks of `owner`'s jobs are signed with."""
        if owner in self.env_keys:
            return derived_signing_secret(self.env_keys[owner])
        if owner == ANONYMOUS:
            self.redis.set(ANONYMOUS_SECRET, _new_secret(), nx=True)
            return self.redis.get(ANONYMOUS_SECRET).decode()
        raw = self.redis.hget(KEYS, owner)
        if raw is None:
            raise KeyProblem(f"no key named {owner!r}")
        return json.loads(raw)["signing_secret"]
