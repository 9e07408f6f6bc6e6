"""The regulator console (监管工作台): a browser front end on the API's commands and views.

`install(app, services)` mounts the blueprint at `/console`, configures the session cookie
(`supervision.console.session`) and CSRF protection (Flask-WTF's `CSRFProtect`, checked only by the
console's own POSTs: the JSON API stays bearer-token only). See `docs/console.md`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from supervision.console import session
from supervision.console.pages import blp, csrf


def install(app: Flask, services: Any) -> None:
    session.configure(app, services)
    # the API's POSTs carry bearer tokens, never cookies: CSRF is checked only where the console asks
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the (idle-limited) session
    csrf.init_app(app)
    app.register_blueprint(blp)


__all__ = ["install"]
