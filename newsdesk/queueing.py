"""What the API and the workers must agree on about the queue, in one place.

The API refers to the job function by its dotted path so that it never imports
the analysis code (and with it spaCy); both sides use the JSON serializer so that
jobs in Redis are plain data, readable by any tool.
"""

from __future__ import annotations

from rq.serializers import JSONSerializer

JOB_FUNCTION = "workers.jobs.analyze_article"
SERIALIZER = JSONSerializer

# Redis keys the API and the workers share (issue 6, part B).
# reuse key (SHA-256 of a canonical request) -> id of the finished job with its result
REUSE_KEY_PREFIX = "newsdesk:reuse:"
# batch id -> the batch as JSON (owner, jobs, refused articles)
BATCH_KEY_PREFIX = "newsdesk:batch:"
