"""Check a `callback_url` when it is submitted: a 422 naming the field, never a request
from inside our network to wherever a client points us (SSRF)."""

from __future__ import annotations

from flask import current_app

from newsdesk.webhooks import UnsafeCallback, allowed_hosts, check_callback_url
from service.problems import Problem


def check_callback(url: str | None, field: str = "callback_url") -> None:
    if not url:
        return
    config = current_app.extensions["newsdesk.config"]
    try:
        check_callback_url(url, allowed_hosts(config.webhook_allowed_hosts))
    except UnsafeCallback as exc:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "Some fields are invalid; see `errors`.",
            errors=[callback_error(field, str(exc))],
        ) from None


def callback_error(field: str, detail: str) -> dict[str, str]:
    pointer = "#/" + field.replace(".", "/")
    return {"field": field, "location": "body", "detail": f"Refused: {detail}.", "pointer": pointer}
