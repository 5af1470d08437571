"""`newsdesk serve`: Redis, the API and N workers as one foreground program.

Process layout: this supervisor is the only process in the terminal's
foreground process group. Every child (redis-server, the gunicorn master,
each worker) gets a session of its own, so one Ctrl-C reaches the supervisor
alone and it runs one orderly shutdown: SIGTERM to the workers (they finish
the job in hand) and to gunicorn (it finishes requests in flight), then Redis
last, so its AOF holds every result. Were the children in our process group,
the terminal's SIGINT would hit them all at once: gunicorn's quick shutdown,
and Redis gone before the workers store their results.

Children also get a parent-death signal (Linux), so a supervisor killed with
SIGKILL does not leave workers or gunicorn running.

A worker that dies is replaced (its job in hand runs again once its lease
lapses), and so is a private Redis that dies (it reads its data back, and everything
reconnects to it); one of them dying over and over, or the API dying, stops everything.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from newsdesk.redis_processes import clear_leftover_redis
from newsdesk.redis_server import (
    RedisServer,
    RedisServerError,
    data_dir_lock,
    remove_url,
    write_url,
)
from newsdesk.settings import Config

POLL_SECONDS = 0.2
# A worker that dies is replaced, up to this many times in this many seconds.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class ServeError(RuntimeError):
    """A reason to refuse to start, phrased for the person at the terminal."""


def say(message: str) -> None:
    """What serve is doing: one line on stdout, `newsdesk: ...`."""
    print(f"newsdesk: {message}", flush=True)


def warn(message: str) -> None:
    """Something went wrong and serve carries on: `newsdesk: warning: ...` on stderr."""
    print(f"newsdesk: warning: {message}", file=sys.stderr, flush=True)


def complain(message: str) -> None:
    """Why serve stopped or would not start, in the one form every `newsdesk` command
    reports an error: `newsdesk: error: ...` on stderr."""
    print(f"newsdesk: error: {message}", file=sys.stderr, flush=True)


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when this process dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    parent = os.getpid()

    def set_pdeathsig() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return set_pdeathsig


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


# --- the supervisor ---------------------------------------------------------------


@dataclass
class Child:
    label: str
    command: str
    process: subprocess.Popen
    stop_timeout: float
    options: tuple[str, ...] = ()


class Supervisor:
    def __init__(self, config: Config, workers: int, private_redis: bool) -> None:
        self.config = config
        self.worker_count = workers
        self.private_redis = private_redis
        self.redis: RedisServer | None = None
        self.children: list[Child] = []
        self.env: dict[str, str] = {}
        self.stop_signals: list[int] = []
        self.forced = False
        self.failure: str | None = None
        self.restarts: list[float] = []
        self.redis_restarts: list[float] = []
        self.listener: socket.socket | None = None

    # signals only set a flag: the main loop does the work, outside the handler
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signals.append(signum)

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            try:
                self._start()
                if not self.stop_signals and self.failure is None:
                    self._watch()
            except (ServeError, RedisServerError) as exc:
                self.failure = str(exc)
            self._shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failure:
            complain(self.failure)
            return 1
        say("stopped")
        return 0

    def _start(self) -> None:
        # The API's port first: a busy one is reported before anything else starts.
        self.listener = bind_listener(self.config.host, self.config.port)
        self.config = replace(self.config, port=self.listener.getsockname()[1])
        env = dict(os.environ)
        if self.private_redis:
            data_dir = Path(self.config.data_dir).resolve()
            with data_dir_lock(data_dir):  # `newsdesk keys` may be using this folder
                clear_leftover_redis(data_dir, say)
                self.redis = RedisServer(data_dir).start()
                write_url(data_dir, self.redis.url)
            env["REDIS_URL"] = self.redis.url
            say(f"Redis at {self.redis.url} (private, data in {data_dir})")
        else:
            say(f"Redis at {_redacted(self.config.redis_url)} (from REDIS_URL)")
        env.update(self._auth_env(env["REDIS_URL"] if self.private_redis else None))
        env["NEWSDESK_HOST"] = self.config.host
        env["NEWSDESK_PORT"] = str(self.config.port)
        env["NEWSDESK_LISTEN_FD"] = str(self.listener.fileno())
        self.env = env
        if self.stop_signals:
            return
        self._spawn("api", "api", self.config.max_wait + 10)
        for number in range(1, self.worker_count + 1):
            if self.stop_signals:
                return
            # A worker finishes the job in hand before it stops: allow a whole job.
            self._spawn(f"worker {number}", "worker", self.config.job_timeout + 15)
        self._spawn_webhook_worker()

    # --- keys ---
    def _auth_env(self, private_url: str | None) -> dict[str, str]:
        """Keys are required when there are some; on loopback without any, run open.

        Off loopback, no keys is an error, as for `newsdesk api`. Whether keys exist is
        decided at start: after the first `newsdesk keys create`, restart serve.
        """
        from newsdesk.keyadmin import NO_KEYS, is_loopback, keys_configured
        from newsdesk.redis_connection import connect

        if self.config.auth != "required":
            return {}
        with connect(private_url or self.config.redis_url, socket_timeout=2) as redis:
            configured = keys_configured(self.config, redis)
        if configured is not False:
            return {}
        if not is_loopback(self.config.host):
            raise ServeError(f"{NO_KEYS} (the API would listen on {self.config.host})")
        warn(
            "no API keys, so the API is open to anyone on this machine; "
            "create one with `newsdesk keys create NAME` and restart to require keys"
        )
        return {"NEWSDESK_AUTH": "disabled"}

    # --- end keys ---

    def _spawn_webhook_worker(self) -> None:
        """One webhook delivery worker: it only waits on HTTP, so one is plenty."""
        if not self.stop_signals:
            self._spawn("webhook worker", "worker", self.config.webhook_timeout + 15, "--webhooks")

    def _spawn(self, label: str, command: str, stop_timeout: float, *options: str) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", command, *options],
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # see the module docstring: Ctrl-C is ours to hand out
            preexec_fn=_parent_death_signal(),
            pass_fds=(self.listener.fileno(),) if command == "api" and self.listener else (),
        )
        self.children.append(Child(label, command, process, stop_timeout, options))

    def _watch(self) -> None:
        api_announced = workers_announced = False
        while not self.stop_signals:
            for child in list(self.children):
                code = child.process.poll()
                if code is None:
                    continue
                ended = f"{child.label} (pid {child.process.pid}) {describe_exit(code)}"
                if child.command == "worker" and self._may_restart():
                    # Its job in hand runs again elsewhere once its lease lapses.
                    warn(f"{ended} unexpectedly; starting a new one")
                    self.children.remove(child)
                    self._spawn(child.label, child.command, child.stop_timeout, *child.options)
                    continue
                self.failure = f"{ended} unexpectedly; stopped everything"
                return
            if self.redis and self.redis.process and self.redis.process.poll() is not None:
                died = self.redis.process
                ended = f"Redis (pid {died.pid}) {describe_exit(died.returncode)}"
                if not self._may_restart(self.redis_restarts):
                    self.failure = f"{ended} unexpectedly, again; stopped everything"
                    return
                warn(f"{ended} unexpectedly; starting it again on its data")
                self._restart_redis()
            if not api_announced and _answers_health_check(self.config.host, self.config.port):
                api_announced = True
                base = _base_url(self.config.host, self.config.port)
                say(f"API listening on {base} (docs at {base}/docs)")
            if api_announced and not workers_announced and self._workers_ready():
                workers_announced = True
                say(f"{self.worker_count} worker(s) ready; press Ctrl-C to stop")
            time.sleep(POLL_SECONDS)

    def _may_restart(self, restarts: list[float] | None = None) -> bool:
        """Replace what died, but not in a loop: a process that cannot start is a fault."""
        restarts = self.restarts if restarts is None else restarts
        now = time.monotonic()
        restarts[:] = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
        return len(restarts) <= MAX_RESTARTS

    def _restart_redis(self) -> None:
        """The private Redis again, on the same socket and data: it reads back every job
        from its append-only file, and the API and workers, which reconnect on their own,
        find it where it was. Meanwhile the API answers 503 with Retry-After."""
        assert self.redis is not None
        data_dir = self.redis.data_dir
        with data_dir_lock(data_dir):  # `newsdesk keys` may be looking at this folder
            clear_leftover_redis(data_dir, say)
            self.redis.start()
        say(f"Redis at {self.redis.url} again")

    def _workers_ready(self) -> bool:
        from rq import Queue, Worker

        from newsdesk.queueing import SERIALIZER
        from newsdesk.redis_connection import connect

        url = self.env.get("REDIS_URL") or self.config.redis_url
        try:
            with connect(url, socket_timeout=1) as connection:
                queue = Queue(self.config.queue_name, connection=connection, serializer=SERIALIZER)
                return Worker.count(queue=queue) >= self.worker_count
        except Exception:  # Redis busy or restarting: ask again on the next tick
            return False

    def _shutdown(self) -> None:
        running = [c for c in self.children if c.process.poll() is None]
        if running:
            say("stopping: workers finish the job in hand, the API its requests in flight")
        handled = len(self.stop_signals)
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        while any(c.process.poll() is None for c in running):
            if len(self.stop_signals) > handled:
                say("second stop request: killing what is left")
                self.forced = True
                self._kill(running)
                break
            late = [
                c
                for c in running
                if c.process.poll() is None and time.monotonic() - started > c.stop_timeout
            ]
            if late:
                warn(f"{', '.join(c.label for c in late)} did not stop in time; killing")
                self._kill(late)
            time.sleep(0.05)
        for child in running:
            code = child.process.wait()
            # Killed by our own SIGTERM: it was still starting, before its handlers were set.
            clean = code in (0, -signal.SIGTERM) or (self.forced and code == -signal.SIGKILL)
            if not clean and self.failure is None:
                self.failure = f"{child.label} {describe_exit(code)} while stopping"
        if self.listener is not None:
            self.listener.close()
        if self.redis is not None:
            self.redis.close()  # last: SIGTERM makes it write its AOF
            remove_url(self.redis.data_dir)

    def _kill(self, children: list[Child]) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()


def bind_listener(host: str, port: int) -> socket.socket:
    """The API's listening socket, bound here and inherited by `newsdesk api`.

    Port 0 takes a free port; binding before anything starts turns a busy port into
    one clear message rather than an API that dies after Redis and the workers began.
    """
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r}: {exc.strerror}") from None
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is in use; choose another with --port or NEWSDESK_PORT"
            ) from None
        raise ServeError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    listener.listen(2048)  # gunicorn's own default backlog
    listener.set_inheritable(True)
    return listener


def _answers_health_check(host: str, port: int) -> bool:
    """The API answers HTTP: its socket accepts connections from the start, so only a
    response says that gunicorn is serving."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    connection = http.client.HTTPConnection(target, port, timeout=0.5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _redacted(url: str) -> str:
    """No password on the terminal."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def serve(config: Config, host: str, port: int, workers: int) -> int:
    private_redis = not os.environ.get("REDIS_URL")
    config = replace(config, host=host, port=port)
    return Supervisor(config, workers, private_redis).run()
