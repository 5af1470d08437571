"""Request bodies as the API takes them: within the size limit, not content-coded, in a
charset it reads, and, for JSON, parsed strictly.

A body over `NEWSDESK_MAX_BODY_BYTES` is a 413 whether it came with a `Content-Length` or
chunked: werkzeug would stop reading a chunked body at the limit and hand on what it had, a
truncated document answered as malformed JSON. Whatever the answer, the part of a body the
app did not read is read and discarded afterwards, up to `DISCARD_FACTOR` times the limit,
so the connection can carry the client's next request; past that, the answer says
`Connection: close` and the connection is closed after it.

A body that stops arriving (the server's read deadline, see newsdesk.gunicorn_app) is
answered 408, and the connection closed.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from flask import Flask, Response, current_app, request
from werkzeug.wsgi import get_content_length

from service.jsonvalues import MAX_INTEGER_DIGITS, UnreadableInteger, depth
from service.problems import Problem, problem_response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_CODEC = "utf-8"  # RFC 8259: JSON exchanged between systems is UTF-8
# Charsets a text/plain or text/html article may come in: the Unicode encodings and the
# legacy ones of news sites. Codecs that are not charsets of text (idna, utf-7, punycode,
# unicode_escape, rot13...) are refused.
TEXT_CODECS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "us-ascii",
        *(f"iso-8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
        *(f"windows-{n}" for n in range(1250, 1259)),
        "cp874",
        "koi8-r",
        "koi8-u",
        "ibm866",
        "macintosh",
        "shift_jis",
        "euc-jp",
        "iso-2022-jp",
        "euc-kr",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
    )
)
# An over-long body is read and discarded up to this many times the limit in all; past that
# the server closes the connection after answering.
DISCARD_FACTOR = 4
# Deepest nesting of objects and arrays a JSON body may have: an article nests a few levels,
# its metadata a few more (service.schemas); code past the parser (validation, encoding)
# is never asked to recurse deeper.
MAX_JSON_DEPTH = 64
_CHUNK = 64 * 1024
_SHOWN_KEY_CHARS = 100


def _unsupported(detail: str, headers: dict[str, str] | None = None) -> Problem:
    return Problem(415, "unsupported-media-type", "Unsupported media type", detail, headers=headers)


class BodyTimedOut(Exception):
    """The request body stopped arriving before its deadline."""


def _timed_out(error: BodyTimedOut) -> Response:
    return problem_response(
        Problem(
            408,
            "about:blank",
            "Request Timeout",
            "The request body did not arrive in time; send it again, faster.",
            headers={"Connection": "close"},
        )
    )


def too_large(limit: int) -> Problem:
    return Problem(
        413,
        "body-too-large",
        "Request body too large",
        f"The request body is larger than {limit} bytes.",
    )


def _check_content_encoding() -> None:
    codings = [
        coding.strip().lower()
        for coding in request.headers.get("Content-Encoding", "").split(",")
        if coding.strip()
    ]
    refused = [coding for coding in codings if coding != "identity"]
    if refused:
        raise _unsupported(
            f"Content-Encoding {refused[0]!r} is not supported: send the body as it is (identity).",
            headers={"Accept-Encoding": "identity"},
        )


def _codec(charset: str) -> str | None:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _check_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset is None:
        return
    codec = _codec(charset)
    if request.is_json and codec != JSON_CODEC:
        raise _unsupported(
            f"The charset {charset!r} is not supported for JSON: send it as UTF-8 "
            "(`charset=utf-8`, or no charset).",
        )
    if request.mimetype in ("text/plain", "text/html") and codec not in TEXT_CODECS:
        raise _unsupported(
            f"The charset {charset!r} is not supported: send the text as UTF-8, UTF-16, "
            "UTF-32, or a common legacy charset such as ISO-8859-1 or windows-1252.",
        )


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < size:
        part = stream.read(min(_CHUNK, size - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _framing(environ: dict[str, Any]) -> tuple[int | None, bool]:
    """The body's `Content-Length` (None when there is none), and whether it comes chunked
    from a server that ends the stream where the body ends (otherwise none of it is read)."""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return get_content_length(environ), chunked and "wsgi.input_terminated" in environ


def _bound_body(limit: int) -> None:
    """413 for a body over `limit`; a chunked body within it is kept as a sized one."""
    environ = request.environ
    length, streamed = _framing(environ)
    if length is not None:
        if length > limit:
            raise too_large(limit)
        return  # werkzeug reads exactly `length` bytes
    if not streamed:
        return
    # One byte past the limit tells a body at the limit from one over it.
    try:
        data = _read_at_most(environ["wsgi.input"], limit + 1)
    except BodyTimedOut:
        raise
    except Exception:  # the server's own errors for a dropped client or a broken chunk
        raise Problem(
            400,
            "about:blank",
            "Bad Request",
            "The request body could not be read: the client disconnected, or its chunked "
            "framing is broken.",
        ) from None
    if len(data) > limit:
        raise too_large(limit)
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def check_body() -> None:
    """Before a view reads the body: its coding, its charset, then its size."""
    if request.method not in BODY_METHODS:
        return
    _check_content_encoding()
    _check_charset()
    _bound_body(current_app.extensions["newsdesk.config"].max_body_bytes)


# --- strict JSON -----------------------------------------------------------------------


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _shown(key: str) -> str:
    shown = key if len(key) <= _SHOWN_KEY_CHARS else key[:_SHOWN_KEY_CHARS] + "..."
    # a lone surrogate cannot be sent back as it is
    return json.dumps(shown, ensure_ascii=False).encode("utf-8", "backslashreplace").decode()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return result


def _integer(literal: str) -> int | UnreadableInteger:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        return UnreadableInteger(digits)
    return int(literal)


def parse_json(data: bytes) -> Any:
    """A JSON body, strictly: UTF-8, each key at most once per object, nested at most
    MAX_JSON_DEPTH deep (400 otherwise).

    Values JSON allows but the API cannot store and send back faithfully (NaN, Infinity,
    lone surrogates) are parsed, for validation to name their field; an integer literal
    longer than MAX_INTEGER_DIGITS is left unread, as an `UnreadableInteger`. Raises
    `json.JSONDecodeError` for a body that is not JSON (or nested too deeply).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"not UTF-8 ({exc.reason})", "(bytes)", exc.start) from None
    # A non-empty document in these errors: webargs reads an empty one as "no body at all".
    too_deep = json.JSONDecodeError(f"nested more than {MAX_JSON_DEPTH} deep", "(deep)", 0)
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_int=_integer)
    except RecursionError:
        raise too_deep from None
    except DuplicateKey as exc:
        raise Problem(
            400,
            "malformed-json",
            "Malformed JSON",
            f"The key {_shown(exc.key)} appears more than once in one object; send each key once.",
        ) from None
    if depth(document) > MAX_JSON_DEPTH:
        raise too_deep
    return document


# --- what a view left of the body -------------------------------------------------------


class _Counted:
    """A WSGI input stream that counts what is read of it; a read the server gave up on
    (a timeout) raises BodyTimedOut."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.read_bytes = 0

    def _count(self, data: bytes) -> bytes:
        self.read_bytes += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._count(self.stream.read(-1 if size is None else size))
        except TimeoutError:
            raise BodyTimedOut() from None

    def readline(self, size: int | None = -1) -> bytes:
        try:
            return self._count(self.stream.readline(-1 if size is None else size))
        except TimeoutError:
            raise BodyTimedOut() from None

    def readlines(self, hint: int = -1) -> list[bytes]:
        try:
            return [self._count(line) for line in self.stream.readlines(hint)]
        except TimeoutError:
            raise BodyTimedOut() from None

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


def _discard(body: _Counted, length: int | None, budget: int) -> bool:
    """Read and drop the rest of the body within `budget`; whether its end was reached."""
    if length is not None:  # sized: read exactly what is left, if that is within the budget
        left = length - body.read_bytes
        if left <= 0:
            return True
        return length <= budget and len(_read_at_most(body, left)) == left
    while body.read_bytes <= budget:  # chunked: until its end, or past the budget
        if not body.read(_CHUNK):
            return True
    return False


class DiscardUnreadBody:
    """WSGI middleware: after the app has answered, the rest of the request body is read
    and dropped (up to `budget` bytes of body in all), before the answer goes out. A
    server finds the next request on a kept-alive connection only past the whole body;
    when the rest is over the budget, or cannot be read, the answer says `Connection:
    close` (the server closes the connection after it)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], budget: int) -> None:
        self.app = app
        self.budget = budget

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        length, streamed = _framing(environ)
        if not (length or streamed) or "wsgi.input" not in environ:
            return self.app(environ, start_response)
        body = _Counted(environ["wsgi.input"])
        environ["wsgi.input"] = body
        # The answer's status and headers are held until the body is dealt with, so they
        # can say whether the connection stays open.
        held: list[tuple[str, list[tuple[str, str]], Any]] = []
        started: list[Callable[[bytes], Any]] = []

        def start_held() -> Callable[[bytes], Any]:
            if not started:
                status, headers, exc_info = held[-1]
                started.append(start_response(status, headers, exc_info))
            return started[0]

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            held.append((status, list(headers), exc_info))
            return lambda data: start_held()(data)  # a `write` before returning: send as is

        complete = False
        try:
            result = self.app(environ, hold)
        finally:
            with contextlib.suppress(Exception):  # a client gone or too slow: not complete
                complete = _discard(body, length, self.budget)
        if held and not started:
            if not complete:
                status, headers, exc_info = held[-1]
                headers = [(k, v) for k, v in headers if k.lower() != "connection"]
                held[-1] = (status, [*headers, ("Connection", "close")], exc_info)
            start_held()
        return result


def install(app: Flask, max_body_bytes: int) -> None:
    """After auth and rate limits: a refused caller's body is not read (only discarded)."""
    app.before_request(check_body)
    app.register_error_handler(BodyTimedOut, _timed_out)
    app.wsgi_app = DiscardUnreadBody(app.wsgi_app, DISCARD_FACTOR * max_body_bytes)
