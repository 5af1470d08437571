"""The RQ job class an analysis worker runs: RQ's own, with less written at the start and end.

RQ's `Job` rewrites the whole job hash when a job finishes, the article included (compressed
again, and sent back to Redis unchanged), and serializes the return value a second time for
its result stream, right after the job's own check (workers.validation) made the same JSON
of it. A finished analysis job here writes only the fields that changed and stores the JSON
text the check made. What ends up in Redis is the same: the same job hash fields and values,
the same entry in the job's result stream (`tests/test_worker_writes.py` compares the two).

Failed, stopped and retried jobs go through RQ's own code: they are rare, and they write more.
"""

from __future__ import annotations

from base64 import b64encode
from datetime import datetime
from typing import Any

from redis.client import Pipeline
from rq.job import Job, JobStatus, _job_stack
from rq.results import Result
from rq.utils import utcformat


class CheckedResult(Result):
    """RQ's Result of a finished job, stored with JSON text made earlier (`payload`).

    The fields and their order are those of `Result.serialize` for a successful job.
    """

    def __init__(self, *args: Any, payload: bytes | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payload = payload

    def serialize(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type.value, "worker_name": self.worker_name}
        if self.payload is not None:  # RQ leaves it out for a job that returned None
            data["return_value"] = b64encode(self.payload).decode()
        if self.execution_id:
            data["execution_id"] = self.execution_id
        if self.execution_started_at:
            data["execution_started_at"] = self.execution_started_at.timestamp()
        if self.execution_ended_at:
            data["execution_ended_at"] = self.execution_ended_at.timestamp()
        return data


class AnalysisJob(Job):
    """An RQ Job whose start and end write only what changes.

    `result_json`: the return value as the job's serializer would write it, set by the job
    function when it already has it (workers.jobs: the result check makes it); None
    otherwise, and the return value is serialized as RQ does.
    """

    result_json: bytes | None = None

    def perform(self) -> Any:
        """RQ's `perform` without its PERSIST of the job key: the worker sends that in the
        transaction that starts the job (workers.worker.LeasedWorker.prepare_execution)."""
        _job_stack.push(self)
        try:
            self._result = self._execute()
        finally:
            assert self is _job_stack.pop()
        return self._result

    def _handle_success(
        self,
        result_ttl: int,
        pipeline: Pipeline,
        worker_name: str = "",
        execution_id: str | None = None,
        execution_started_at: datetime | None = None,
        execution_ended_at: datetime | None = None,
    ) -> None:
        """What RQ writes for a finished job, less the fields that did not change.

        RQ saves the whole hash here (`include_meta=False`); since the job was read, only
        its status, times, heartbeat and worker have changed, so only they are written.
        """
        self._status = JobStatus.FINISHED
        pipeline.hset(
            self.key,
            mapping={
                "status": self._status,
                "started_at": utcformat(self.started_at) if self.started_at else "",
                "ended_at": utcformat(self.ended_at) if self.ended_at else "",
                "last_heartbeat": utcformat(self.last_heartbeat) if self.last_heartbeat else "",
                "worker_name": self.worker_name or "",
            },
        )
        payload = self.result_json
        if payload is None and self._result is not None:
            payload = self.serializer.dumps(self._result)
        result = CheckedResult(
            job_id=self.id,
            type=Result.Type.SUCCESSFUL,
            connection=self.connection,
            worker_name=worker_name,
            serializer=self.serializer,
            execution_id=execution_id,
            execution_started_at=execution_started_at,
            execution_ended_at=execution_ended_at,
            payload=payload,
        )
        result.save(ttl=result_ttl, pipeline=pipeline)
        if result_ttl != 0:
            self.finished_job_registry.add(self, result_ttl, pipeline)
