"""The article desk: a page for trying Newsdesk on one article, served by the API itself.

It is plain HTML, CSS and one script from the package (service/playground/): no CDN and no
build step, so it works where the service runs without internet. The page is a client of
the public API like any other (POST /v1/articles, then a long-poll of the job), with the
caller's own key; it has no privileges of its own.

The article is untrusted input, shown back to the newsroom: the page builds its DOM from text
nodes only, and its Content-Security-Policy allows nothing but this server's own files, so
markup in an article can be displayed but never run. The policy is sent on these routes
only: the Swagger UI at /docs needs an inline script.

These are HTML routes, not part of the API contract, so they stay out of the OpenAPI document
(a plain Flask blueprint, not a flask-smorest one).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, send_from_directory, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from newsdesk.settings import Config

PAGE_DIR = Path(__file__).resolve().parent.parent / "playground"
PAGE = "index.html"
# Only these files are served; anything else under /playground/ is a 404.
ASSETS = frozenset({"desk.css", "desk.js"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # A job's id is in the page's address; no other host needs to see it.
    "Referrer-Policy": "no-referrer",
}


def blueprint() -> Blueprint:
    blp = Blueprint("playground", __name__)

    @blp.after_request
    def _secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @blp.get("/playground")
    def page() -> Response:
        # Revalidated on each load (ETag), so a new version of the page is never mixed
        # with an old script.
        return send_from_directory(PAGE_DIR, PAGE, max_age=0)

    @blp.get("/playground/")
    def page_slash() -> WerkzeugResponse:
        # The page's links are relative to /playground; /playground/ would break them.
        return redirect(url_for("playground.page"), code=308)

    @blp.get("/playground/config.json")
    def config() -> Response:
        """What the page needs to know before its first call: whether to ask for a key."""
        settings: Config = current_app.extensions["newsdesk.config"]
        return jsonify(
            {"auth_required": settings.auth != "disabled", "max_wait": settings.max_wait}
        )

    @blp.get("/playground/<filename>")
    def asset(filename: str) -> Response:
        if filename not in ASSETS:
            raise NotFound()
        return send_from_directory(PAGE_DIR, filename, max_age=0)

    return blp
