"""Every process reaches Redis the same way: a plain URL, or Redis Sentinel for failover.

REDIS_URL takes redis-py's own forms (redis://, rediss://, unix://) or
``redis+sentinel://[[user]:password@]host:port[,host:port...]/service[/db]``: the
sentinels are asked where the master of `service` is, and asked again when it
moves, so the API and the workers follow a failover without a restart. The
password is the Redis servers' (sentinels are reached without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from redis import Redis
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel://"


@dataclass(frozen=True)
class SentinelAddress:
    sentinels: list[tuple[str, int]]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def parse_sentinel_url(url: str) -> SentinelAddress:
    rest = url[len(SENTINEL_SCHEME) :]
    hosts, _, path = rest.partition("/")
    username = password = None
    if "@" in hosts:
        auth, _, hosts = hosts.rpartition("@")
        user, colon, secret = auth.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    sentinels = []
    for host in filter(None, hosts.split(",")):
        name, _, port = host.rpartition(":") if ":" in host else (host, "", "26379")
        sentinels.append((name.strip("[]"), int(port)))
    service, _, db = path.strip("/").partition("/")
    if not sentinels or not service:
        raise ValueError(
            f"a Sentinel URL needs hosts and a service name: {SENTINEL_SCHEME}host:26379/mymaster"
        )
    return SentinelAddress(sentinels, service, int(db or 0), username, password)


def connect(url: str, **options: Any) -> Redis:
    """A Redis client for `url`; `options` are redis-py connection options (timeouts...)."""
    if not url.startswith(SENTINEL_SCHEME):
        return Redis.from_url(url, **options)
    address = parse_sentinel_url(url)
    timeouts = {
        key: options[key] for key in ("socket_timeout", "socket_connect_timeout") if key in options
    }
    sentinel = Sentinel(address.sentinels, sentinel_kwargs=timeouts)
    return sentinel.master_for(
        address.service,
        db=address.db,
        username=address.username,
        password=address.password,
        **options,
    )
