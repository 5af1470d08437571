"""Check a `callback_url` when it is submitted: a 422 naming the field, never a request
from inside our network to wherever a client points us (SSRF)."""

from __future__ import annotations

from flask import current_app

from newsdesk.webhooks import UnsafeCallback, allowed_hosts, check_callback_url
from service.problems import validation_problem


def callback_refusal(url: str | None, field: str, location: str = "body") -> dict[str, str] | None:
    """The field error for an unsafe `url`; None when there is no URL or it is safe.

    `location`: where the client sent it, `body` or `query` (a text body's other fields).
    """
    if not url:
        return None
    config = current_app.extensions["newsdesk.config"]
    try:
        check_callback_url(url, allowed_hosts(config.webhook_allowed_hosts))
    except UnsafeCallback as exc:
        return callback_error(field, str(exc), location)
    return None


def check_callback(url: str | None, field: str = "callback_url", location: str = "body") -> None:
    refusal = callback_refusal(url, field, location)
    if refusal is not None:
        raise validation_problem([refusal])


def callback_error(field: str, detail: str, location: str = "body") -> dict[str, str]:
    error = {"field": field, "location": location, "detail": f"Refused: {detail}."}
    if location == "body":
        error["pointer"] = "#/" + field.replace(".", "/")
    return error
