"""The console's settings (`ELDERCARE_CONSOLE_*`): the environment over the configuration file.

`Settings.from_env` keeps the file's `ELDERCARE_CONSOLE_*` values (`Settings.extra`); the console reads
them through `console_env`, with the process environment winning, as it does for every setting.
Before, the console read `os.environ` only, so those keys in `eldercare.toml` were silently ignored.
"""

from __future__ import annotations

import os
from typing import Any

from infra.settings import read_switch as switch  # the one reader of on/off variables

__all__ = ["PREFIX", "console_env", "switch"]

PREFIX = "ELDERCARE_CONSOLE_"


def console_env(services: Any = None) -> dict[str, str]:
    """The console's variables: the configuration file's, overridden by the environment's.
    `services` defaults to the current app's (none outside a request or app context)."""
    if services is None:
        from flask import current_app, has_app_context

        services = current_app.extensions.get("eldercare") if has_app_context() else None
    extra = getattr(getattr(services, "settings", None), "extra", None) or {}
    return {**{k: v for k, v in extra.items() if k.startswith(PREFIX)}, **os.environ}
