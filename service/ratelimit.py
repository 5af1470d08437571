"""Rate limits per API key (per client address when auth is disabled), counted in Redis.

Fixed windows, counted in the same Redis as the queue through the app's own client, so a
Sentinel failover moves the counters with everything else. Counting costs a /v1 request no
round trip of its own: a Lua script looks the caller's key up (for service.auth), then
increments the counter of every limit, starts a window on its first request, and returns
each count with the time left in its window, which is all the answer's headers need.
Keys from the environment and callers counted by
address take one round trip, the counting alone. The `limits` library parses the setting.

The answers follow the IETF httpapi draft "RateLimit header fields for HTTP"
(draft-ietf-httpapi-ratelimit-headers-10): every counted /v1 answer carries
`RateLimit-Policy` (each limit: quota `q`, window `w` in seconds) and `RateLimit`
(remaining `r`, seconds to reset `t`); a 429 adds `Retry-After`. Requests that match no
route (404, 405) are not counted.

When Redis is down, counting fails with Redis's own error, which answers 503 like every
other Redis outage (service.problems): the limiter adds no error of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from redis import Redis

from newsdesk.keys import HASHES, KeyStore, digest
from newsdesk.settings import Config, rate_limits
from service.problems import Problem

KEY_PREFIX = "newsdesk:ratelimit"
PROTECTED_PREFIX = "/v1/"

# Counts one request against the counters in `counters`, each with its window in seconds
# in `windows`, appending to `answer` each counter's new count and the milliseconds left
# in its window. A counter found without an expiry (new, or one whose EXPIRE was lost)
# starts its window.
_COUNT = """
for i, key in ipairs(counters) do
  local count = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('EXPIRE', key, windows[i])
    left = tonumber(windows[i]) * 1000
  end
  table.insert(answer, count)
  table.insert(answer, left)
end
return answer
"""
# KEYS: the counters; ARGV: their windows.
_COUNT_SCRIPT = "local counters, windows, answer = KEYS, ARGV, {}" + _COUNT
# A key's name looked up by its digest and its request counted, in one round trip (the
# counters are named after the key's name, so they are not declared in KEYS: fine for a
# single Redis or Sentinel, which is what Newsdesk runs on, not for Redis Cluster).
# KEYS[1]: newsdesk.keys.HASHES; ARGV[1]: the key's digest; ARGV[2]: the counters' prefix;
# ARGV[3...]: each limit's counter suffix, then each one's window. Nil for an unknown key.
_KEY_AND_COUNT_SCRIPT = (
    """
local name = redis.call('HGET', KEYS[1], ARGV[1])
if not name then return false end
local limits = (#ARGV - 2) / 2
local counters, windows, answer = {}, {}, {name}
for i = 1, limits do
  counters[i] = ARGV[2] .. name .. ARGV[2 + i]
  windows[i] = ARGV[2 + limits + i]
end
"""
    + _COUNT
)


def policy_name(item: RateLimitItem) -> str:
    per = (
        f"{item.multiples}{item.GRANULARITY.name}" if item.multiples > 1 else item.GRANULARITY.name
    )
    return f"{item.amount}/{per}"


@dataclass(frozen=True)
class Window:
    """Where one limit stands for this request's caller."""

    item: RateLimitItem
    count: int
    reset: int  # whole seconds until the window starts again

    @property
    def breached(self) -> bool:
        return self.count > self.item.amount


def headers(windows: list[Window]) -> dict[str, str]:
    """The draft's headers for the limits a request counted against."""
    policies = []
    states = []
    retry_after = 0
    for window in windows:
        item = window.item
        name = policy_name(item)
        policies.append(f'"{name}";q={item.amount};w={item.get_expiry()}')
        states.append(f'"{name}";r={max(0, item.amount - window.count)};t={window.reset}')
        if window.breached:
            retry_after = max(retry_after, window.reset, 1)
    found = {"RateLimit-Policy": ", ".join(policies), "RateLimit": ", ".join(states)}
    if retry_after:
        found["Retry-After"] = str(retry_after)
    return found


class RateLimiter:
    """Counts each /v1 request against every configured limit, in one round trip."""

    def __init__(self, redis: Redis, items: list[RateLimitItem], per_address: bool) -> None:
        self.items = items
        self.per_address = per_address
        self.count = redis.register_script(_COUNT_SCRIPT)
        self.key_and_count = redis.register_script(_KEY_AND_COUNT_SCRIPT)
        self.expiries = [item.get_expiry() for item in items]
        self.suffixes = [":" + policy_name(item) for item in items]

    def counted(self) -> bool:
        """Whether this request counts: a /v1 route (not a 404 or 405)."""
        return request.url_rule is not None and request.path.startswith(PROTECTED_PREFIX)

    def caller(self) -> str:
        """Who is counted: the key's name, or the client address when there are no keys."""
        owner = g.get("owner")
        if owner and not self.per_address:
            return f"key:{owner}"
        return f"addr:{request.remote_addr or '127.0.0.1'}"

    def hit(self, caller: str) -> list[Window]:
        prefix = f"{KEY_PREFIX}:{caller}"
        found = self.count(keys=[prefix + suffix for suffix in self.suffixes], args=self.expiries)
        return self._windows(found)

    def authenticate_and_hit(self, keys: KeyStore, key: str) -> str | None:
        """The name of a key kept in Redis, its request counted in the same round trip
        (service.auth asks this for keys not given in the environment); None when the key
        is not valid, and then nothing is counted."""
        args = [digest(key), f"{KEY_PREFIX}:key:", *self.suffixes, *self.expiries]
        found = self.key_and_count(keys=[HASHES], args=args, client=keys.redis)
        if found is None:
            return None
        g.rate_limit_windows = self._windows(found[1:])
        return found[0].decode()

    def _windows(self, found: list[int]) -> list[Window]:
        return [
            Window(item, int(found[2 * i]), max(1, math.ceil(int(found[2 * i + 1]) / 1000)))
            for i, item in enumerate(self.items)
        ]

    def check(self) -> None:
        """Before each request (after service.auth): count it, refuse it past a limit."""
        if not self.counted():
            return
        windows = g.get("rate_limit_windows")
        if windows is None:  # not counted along with the key's lookup
            windows = g.rate_limit_windows = self.hit(self.caller())
        breached = [window.item for window in windows if window.breached]
        if breached:
            raise Problem(
                429,
                "rate-limited",
                "Too many requests",
                f"This key may make {breached[0]} requests; try again after `Retry-After` seconds.",
            )


def _add_headers(response: Response) -> Response:
    windows = g.get("rate_limit_windows")
    if windows:
        response.headers.update(headers(windows))
    return response


def install(app: Flask, config: Config, redis: Redis) -> RateLimiter | None:
    """Register after service.auth: the limit is counted per key."""
    raw = rate_limits(config.rate_limit)
    if raw is None:
        return None
    limiter = RateLimiter(redis, parse_many(raw), per_address=config.auth == "disabled")
    app.before_request(limiter.check)
    app.after_request(_add_headers)
    app.extensions["newsdesk.limiter"] = limiter
    return limiter
