"""A small Python client for the Newsdesk API, and webhook signature checks for receivers.

Only httpx and the standard library: a service calling Newsdesk installs the package and
imports this module without pulling in the web tier or the NLP stack.

    client = Client("http://127.0.0.1:8000", api_key="nd_...")
    job = client.wait(client.submit("Article text ...")["id"], timeout=60)

Webhook signatures follow Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256>`
of `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the base64-decoded part of the
`whsec_` secret. `sign_webhook` is the delivery worker's own (newsdesk.webhooks), so signer
and verifier cannot drift apart.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

from newsdesk.webhooks import sign_webhook

ENDED = frozenset({"finished", "failed", "canceled"})
# The API holds a long-poll for at most NEWSDESK_MAX_WAIT (30 s by default).
LONG_POLL_SECONDS = 20.0


class NewsdeskError(Exception):
    """The API answered with an error; `problem` is its problem+json document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


class WebhookVerificationError(ValueError):
    """A webhook whose signature or timestamp does not check out: do not trust its body."""


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    tolerance: int = 300,
) -> dict[str, Any]:
    """The delivered job, once its signature and timestamp check out; raises otherwise.

    `tolerance` is how many seconds the timestamp may be away from now: an older delivery
    could be a replay of one captured earlier.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        msg_id = lowered["webhook-id"]
        raw_timestamp = lowered["webhook-timestamp"]
        signatures = lowered["webhook-signature"]
    except KeyError as exc:
        raise WebhookVerificationError(f"missing header {exc.args[0]}") from None
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a whole number") from None
    if abs(time.time() - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    raw = body.encode() if isinstance(body, str) else body
    expected = sign_webhook(secret, msg_id, timestamp, raw)
    # The header may list several signatures (during a secret rotation); one must match.
    if not any(hmac.compare_digest(expected, given) for given in signatures.split()):
        raise WebhookVerificationError("no signature matches")
    return json.loads(raw)


class Client:
    """Submit articles and batches, wait for jobs, iterate over results; cancel, list and
    compare jobs."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http.request(method, path, **kwargs)
        if response.is_error:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:200]}
            raise NewsdeskError(response.status_code, problem)
        return response.json()

    @staticmethod
    def _idempotency(key: str | None) -> dict[str, str]:
        return {"Idempotency-Key": key} if key else {}

    def submit(self, text: str, *, idempotency_key: str | None = None, **fields: Any) -> dict:
        """Queue one article (`title`, `analyses`, `options`, `callback_url`... as keywords)."""
        return self._call(
            "POST",
            "/v1/articles",
            json={"text": text, **fields},
            headers=self._idempotency(idempotency_key),
        )

    def job(self, job_id: str, wait: float = 0) -> dict:
        return self._call("GET", f"/v1/jobs/{job_id}", params={"wait": wait} if wait else None)

    def cancel(self, job_id: str) -> dict:
        """Cancel a job (DELETE /v1/jobs/{id}) and return it as the API answered.

        A queued job comes back `canceled`: it never runs. A running one comes back still
        `started`: it stops before its next analysis step, so `wait` for it, and it ends
        `canceled` (or `finished`, when its last step was already under way). A job that
        has already ended raises NewsdeskError with status 409; an unknown one, 404.
        """
        return self._call("DELETE", f"/v1/jobs/{job_id}")

    def list_jobs(
        self, *, status: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> dict:
        """One page of this key's jobs, newest first (GET /v1/jobs): `jobs` and `next_cursor`.

        The jobs come without `result` (read one with `job`). Pass `next_cursor` back as
        `cursor` for the next page, until it is None. `status` keeps the jobs in one state
        (`queued`, `started`, `finished`, `failed`, `canceled`); a page may then hold fewer
        than `limit` (1 to 100, the API's default 20) and still have a next one.
        """
        params = {"status": status, "limit": limit, "cursor": cursor}
        return self._call(
            "GET", "/v1/jobs", params={k: v for k, v in params.items() if v is not None}
        )

    def similar(self, job_id: str) -> dict:
        """This key's jobs whose article is the same or much the same as the job's
        (GET /v1/jobs/{id}/similar): `job_id`, `indexed` and `matches`, most similar first.

        Unlike the job's own `result["duplicates"]`, which lists the jobs before it, this
        also lists later ones. Only jobs that asked for the `duplicates` analysis are
        compared: `indexed` is False, and `matches` empty, for a job still queued or
        running, one that failed or did not ask for it, or one too short to compare.
        """
        return self._call("GET", f"/v1/jobs/{job_id}/similar")

    def wait(self, job_id: str, timeout: float = 60.0) -> dict:
        """The job once it has ended; TimeoutError if it has not within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            job = self.job(job_id, wait=round(max(0.0, min(LONG_POLL_SECONDS, remaining)), 3))
            if job["status"] in ENDED:
                return job
            if time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {job['status']} after {timeout} s")

    def batch(
        self,
        articles: Iterable[Mapping[str, Any]],
        *,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict:
        """Queue up to 100 articles at once; invalid ones are listed in the batch's `errors`."""
        body: dict[str, Any] = {"articles": [dict(article) for article in articles]}
        if callback_url:
            body["callback_url"] = callback_url
        return self._call(
            "POST", "/v1/batches", json=body, headers=self._idempotency(idempotency_key)
        )

    def get_batch(self, batch_id: str) -> dict:
        return self._call("GET", f"/v1/batches/{batch_id}")

    def iter_results(
        self, jobs: str | Iterable[str], *, timeout: float = 600.0, poll: float = 0.5
    ) -> Iterator[dict]:
        """Each job as it ends (finished or failed), in the order they end.

        `jobs` is a batch id or an iterable of job ids. A batch is followed through
        GET /v1/batches/{id}, one request a round whatever its size.
        """
        batch_id = jobs if isinstance(jobs, str) else None
        pending = set() if batch_id else set(jobs)  # type: ignore[arg-type]
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while True:
            if batch_id is not None:
                listed = self.get_batch(batch_id)["jobs"]
                # an expired job is gone from the server: nothing left to yield for it
                seen.update(j["id"] for j in listed if j["status"] == "expired")
                ended = [j["id"] for j in listed if j["status"] in ENDED and j["id"] not in seen]
                left = sum(1 for j in listed if j["id"] not in seen) - len(ended)
            else:
                ended = []
                for job_id in list(pending):
                    job = self.job(job_id)
                    if job["status"] in ENDED:
                        pending.discard(job_id)
                        seen.add(job_id)
                        yield job
                left = len(pending)
            for job_id in ended:
                seen.add(job_id)
                yield self.job(job_id)
            if left == 0:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{left} job(s) still running after {timeout} s")
            time.sleep(poll)
