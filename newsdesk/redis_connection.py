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

from redis import BlockingConnectionPool, Redis
from redis.sentinel import Sentinel, SentinelConnectionPool

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


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """The master's connections through Sentinel, at most `max_connections` of them: a
    caller that finds them all busy waits up to `timeout` seconds for one, as with
    `BlockingConnectionPool` on a plain URL."""


def connect(
    url: str,
    *,
    max_connections: int | None = None,
    pool_timeout: float | None = None,
    **options: Any,
) -> Redis:
    """A Redis client for `url`; `options` are redis-py connection options (timeouts...).

    With `max_connections`, the client opens at most that many connections, whether it
    reaches Redis directly or through Sentinel; a command that finds them all in use waits
    up to `pool_timeout` seconds for one (then ConnectionError).
    """
    bounded: dict[str, Any] = {}
    if max_connections is not None:
        bounded = {"max_connections": max_connections, "timeout": pool_timeout}
    if not url.startswith(SENTINEL_SCHEME):
        if not bounded:
            return Redis.from_url(url, **options)
        return Redis(connection_pool=BlockingConnectionPool.from_url(url, **bounded, **options))
    address = parse_sentinel_url(url)
    timeouts = {
        key: options[key] for key in ("socket_timeout", "socket_connect_timeout") if key in options
    }
    sentinel = Sentinel(address.sentinels, sentinel_kwargs=timeouts)
    if bounded:
        options = {**options, **bounded, "connection_pool_class": BlockingSentinelConnectionPool}
    return sentinel.master_for(
        address.service,
        db=address.db,
        username=address.username,
        password=address.password,
        **options,
    )
