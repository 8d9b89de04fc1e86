"""Logging set-up: the app's loggers at ``LOG_LEVEL``, one line per record on stderr.

Configured with :func:`logging.config.dictConfig` on the project's own
top-level loggers (``faellesskab``, ``api``, ``catalogue``, ``indexer``,
``matcher``), not the root logger, so gunicorn's and the test runner's
handlers stay as they are. Records still propagate to the root logger, which
has no handler in production, so each record is written once.
"""

from __future__ import annotations

import logging.config

#: The project's top-level logger names (``faellesskab.access`` is the access log).
LOGGERS = ("faellesskab", "api", "catalogue", "indexer", "matcher")
FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def configure(level: str) -> None:
    """Apply ``level`` (``"DEBUG"`` … ``"CRITICAL"``); safe to call again (handlers are replaced, not added)."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"line": {"format": FORMAT}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "line"}
            },
            "loggers": {name: {"level": level, "handlers": ["stderr"], "propagate": True} for name in LOGGERS},
        }
    )
