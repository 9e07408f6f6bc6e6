"""The regulator console (监管工作台): a browser front end on the API's commands and views.

`install(app, services)` mounts the blueprint at `/console`, configures the session cookie
(`supervision.console.session`) and CSRF protection (Flask-WTF's `CSRFProtect`, checked only by the
console's own POSTs: the JSON API stays bearer-token only). See `docs/console.md`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from supervision.console import imports, session
from supervision.console.env import console_env
from supervision.console.pages import blp, csrf


def install(app: Flask, services: Any) -> None:
    # a malformed ELDERCARE_CONSOLE_IMPORT_MAX_BYTES stops the start, not an upload
    imports.max_bytes(console_env(services))
    session.configure(app, services)
    # the API's POSTs carry bearer tokens, never cookies: CSRF is checked only where the console asks
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the (idle-limited) session
    csrf.init_app(app)
    app.register_blueprint(blp)
    # the upload's own size limit, set before the app's door reads any body (first of the hooks)
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _upload_limit() -> None:
    if request.endpoint == "console.import_upload":
        request.max_content_length = imports.max_bytes()


__all__ = ["install"]
