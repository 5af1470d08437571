"""Workers that stop when asked, and soon: RQ's own stop can take a minute or be lost.

Both the analysis worker (workers.worker) and the webhook worker (workers.webhook_worker)
are built on this; it imports nothing of the analysis stack, so a webhook worker stays a
small process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from rq import Queue, SimpleWorker
from rq.job import Job

from newsdesk import rqstore

# How often a worker's command-listening thread wakes when no command comes.
PUBSUB_WAKE_SECONDS = 1.0
# How long a stopping worker waits for its scheduler process before killing it.
SCHEDULER_STOP_SECONDS = 5.0


class PromptStop(rqstore.WorkerInternals):
    """A worker that stops promptly, and stops whenever it is asked to.

    RQ listens for commands on a thread that sleeps 60 s at a time, and on stopping
    waits for it with no time limit (redis-py joins the thread): once the worker has
    unsubscribed, the thread may sleep out the whole minute, and a stop takes that long.
    Waking every second keeps a stop within about a second.

    RQ decides how to stop from the worker's state: busy, it stops after the job; idle,
    it raises StopRequested wherever the worker is. But the state says idle already
    while the transaction that ends a job is on its way, and a StopRequested raised
    there is caught as the job's own failure (RQ's `perform_job` catches everything):
    the stop was lost and the worker went on. Here, from taking a job to being done with
    it, a stop always waits for the job's end.
    """

    _in_job = False

    @contextlib.contextmanager
    def job_in_hand(self) -> Iterator[None]:
        self._in_job = True
        try:
            yield
        finally:
            self._in_job = False

    def execute_job(self: Any, job: Job, queue: Queue) -> None:
        with self.job_in_hand():
            super().execute_job(job, queue)  # type: ignore[misc]

    def on_signal_handlers(self) -> None:
        if STOP_ASKED_EARLY.is_set():
            self.stop_after_job()  # the work loop stops before taking a job

    def stop_scheduler(self: Any) -> None:
        """RQ's, with a limit on the wait. RQ waits for its scheduler process for ever, and
        a SIGTERM that reaches that process while it is being forked is lost (Python runs
        the handler inside the fork's own callbacks, which swallow its exception): the
        worker would never stop. The scheduler only moves due jobs onto their queue; one
        killed mid-way leaves them for the next."""
        process = self.scheduler_process
        if process is None or not process.pid:
            return
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGTERM)
        process.join(SCHEDULER_STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()

    def on_stop_request(self: Any) -> None:
        if not self._in_job:
            self.rq_stop()
            return
        self.stop_after_job()  # read by the work loop as soon as the job is done
        self.set_shutdown_requested_date()

    def subscribe(self: Any) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=PUBSUB_WAKE_SECONDS,
            daemon=True,
            exception_handler=self.pubsub_error_handler,
        )


class PromptSimpleWorker(PromptStop, SimpleWorker):
    """RQ's own simple worker, stopping promptly: webhook deliveries run on it, and tests
    that need RQ's stock behaviour use it."""


# Set by a stop asked for before RQ took over the signals (see _exit_quietly).
STOP_ASKED_EARLY = threading.Event()


def stop_quietly_until_rq_starts() -> None:
    """SIGTERM and SIGINT, from the process's start until RQ sets its own handlers."""
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    """Before RQ takes over the signals there is no job in hand: stop at once, no traceback.

    The exit is lost when the signal lands inside a fork's own callbacks (the worker forks
    its lease keeper or scheduler as it starts), which swallow exceptions; the flag then
    stops the worker as soon as RQ has taken over."""
    STOP_ASKED_EARLY.set()
    raise SystemExit(0)
