"""The thin layer between HTTP and RQ: put an article on the queue, read a job back.

Routes deal in plain dicts: the job's view is newsdesk.jobview's, and what the API relies on
of RQ's storage is in newsdesk.rqstore.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from newsdesk import jobmetrics, rqstore
from newsdesk.duplicate_index import DuplicateIndex
from newsdesk.jobcontrol import request_cancel
from newsdesk.jobview import ENDED, JobNotFound, check_id, describe_job, iso, status_of
from newsdesk.jobview import read as read_view
from newsdesk.keys import ANONYMOUS
from newsdesk.queueing import (
    BATCH_KEY_PREFIX,
    JOB_FUNCTION,
    REUSE_KEY_PREFIX,
    SERIALIZER,
    announce_end,
    ended_key,
    queue_delivery,
)
from newsdesk.results import REUSABLE_ANALYSES
from newsdesk.settings import Config

# Seconds of silence on the connection long-polls wait on before a PING asks whether it
# still lives; one more such wait without an answer and it is opened again.
HEARTBEAT_SECONDS = 10.0
# Pause before opening that connection again after it failed: doubled each time, up to the
# longest.
_RECONNECT_DELAY = (0.1, 2.0)
# Each owner's job ids, scored by creation time: what GET /v1/jobs pages through.
OWNER_INDEX = "newsdesk:jobs:by-owner:{}"
# Index entries read per round when a status filter skips most of them, and per request.
_SCAN_BATCH = 100
_SCAN_LIMIT = 1000
_QUEUE_SLACK = 24 * 3600  # seconds a job may wait in the queue and still be listed

log = logging.getLogger("newsdesk.api")


class _Subscription:
    """One job's channel, shared by every long-poll of this process on that job."""

    __slots__ = ("changed", "channel", "confirmed", "ended", "epoch", "polls", "sent_on")

    def __init__(self, channel: str, lock: threading.Lock) -> None:
        self.channel = channel
        self.changed = threading.Condition(lock)
        self.polls = 0
        self.confirmed = False  # Redis has answered the SUBSCRIBE on the current connection
        self.ended = False  # the job's end was published
        self.epoch = 0  # how many connections have been lost while it existed
        self.sent_on: int | None = None  # the connection its SUBSCRIBE went out on


_PING = object()  # what a PING's answer acknowledges


class JobEnds:
    """The long-polls of one process wait here for their jobs' ends, all on one connection.

    A job's end is published on its channel (newsdesk.queueing.announce_end). The first
    long-poll of this process on a job subscribes to that channel and the last one to leave
    unsubscribes; one thread (a greenlet under gevent) reads the connection and wakes the
    polls of a job when its message comes. So a thousand waiting polls hold one Redis
    connection, and Redis is asked nothing while they wait.

    A poll checks its job (`ended`, a read) only once Redis has confirmed the subscription:
    an end published before the subscription is in that read, one after it comes as a
    message. Confirmations come back in the order the commands went out, which tells which
    SUBSCRIBE each one answers. When the connection is lost, it is opened again, every
    subscription is renewed, and every poll reads its job again, since a message may have
    been lost in between.
    """

    def __init__(self, redis: Redis) -> None:
        self._pool = redis.connection_pool
        self._lock = threading.Lock()
        self._subscriptions: dict[str, _Subscription] = {}
        # What each command sent on the connection waits for, in order: the subscription
        # a SUBSCRIBE confirms, None for an UNSUBSCRIBE, _PING for a PING.
        self._acks: deque[object] = deque()
        self._connection: AbstractConnection | None = None
        self._connections = 0  # connections opened so far: `sent_on` refers to them
        self._renewed = False  # the connection reconnected by itself: its state is unknown
        self._reader: threading.Thread | None = None

    def wait(self, job_id: str, seconds: float, ended: Callable[[], bool]) -> bool:
        """Wait up to `seconds` for the job's end; `ended()` reads whether it has ended.

        True when the end was seen; False when the time ran out first.
        """
        deadline = time.monotonic() + seconds
        with self._lock:
            subscription = self._join(ended_key(job_id))
        try:
            while True:
                with self._lock:
                    while not (subscription.confirmed or subscription.ended):
                        if not self._sleep(subscription, deadline):
                            return False
                    if subscription.ended:
                        return True
                    epoch = subscription.epoch
                if ended():
                    return True
                with self._lock:
                    while not subscription.ended and subscription.epoch == epoch:
                        if not self._sleep(subscription, deadline):
                            return False
                    if subscription.ended:
                        return True
                # The connection was lost: once subscribed again, read the job again.
        finally:
            with self._lock:
                self._leave(subscription)

    @staticmethod
    def _sleep(subscription: _Subscription, deadline: float) -> bool:
        left = deadline - time.monotonic()
        return left > 0 and (subscription.changed.wait(left) or time.monotonic() < deadline)

    # --- under the lock ---

    def _join(self, channel: str) -> _Subscription:
        subscription = self._subscriptions.get(channel)
        if subscription is None:
            subscription = self._subscriptions[channel] = _Subscription(channel, self._lock)
            self._subscribe([subscription])  # without a connection: when it opens
        subscription.polls += 1
        if self._reader is None:
            self._reader = threading.Thread(target=self._run, name="job-ends", daemon=True)
            self._reader.start()
        return subscription

    def _leave(self, subscription: _Subscription) -> None:
        subscription.polls -= 1
        if subscription.polls:
            return
        del self._subscriptions[subscription.channel]
        if subscription.sent_on == self._connections:
            self._send(("UNSUBSCRIBE", subscription.channel), [None])

    def _subscribe(self, subscriptions: list[_Subscription]) -> None:
        if subscriptions and self._send(
            ("SUBSCRIBE", *(s.channel for s in subscriptions)), subscriptions
        ):
            for subscription in subscriptions:
                subscription.sent_on = self._connections

    def _send(self, command: tuple[str, ...], acks: list[object]) -> bool:
        connection = self._connection
        if connection is None or not connection.is_connected:
            return False  # the reader subscribes everything again on the next connection
        try:
            connection.send_command(*command, check_health=False)
        except (RedisError, OSError):
            return False  # the connection is gone: the reader notices and starts again
        self._acks.extend(acks)
        return True

    def _lost(self) -> None:
        self._connection = None
        self._acks.clear()
        for subscription in self._subscriptions.values():
            subscription.confirmed = False
            subscription.epoch += 1
            subscription.changed.notify_all()

    # --- the reader ---

    def _run(self) -> None:
        delay = _RECONNECT_DELAY[0]
        failing = False
        while True:
            connection = None
            try:
                connection = self._open()
                if failing:
                    log.info("long-poll notifications reconnected to redis")
                failing = False
                delay = _RECONNECT_DELAY[0]
                self._read(connection)
            except Exception as error:  # whatever broke the connection, open another
                if not failing:
                    log.warning(
                        "long-poll notifications lost redis; reconnecting",
                        extra={"error": type(error).__name__},
                    )
                failing = True
            finally:
                with self._lock:
                    if connection is None or self._connection is connection:
                        self._lost()
                if connection is not None:
                    connection.deregister_connect_callback(self._on_reconnect)
                    connection.disconnect()
                    self._pool.release(connection)
            time.sleep(delay)
            delay = min(delay * 2, _RECONNECT_DELAY[1])

    def _open(self) -> AbstractConnection:
        connection = self._pool.get_connection()
        with self._lock:
            self._connections += 1
            self._connection = connection
            self._renewed = False
            connection.register_connect_callback(self._on_reconnect)
            self._subscribe(list(self._subscriptions.values()))
        return connection

    def _on_reconnect(self, connection: AbstractConnection) -> None:
        # redis-py connects again by itself when a command finds the socket closed: that
        # connection has none of the subscriptions, so it is dropped and opened afresh.
        if connection is self._connection:
            self._renewed = True

    def _read(self, connection: AbstractConnection) -> None:
        pinged = False
        while True:
            if self._renewed or not connection.is_connected:
                raise RedisConnectionError("the connection was renewed or closed")
            if not connection.can_read(timeout=HEARTBEAT_SECONDS):
                if pinged:
                    raise RedisConnectionError("no answer to PING")
                with self._lock:
                    pinged = self._send(("PING",), [_PING])
                if not pinged:
                    raise RedisConnectionError("could not send PING")
                continue
            if self._renewed:
                raise RedisConnectionError("the connection was renewed")
            # Under RESP3 confirmations and messages are pushes: read them as replies.
            reply = connection.read_response(push_request=True)
            pinged = False
            self._dispatch(reply)

    def _dispatch(self, reply: Any) -> None:
        kind, channel = _text(reply[0] if isinstance(reply, list) else reply), None
        if isinstance(reply, list) and len(reply) > 1:
            channel = _text(reply[1])
        with self._lock:
            if kind == "message":
                subscription = self._subscriptions.get(channel or "")
                if subscription is not None:
                    subscription.ended = True
                    subscription.changed.notify_all()
                return
            if kind.lower() not in ("subscribe", "unsubscribe", "pong") or not self._acks:
                return
            acked = self._acks.popleft()
            if kind == "subscribe" and isinstance(acked, _Subscription):
                acked.confirmed = True
                acked.changed.notify_all()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class JobEnded(RuntimeError):
    """The job has already finished, failed or been cancelled: nothing left to cancel."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class BadCursor(ValueError):
    pass


def _encode_cursor(score: float, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{score!r}|{job_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        score, job_id = raw.split("|", 1)
        uuid.UUID(job_id)
        return float(score), job_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None


class BatchNotFound(LookupError):
    pass


class JobStore:
    def __init__(self, redis: Redis, config: Config) -> None:
        self.redis = redis
        self.config = config
        self.queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
        # Long-polls wait on one connection of their own, taken from `redis`'s pool on the
        # first wait.
        self.ends = JobEnds(redis)

    def transaction(self) -> Pipeline:
        """A MULTI/EXEC pipeline for a submission: what `submit` and `create_batch` write on it
        is written all at once when the caller executes it, or not at all."""
        pipe = self.redis.pipeline()
        pipe.multi()
        return pipe

    def submit(
        self,
        article: dict[str, Any],
        analyses: list[str],
        metadata: Any,
        *,
        owner: str = ANONYMOUS,
        callback_url: str | None = None,
        batch_id: str | None = None,
        pipeline: Pipeline | None = None,
    ) -> dict:
        """Queue one article for `owner` (a key's name) and return its job.

        An identical earlier request of the same owner whose job has finished gives a new
        job that is finished at once, with that result (see `_reuse`). With `pipeline` (see
        `transaction`), the job is only written when the caller executes it; the view
        returned is the job as it will then be.
        """
        fields = (article, analyses, metadata, owner, callback_url, batch_id)
        if pipeline is not None:
            return self._submit(*fields, pipeline)
        with self.transaction() as pipe:
            view = self._submit(*fields, pipe)
            pipe.execute()
        return view

    def _submit(
        self,
        article: dict[str, Any],
        analyses: list[str],
        metadata: Any,
        owner: str,
        callback_url: str | None,
        batch_id: str | None,
        pipeline: Pipeline,
    ) -> dict:
        job_id = str(uuid.uuid4())
        meta: dict[str, Any] = {
            "analyses": analyses,
            "options": article.get("options", {}),
            "metadata": metadata,
            "owner": owner,
            "cached": False,
            "batch_id": batch_id,
        }
        if callback_url:
            meta["webhook"] = {"url": callback_url, "state": "pending", "attempts": []}
        reuse_key = self._reuse_key(owner, article, analyses)
        if reuse_key:
            meta["reuse_key"] = reuse_key
            reused = self._reuse(job_id, article, analyses, meta, reuse_key, pipeline)
            if reused is not None:
                job, result = reused
                self._index(job, owner, pipeline)
                if callback_url:
                    queue_delivery(self.redis, self.config, job.id, owner, pipeline=pipeline)
                view = self._view(job, with_result=False)
                view["result"] = result
                return view
        # The job, its place on the queue and in its owner's list: one transaction.
        job = self.queue.enqueue_call(
            JOB_FUNCTION,
            args=({**article, "analyses": analyses},),
            job_id=job_id,
            timeout=self.config.job_timeout,
            # Only a worker dying mid-job uses these (see workers.worker.LeasedWorker).
            retry=Retry(max=self.config.job_attempts - 1) if self.config.job_attempts > 1 else None,
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.failure_ttl,
            meta=meta,
            description=_description(article),
            pipeline=pipeline,
        )
        self._index(job, owner, pipeline)
        return self._view(job)

    def get(self, job_id: str, wait: float = 0, *, owner: str | None = None) -> dict:
        """The job now, or as soon as it ends if that is within `wait` seconds.

        With `owner`, another owner's job is not found, exactly like an unknown one.
        """
        view, result = self.read(job_id, wait, owner=owner)
        if "result" in view:
            view["result"] = json.loads(result) if result is not None else None
        return view

    def read(
        self, job_id: str, wait: float = 0, *, owner: str | None = None
    ) -> tuple[dict, bytes | None]:
        """Like `get`, but the result is left as the JSON it is stored as, for the API to
        send as it is (None when the job has none); the view holds `result: None` for it."""
        view, result = read_view(self.redis, job_id, owner)
        if wait <= 0 or view["status"] in ENDED:
            return view, result  # the common poll: one round trip
        # Wait for the message of the job's end (newsdesk.queueing), which wakes the poll
        # at once; the job is read again once the subscription is in place, for an end
        # that came before it.
        self.ends.wait(job_id, wait, lambda: self._has_ended(job_id))
        return read_view(self.redis, job_id)

    def _has_ended(self, job_id: str) -> bool:
        """Whether the job has ended or is gone: its end marker, or its status, which also
        covers a job ended by a writer that announces nothing."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(ended_key(job_id))
            rqstore.read_status(pipe, job_id)
            marker, status = pipe.execute()
        return bool(marker) or status is None or status_of(status.decode()) in ENDED

    def similar(self, job_id: str, *, owner: str | None = None) -> dict:
        """Jobs similar to this one now, looked up afresh: later jobs are found too."""
        job = self._fetch(job_id, owner)
        index = DuplicateIndex.for_owner(self.redis, job.meta.get("owner", ANONYMOUS), self.config)
        record = index.record(job.id)
        if record is None:
            return {"job_id": job.id, "indexed": False, "matches": []}
        matches = index.lookup(record.fingerprint, exclude=job.id)
        return {"job_id": job.id, "indexed": True, "matches": matches}

    def _fetch(self, job_id: str, owner: str | None = None) -> Job:
        check_id(job_id)
        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=SERIALIZER)
        except NoSuchJobError:
            raise JobNotFound(job_id) from None
        if owner is not None and job.meta.get("owner", ANONYMOUS) != owner:
            raise JobNotFound(job_id)
        return job

    # --- job control: cancel, list by owner ---

    def _index(self, job: Job, owner: str, pipeline: Pipeline | None = None) -> None:
        """Add the job to its owner's list, and drop entries too old to be kept anyway.

        An owner that never lists its jobs must not grow its index for ever: a job is
        gone a TTL after it ends, so anything created longer ago than the longest TTL,
        a whole job run and a day in the queue is dropped (listing also drops the
        ids of expired jobs it meets).
        """
        created = job.created_at.timestamp() if job.created_at else time.time()
        horizon = max(self.config.result_ttl, self.config.failure_ttl)
        horizon += self.config.job_timeout + _QUEUE_SLACK
        key = OWNER_INDEX.format(owner)
        if pipeline is not None:  # written when the caller's pipeline runs
            pipeline.zadd(key, {job.id: created})
            pipeline.zremrangebyscore(key, "-inf", f"({created - horizon!r}")
            return
        with self.redis.pipeline(transaction=False) as pipe:
            self._index(job, owner, pipe)
            pipe.execute()

    def cancel(self, job_id: str, owner: str) -> dict:
        """Cancel a queued job (it never runs) or ask a running one to stop.

        A queued job is `canceled` at once. A running job stops before its next analysis
        step (see newsdesk.jobcontrol); until then it shows `started`.
        """
        job = self._fetch(job_id, owner)
        status = status_of(job.get_status(refresh=False))
        if status in ENDED:
            raise JobEnded(status)
        # The flag first: a worker taking the job right now sees it before the first step.
        request_cancel(self.redis, job.id, self.config.job_timeout + self.config.failure_ttl)
        if status == "queued":
            with self.redis.pipeline() as pipe:
                job.meta["canceled"] = True
                job.meta["canceled_at"] = iso(datetime.now(UTC))
                job.save_meta()
                job.cancel(pipeline=pipe)
                pipe.expire(job.key, self.config.failure_ttl)
                jobmetrics.record_job(pipe, job.origin, "canceled", {})
                announce_end(pipe, job.id)  # wakes its long-polls
                if job.meta.get("webhook"):  # it has ended: its callback hears of it too
                    queue_delivery(self.redis, self.config, job.id, owner, pipeline=pipe)
                pipe.execute()
        return self._view(self._fetch(job_id, owner))

    def list(
        self, owner: str, *, status: str | None = None, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[dict], str | None]:
        """`owner`'s jobs, newest first: one page and the cursor of the next (None at the end).

        Ids of expired jobs are dropped from the index as they are met. With a status
        filter, at most `_SCAN_LIMIT` entries are read per call, so a page may hold fewer
        than `limit` jobs and still have a next cursor.
        """
        key = OWNER_INDEX.format(owner)
        after = _decode_cursor(cursor) if cursor else None
        top: float | str = after[0] if after else "+inf"
        page: list[dict] = []
        last: tuple[float, str] | None = None
        scanned = 0
        offset = 0
        while len(page) < limit and scanned < _SCAN_LIMIT:
            entries = self.redis.zrevrangebyscore(
                key, top, "-inf", start=offset, num=_SCAN_BATCH, withscores=True
            )
            if not entries:
                return page, None
            ids = [(member.decode(), score) for member, score in entries]
            if after:  # same score as the cursor: skip those at or before it
                ids = [(i, s) for i, s in ids if s < after[0] or i < after[1]]
            jobs = Job.fetch_many([i for i, _ in ids], connection=self.redis, serializer=SERIALIZER)
            gone = [i for (i, _), job in zip(ids, jobs, strict=True) if job is None]
            if gone:
                self.redis.zrem(key, *gone)
            offset += len(entries) - len(gone)  # the removed ones no longer take a place
            for (job_id, score), job in zip(ids, jobs, strict=True):
                scanned += 1
                last = (score, job_id)
                if job is None:
                    continue
                view = self._view(job, with_result=False)
                if status is None or view["status"] == status:
                    page.append(view)
                    if len(page) == limit:
                        break
                if scanned >= _SCAN_LIMIT:
                    break
            if len(entries) < _SCAN_BATCH and len(page) < limit and scanned < _SCAN_LIMIT:
                return page, None
        if last is None or not self._more_after(key, last):
            return page, None
        return page, _encode_cursor(*last)

    def _more_after(self, key: str, last: tuple[float, str]) -> bool:
        """Whether the index holds an entry older than `last`, so a next page exists."""
        score, job_id = last
        if self.redis.zcount(key, "-inf", f"({score!r}"):
            return True
        same = self.redis.zrangebyscore(key, score, score)
        return any(member.decode() < job_id for member in same)

    # --- end job control ---

    def _view(self, job: Job, *, with_result: bool = True) -> dict:
        return describe_job(job, with_result=with_result)

    # --- result reuse, batches and webhook deliveries -----------------------------------

    def _reuse_key(self, owner: str, article: dict[str, Any], analyses: list[str]) -> str:
        """SHA-256 of the canonical request, or "" when an analysis asked for is not reusable."""
        if not set(analyses) <= REUSABLE_ANALYSES:
            return ""
        return hashlib.sha256(canonical_request(owner, article, analyses)).hexdigest()

    def _reuse(
        self,
        job_id: str,
        article: dict[str, Any],
        analyses: list[str],
        meta: dict[str, Any],
        reuse_key: str,
        pipeline: Pipeline,
    ) -> tuple[Job, Any] | None:
        """A new job, finished with the result of an identical finished job, and that result;
        or None. The job is written on `pipeline`.

        Workers record `reuse key -> job id` when a job finishes (workers.worker). The new job
        is written the way RQ stores a finished one (job hash, result, finished registry, TTL),
        so reading it, expiring it and counting it behave as for any other job; /metrics counts
        it as finished, and as reused. Nothing is queued and no model runs; `timings` stays
        empty, since nothing ran.
        """
        earlier_id = self.redis.get(REUSE_KEY_PREFIX + reuse_key)
        if earlier_id is None:
            return None
        try:
            earlier = Job.fetch(earlier_id.decode(), connection=self.redis, serializer=SERIALIZER)
        except NoSuchJobError:
            return None
        if earlier.get_status(refresh=False) != JobStatus.FINISHED:
            return None
        if earlier.meta.get("owner", ANONYMOUS) != meta["owner"]:
            return None  # the key includes the owner; this guards against a stale mapping
        result = earlier.return_value()
        if result is None:
            return None
        now = datetime.now(UTC)
        job = Job.create(
            JOB_FUNCTION,
            args=({**article, "analyses": analyses},),
            connection=self.redis,
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.failure_ttl,
            status=JobStatus.FINISHED,
            description=_description(article),
            timeout=self.config.job_timeout,
            id=job_id,
            origin=self.queue.name,
            meta={**meta, "cached": True, "cached_from": earlier.id},
            serializer=SERIALIZER,
        )
        job.enqueued_at = job.started_at = job.ended_at = now
        rqstore.store_finished(job, result, self.config.result_ttl, pipeline)
        jobmetrics.record_reused(pipeline, job.origin)
        return job, result

    def enqueue_delivery(self, job_id: str, owner: str) -> str:
        """Queue the webhook delivery of an ended job (see newsdesk.queueing.queue_delivery)."""
        return queue_delivery(self.redis, self.config, job_id, owner)

    def create_batch(
        self,
        owner: str,
        jobs: list[dict[str, Any]],
        errors: list[dict[str, Any]],
        callback_url: str | None,
        batch_id: str,
        pipeline: Pipeline | None = None,
    ) -> dict:
        """Store a batch: who made it, its jobs (index and id) and its refused articles; with
        `pipeline`, when the caller executes it (with the batch's jobs, see `transaction`)."""
        batch = {
            "id": batch_id,
            "owner": owner,
            "created_at": iso(datetime.now(UTC)),
            "callback_url": callback_url,
            "jobs": [{"index": job["index"], "id": job["id"]} for job in jobs],
            "errors": errors,
        }
        (pipeline if pipeline is not None else self.redis).set(
            BATCH_KEY_PREFIX + batch["id"],
            json.dumps(batch, separators=(",", ":")),
            ex=self.config.result_ttl,
        )
        return batch

    def get_batch(self, batch_id: str, owner: str) -> dict:
        """The batch with each job's status now; another owner's batch is not found."""
        try:
            uuid.UUID(batch_id)
        except ValueError:
            raise BatchNotFound(batch_id) from None
        raw = self.redis.get(BATCH_KEY_PREFIX + batch_id)
        if raw is None:
            raise BatchNotFound(batch_id)
        batch = json.loads(raw)
        if batch["owner"] != owner:
            raise BatchNotFound(batch_id)
        # Only each job's status field, in one round trip: not 100 whole jobs with their texts.
        with self.redis.pipeline(transaction=False) as pipe:
            for entry in batch["jobs"]:
                rqstore.read_status(pipe, entry["id"])
            statuses = pipe.execute()
        for entry, raw in zip(batch["jobs"], statuses, strict=True):
            entry["status"] = "expired" if raw is None else status_of(raw.decode())
        return batch


def _description(article: dict[str, Any]) -> str:
    return f"analyze article ({len(article.get('text', ''))} chars)"


def canonical_request(owner: str, article: dict[str, Any], analyses: list[str]) -> bytes:
    """The bytes that make two requests the same analysis: sorted keys, no whitespace."""
    fields = {key: value for key, value in article.items() if key != "analyses"}
    document = {"owner": owner, "article": fields, "analyses": sorted(analyses)}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
