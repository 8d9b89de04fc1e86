"""A gunicorn app for the overload test: the real app, the fake embedder, and each match made
to take ``SLOW_MATCH_S`` seconds (a stand-in for a busy model), so a handful of clients overload
one worker on any machine. FOR TESTS ONLY: ``gunicorn 'tests.api.slow_app:create()'``."""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask

from api import create_app


def create() -> Flask:
    app = create_app()
    matcher, pause = app.extensions["matcher"], float(os.environ.get("SLOW_MATCH_S", "1"))
    real = matcher.match

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(pause)  # like a model call: the GIL is free meanwhile
        return real(*args, **kwargs)

    matcher.match = slow
    return app
