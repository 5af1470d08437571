"""Keys from the command line (`newsdesk keys`) and the start-up check of `api` and `serve`.

`newsdesk keys` works on the Redis the API uses: REDIS_URL's, or, when it is unset,
the private Redis of `newsdesk serve` in NEWSDESK_DATA_DIR. When serve is running, the
command talks to its Redis; when it is not, the command starts that Redis on the same
data folder for as long as it runs. A lock on the data folder keeps the two from ever
running two servers on one AOF.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from newsdesk.keys import KeyStore
from newsdesk.redis_connection import connect
from newsdesk.redis_processes import LeftoverRedisError, clear_leftover_redis, redis_servers_in
from newsdesk.redis_server import RedisServer, RedisServerError, data_dir_lock, read_url
from newsdesk.settings import Config

NO_KEYS = (
    "no API keys: create one with `newsdesk keys create NAME` (or set NEWSDESK_API_KEYS), "
    "or set NEWSDESK_AUTH=disabled to run without keys on purpose"
)


class KeyAdminError(RuntimeError):
    """One line for the person at the terminal."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def keys_configured(config: Config, redis: Redis) -> bool | None:
    """Whether any key exists (environment or Redis); None when Redis cannot be asked."""
    if config.env_keys:
        return True
    try:
        return KeyStore(redis).any()
    except RedisError:
        return None


@contextmanager
def private_redis(data_dir: Path, say: Callable[[str], None]) -> Iterator[str]:
    """The URL of serve's Redis on `data_dir`, or of one started there for the duration.

    `say` tells the person at the terminal when a Redis left behind there is stopped.
    """
    with data_dir_lock(data_dir):
        if redis_servers_in(data_dir):
            url = read_url(data_dir)
            if url:
                yield url
                return
            try:  # a Redis left by a killed run, address unknown: stop it, start ours
                clear_leftover_redis(data_dir, say)
            except LeftoverRedisError as exc:
                raise KeyAdminError(str(exc)) from None
        server = RedisServer(data_dir)
        try:
            server.start()
        except RedisServerError as exc:
            server.close()
            raise KeyAdminError(f"cannot start Redis on {data_dir}: {exc}") from None
        try:
            yield server.url
        finally:
            server.close()


@contextmanager
def key_store(config: Config, *, private: bool, say: Callable[[str], None]) -> Iterator[KeyStore]:
    """The key store on REDIS_URL's Redis, or (`private`) on serve's private Redis."""
    if private:
        with private_redis(Path(config.data_dir).resolve(), say) as url:
            redis = connect(url, socket_timeout=config.redis_timeout)
            yield KeyStore(redis, config.env_keys)
            redis.close()
        return
    redis = connect(
        config.redis_url,
        socket_timeout=config.redis_timeout,
        socket_connect_timeout=config.redis_timeout,
    )
    try:
        redis.ping()
    except RedisError as exc:
        raise KeyAdminError(f"cannot reach Redis ({type(exc).__name__}); check REDIS_URL") from None
    yield KeyStore(redis, config.env_keys)
    redis.close()
