"""The HTTP API: validates requests, queues jobs on Redis, reads them back. No NLP here."""
