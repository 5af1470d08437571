"""The OpenAPI document and Swagger UI, served entirely from this server (no CDN: the
service runs without internet). The Swagger UI files come from the swagger-ui-bundle package.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template_string,
    send_from_directory,
    url_for,
)
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from service.openapi import spec_dict, spec_yaml

# Only what the page loads; nothing else from the bundle is served.
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
)
ASSET_MAX_AGE = 24 * 3600

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ title }}</title>
  <link rel="stylesheet" href="{{ asset('swagger-ui.css') }}">
  <link rel="icon" type="image/png" href="{{ asset('favicon-32x32.png') }}" sizes="32x32">
</head>
<body>
  <p style="margin: 12px 20px 0; font-family: sans-serif;">
    Try the API on one article: <a href="{{ playground_url }}">the article desk</a>
  </p>
  <div id="swagger-ui"></div>
  <script src="{{ asset('swagger-ui-bundle.js') }}"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: {{ spec_url | tojson }},
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null  // the default would send our spec to an outside validator
    });
  </script>
</body>
</html>
"""


def blueprint() -> Blueprint:
    blp = Blueprint("docs", __name__)

    @blp.get("/openapi.json")
    def openapi_json() -> Response:
        return jsonify(spec_dict(current_app))

    @blp.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        return current_app.response_class(spec_yaml(current_app), mimetype="application/yaml")

    @blp.get("/docs")
    def swagger_ui() -> str:
        return render_template_string(
            _PAGE,
            title=f"{spec_dict(current_app)['info']['title']} API",
            spec_url=url_for("docs.openapi_json"),
            playground_url=url_for("playground.page"),
            asset=lambda name: url_for("docs.asset", filename=name),
        )

    @blp.get("/docs/")
    def swagger_ui_slash() -> WerkzeugResponse:
        # The page lives at /docs (its links are absolute); /docs/ is a common way to type it.
        return redirect(url_for("docs.swagger_ui"), code=308)

    @blp.get("/docs/assets/<filename>")
    def asset(filename: str) -> Response:
        if filename not in ASSETS:
            raise NotFound()
        return send_from_directory(swagger_ui_path, filename, max_age=ASSET_MAX_AGE)

    return blp
