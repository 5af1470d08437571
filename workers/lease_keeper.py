"""The lease keeper: a small process beside each analysis worker that keeps the worker
registered and the lease of its job in hand alive.

Why a process and not a thread: an analysis step may hold the GIL for seconds inside C
code (a tokenizer, a regular expression). A thread of the worker cannot run meanwhile, so
its job's lease would lapse, another worker would take the job while it still runs, and
the worker's own registration would expire (readiness would say no worker is alive). A
process of its own renews both whatever the worker is doing.

It lives exactly as long as its worker: forked once the worker is registered, it ends when
the worker closes the pipe to it, and the kernel kills it when the worker dies (a
parent-death signal), so the job of a worker that truly died still comes back after one
lease.

What the worker tells it, one JSON line each on a pipe: `take` (the keys of a job that
just started) and `drop` (the job ended). What it tells the worker, in shared memory:
when it last renewed the job's lease and whether it found the lease gone, so the worker
can tell, as the job ends, whether the job is still its own to end. What it writes, in
RQ's keys, is newsdesk.rqstore's (`LeaseWrites`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import mmap
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from newsdesk.rqstore import Lease, LeaseWrites, Registration

log = logging.getLogger("newsdesk.worker")

# Shared memory the keeper writes and the worker reads: the generation of the job the
# numbers are about (one per `take`), the monotonic time of its last renewal, and 1 once
# a renewal found the lease gone.
_STATUS = struct.Struct("=QdB")


class LeaseKeeper:
    """The worker's side: starts the keeper, tells it of jobs, reads what it saw."""

    def __init__(self, connect: Callable[[], Redis], lease: float) -> None:
        self._connect = connect
        self.lease = lease
        self.pid: int | None = None
        self._pipe: int | None = None
        self._status = mmap.mmap(-1, _STATUS.size)
        self._generation = 0
        self._taken_at = 0.0

    def start(self, registration: Registration) -> None:
        """Fork the keeper (again, if one was running)."""
        self.stop()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the keeper
            os.close(write_end)
            code = 0
            try:
                _Keeper(self._connect, self.lease, registration, read_end, self._status).run()
            except BaseException:  # report and end: the worker starts another at its next job
                log.exception("lease keeper failed")
                code = 1
            finally:
                os._exit(code)
        os.close(read_end)
        self.pid, self._pipe = pid, write_end

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return done == 0

    def stop(self) -> None:
        """Close the pipe (the keeper ends on reading its end) and wait for it."""
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.close(self._pipe)
            self._pipe = None
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None

    def _send(self, message: dict[str, Any]) -> None:
        if self._pipe is None:
            return
        with contextlib.suppress(OSError):  # a keeper that died is replaced at the next job
            os.write(self._pipe, (json.dumps(message) + "\n").encode())

    def take(self, lease: Lease) -> None:
        """A job started: its lease, set by the transaction that started it, is ours."""
        self._generation += 1
        self._taken_at = time.monotonic()
        self._send({"take": lease.__dict__, "generation": self._generation})

    def drop(self) -> None:
        self._send({"drop": True})

    def still_held(self) -> bool:
        """Whether the job in hand is still ours to end: no renewal found its lease gone,
        and the last one (or the start) was recent enough that the lease cannot have lapsed
        before the transaction that ends the job reaches Redis."""
        generation, renewed, gone = _STATUS.unpack(self._status[: _STATUS.size])
        if generation != self._generation:
            renewed, gone = 0.0, 0
        if gone:
            return False
        return time.monotonic() - max(renewed, self._taken_at) < self.lease * 2 / 3


class _Keeper:
    """The keeper process's loop."""

    def __init__(
        self,
        connect: Callable[[], Redis],
        lease: float,
        registration: Registration,
        pipe: int,
        status: mmap.mmap,
    ) -> None:
        self.lease = lease
        self.registration = registration
        self.pipe = pipe
        self.status = status
        self.parent = os.getppid()
        _die_with_parent(self.parent)
        # Ctrl-C in a terminal reaches the whole process group: the worker finishes its
        # job in hand on it, and that job's lease must be kept until then.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.writes = LeaseWrites(connect())
        self.job: Lease | None = None
        self.generation = 0

    def run(self) -> None:
        tick = self.lease / 3
        buffer = b""
        next_beat = 0.0
        while os.getppid() == self.parent:
            moment = time.monotonic()
            if moment >= next_beat:
                self._keep()
                next_beat = moment + tick
            ready, _, _ = select.select([self.pipe], [], [], max(0.0, next_beat - moment))
            if not ready:
                continue
            data = os.read(self.pipe, 65536)
            if not data:  # the worker closed its end: it is stopping
                return
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                self._hear(json.loads(line))

    def _hear(self, message: dict[str, Any]) -> None:
        if "take" in message:
            self.job = Lease(**message["take"])
            self.generation = message["generation"]
            self._write_status(time.monotonic(), gone=False)
        else:
            self.job = None

    def _keep(self) -> None:
        now = time.time()
        try:
            self.writes.beat(self.registration, now)
            job = self.job
            if job is None:
                return
            renewed = self.writes.renew(job, int(self.lease), now)
            self._write_status(time.monotonic(), gone=not renewed)
            if not renewed:
                self.job = None  # gone for good: another worker may run it now
        except RedisError as exc:  # the next tick may get through; a lease has slack
            log.warning("lease renewal failed", extra={"error": str(exc)})

    def _write_status(self, renewed: float, gone: bool) -> None:
        self.status[: _STATUS.size] = _STATUS.pack(self.generation, renewed, int(gone))


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)
