"""`newsdesk api`: the Flask app under gunicorn, configured from Newsdesk's settings.

gunicorn is driven programmatically (no gunicorn.conf.py to keep in step with
the settings table). Its gevent workers: each connection is a greenlet, so a
long-poll (`?wait=N`, which waits for a message, see service.jobstore.JobEnds)
or a client that sends slowly holds nothing another request needs; a thread per
connection let a few dozen of either stop every other request (docs/scaling.md,
"Slow clients and long-polls"). Every read from a client has a deadline
(`ClientSocket`): a request's line and headers within NEWSDESK_HEADER_TIMEOUT,
its body within a time that grows with its size; a client that misses one is
disconnected, or answered 408 when the app was reading its body. This module
never imports spaCy: the web tier does not need it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import shutil
import socket
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from gevent.monkey import MonkeyPatchWarning
from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import NoMoreData
from gunicorn.workers.ggevent import GeventWorker

from newsdesk import logs
from newsdesk.settings import Config

# gunicorn's own: a kept-alive connection's next request must begin within this time.
KEEPALIVE_SECONDS = 5
# Closing a connection after an answer: how long, and how much, the client's last bytes are
# read and dropped so that the answer is not lost to a reset.
LINGER_SECONDS = 2.0
LINGER_BYTES = 256 * 1024


class ReadTimedOut(NoMoreData, TimeoutError):
    """A client did not send in time. To gunicorn, a client gone: it closes the connection
    without answering; to the app reading a body, a timeout: it answers 408."""


class ClientSocket:
    """A client's connection, whose reads end at a deadline the worker sets for each part
    of a request; everything else is the socket's own."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._deadline = 0.0
        self._first_byte_by = 0.0  # an idle connection's wait for its next request
        self._reading = False  # part of the request awaited has arrived
        self._answered = False

    def expect_request(self, idle: float, headers: float) -> None:
        """Its next request must begin within `idle` seconds and have its line and
        headers in within `headers`."""
        now = time.monotonic()
        self._first_byte_by = now + min(idle, headers)
        self._deadline = now + headers
        self._reading = False

    def expect_body(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds
        self._reading = True

    def recv(self, size: int) -> bytes:
        deadline = self._deadline if self._reading else self._first_byte_by
        left = deadline - time.monotonic()
        if left <= 0:
            raise ReadTimedOut()
        prior = self._sock.gettimeout()
        self._sock.settimeout(left)
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            raise ReadTimedOut() from None
        finally:
            self._sock.settimeout(prior)
        self._reading = True
        return data

    def sendall(self, data: bytes) -> None:
        self._answered = True
        self._sock.sendall(data)

    def close(self) -> None:
        if self._answered:
            # Unread bytes from the client would make the kernel reset the connection, and
            # with it an answer the client has not read yet: half-close, then read what the
            # client still sends until it closes too, briefly.
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)
                until = time.monotonic() + LINGER_SECONDS
                drained = 0
                while drained < LINGER_BYTES and (left := until - time.monotonic()) > 0:
                    self._sock.settimeout(left)
                    data = self._sock.recv(65536)
                    if not data:
                        break
                    drained += len(data)
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def honour_connection_close(app: Callable[..., Iterable[bytes]]) -> Callable:
    """WSGI middleware: an answer with `Connection: close` closes the connection, and
    gunicorn says so in the header it writes (it drops the app's own hop-by-hop headers)."""

    def serve(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if any(
                name.lower() == "connection" and "close" in value.lower() for name, value in headers
            ):
                response = getattr(start_response, "__self__", None)  # gunicorn's Response
                if hasattr(response, "force_close"):
                    response.force_close()
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return serve


def problem_answer(status_line: bytes, exc: BaseException) -> bytes:
    """The whole HTTP answer, as problem details (RFC 9457, as the app answers), to a
    request gunicorn refused before the app saw it (a header with a NUL byte, say)."""
    _version, code, reason = status_line.decode("latin-1").split(" ", 2)
    status = int(code)
    if status >= 500:
        detail = "Something went wrong on our side."
    else:
        detail = f"The request could not be read: {exc}"
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status, "detail": detail}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _ProblemWriter:
    """Stands for the client while gunicorn answers a request it refused: its HTML page
    goes out as problem details instead, with the same status."""

    def __init__(self, sock: Any, exc: BaseException) -> None:
        self._sock = sock
        self._exc = exc

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(problem_answer(data.split(b"\r\n", 1)[0], self._exc))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class NewsdeskWorker(GeventWorker):
    """gunicorn's gevent worker, with read deadlines on every connection, the app's
    `Connection: close` honoured, and problem details for requests refused unread."""

    def init_process(self) -> None:
        config: Config = self.app.config
        self.header_seconds = config.header_timeout
        self.body_seconds = config.body_timeout
        self.body_min_rate = config.body_min_rate
        self.body_limit = config.max_body_bytes
        super().init_process()

    def patch(self) -> None:
        with warnings.catch_warnings():
            # The master imported redis-py (the key check), whose asyncio client took names
            # from ssl before the patching; the API never uses that client.
            warnings.filterwarnings(
                "ignore",
                message=r"(?s).*\(NOT patched\): \['redis\.asyncio\.connection \([^)]*\)'\]",
                category=MonkeyPatchWarning,
            )
            super().patch()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.wsgi = honour_connection_close(self.wsgi)

    def timeout_ctx(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()  # the deadlines are the socket's (ClientSocket)

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        connection = ClientSocket(client)
        connection.expect_request(self.header_seconds, self.header_seconds)
        super().handle(listener, connection, addr)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        sock.expect_body(self.body_deadline(req.headers))
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            sock.expect_request(KEEPALIVE_SECONDS, self.header_seconds)

    def body_deadline(self, headers: list[tuple[str, str]]) -> float:
        """Seconds a request's body may take: the floor, or more at the slowest rate
        allowed; a chunked body is given the time of the largest one accepted."""
        size = 0
        for name, value in headers:
            if name == "CONTENT-LENGTH" and value.isdigit():
                size = int(value)
            elif name == "TRANSFER-ENCODING":
                size = self.body_limit
        return max(self.body_seconds, size / self.body_min_rate)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemWriter(client, exc), addr, exc)


class JsonLogger(glogging.Logger):
    """gunicorn's logger, but every line goes through Newsdesk's JSON handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn installs plain-text handlers and stops propagation; undo both so the
        # root JSON handler set by newsdesk.logs.configure() formats everything.
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen_address(config: Config) -> str:
    if config.listen_fd is not None:
        return f"fd://{config.listen_fd}"
    return bind_address(config.host, config.port)


def gunicorn_settings(config: Config) -> dict[str, Any]:
    return {
        "bind": [listen_address(config)],
        "workers": config.api_processes,
        "worker_class": NewsdeskWorker,
        "worker_connections": config.api_connections,
        # A request in flight may be a long-poll of up to max_wait seconds: let it end.
        "graceful_timeout": config.max_wait + 5,
        "timeout": 30,
        "keepalive": KEEPALIVE_SECONDS,
        "proc_name": "newsdesk-api",
        "logger_class": JsonLogger,
        "loglevel": config.log_level.lower(),
        "errorlog": "-",
        # No gunicorn access log: the app logs each request itself, with its request id.
        "accesslog": None,
        # Several gunicorns on one machine (tests, serve) must not fight over one socket file.
        "control_socket_disable": True,
        # /metrics sums every API process's counters (prometheus-client multiprocess mode).
        "on_starting": _wipe_metrics,
        "child_exit": _forget_process,
        "on_exit": _remove_own_metrics,
    }


# The metrics folder `newsdesk api` made itself (None when PROMETHEUS_MULTIPROC_DIR was given).
_OWN_METRICS_DIR: str | None = None


def _wipe_metrics(server: Any) -> None:
    # Left over from an earlier run, these files would add old counts to new ones.
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))


def _remove_own_metrics(server: Any) -> None:
    # gunicorn calls this in the master only, once every API process has exited.
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)


def _forget_process(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class NewsdeskApi(BaseApplication):
    def __init__(self, config: Config) -> None:
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings  # older gunicorns lack some settings (e.g. the control socket)
        for key, value in gunicorn_settings(self.config).items():
            if key in known:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from service.app import create_app

        return create_app(self.config)


def _allow_connections(connections: int) -> None:
    """Let each API process hold `connections` sockets, within the hard limit on open files
    (the soft limit is often 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # Redis connections, log files, the listening socket...
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))


def run_api(config: Config) -> None:
    """Serve until SIGTERM (graceful) or SIGINT (quick); gunicorn exits the process."""
    logs.configure(config.log_level)
    _allow_connections(config.api_connections)
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Set before gunicorn forks, so every API process writes to the same folder.
        global _OWN_METRICS_DIR
        _OWN_METRICS_DIR = tempfile.mkdtemp(prefix="newsdesk-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR
    logging.getLogger("newsdesk.api").info(
        "api starting",
        extra={
            "bind": listen_address(config),
            "processes": config.api_processes,
            "connections": config.api_connections,
            "pid": os.getpid(),
        },
    )
    NewsdeskApi(config).run()
