"""Configuration: defaults, then environment, then test config.

Every setting can be given as ``FAELLESSKAB_<NAME>`` (values are parsed as
JSON when they look like JSON, as Flask's ``from_prefixed_env`` does). The
three settings that deployments conventionally name without a prefix,
``DATABASE_URL``, ``ELASTICSEARCH_URL`` and ``EMBEDDING_MODEL``, are also
read unprefixed; the prefixed form wins when both are set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

PREFIX = "FAELLESSKAB"
UNPREFIXED = ("DATABASE_URL", "ELASTICSEARCH_URL", "EMBEDDING_MODEL")

#: name -> (default, description). The README's configuration table is this.
SETTINGS: dict[str, tuple[Any, str]] = {
    "DATA_DIR": (
        None,
        "Where the SQLite file, the embedded search index and the prepared model live. Default: the Flask instance folder.",
    ),
    "DATABASE_URL": (
        None,
        "SQLAlchemy URL of the store of record, e.g. postgresql://user@host/db. Default: SQLite in DATA_DIR.",
    ),
    "ELASTICSEARCH_URL": (None, "Use Elasticsearch at this URL instead of the embedded search engine."),
    "EMBEDDING_MODEL": (
        None,
        "A sentence-transformers model name or local path. Default: the model prepared in DATA_DIR/models.",
    ),
    "ELASTICSEARCH_PREFIX": ("faellesskab", "Prefix of the Elasticsearch alias and index names."),
    "EMBEDDING_DIM": (384, "Dimension of the embedding model (384 for multilingual-e5-small)."),
    "SECRET_KEY": (
        None,
        "Signs the navigators' session cookie. Default: a random secret made once in DATA_DIR/secret_key.",
    ),
    "LOG_LEVEL": ("INFO", "Python log level."),
    "RATE_MATCH": ("30/60", "Match requests per key: burst/seconds to refill it (per worker process)."),
    "RATE_WRITE": ("120/60", "Write requests per key: burst/seconds to refill it (per worker process)."),
    "ACCESS_LOG_DB": (True, "Also keep the access log in the database (table access_event)."),
    "HSDS_PROFILE_URL": (None, "The `profile` announced by GET /hsds/ (default: the HSDS 3.0 documentation)."),
    "HSDS_CACHE_SECONDS": (60, "How long the public HSDS feed reuses converted services (0: never)."),
}


#: Fixed settings of flask-smorest (the OpenAPI document and Swagger UI).
OPENAPI = {
    "API_TITLE": "Fællesskabsmatch",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    "JSON_SORT_KEYS": False,
}


def _local_secret(data_dir: Path) -> str:
    """A random secret kept in the data directory (readable by its owner only),
    made the first time, so sessions survive restarts without configuration."""
    path = data_dir / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secret)
        return secret


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.update(OPENAPI)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for name, (default, _) in SETTINGS.items():
        if app.config.get(name) is None:  # Flask itself predefines some keys as None
            app.config[name] = default
    for name in UNPREFIXED:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env(prefix=PREFIX)
    if test_config:
        app.config.update(test_config)
    data_dir = Path(app.config["DATA_DIR"] or app.instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _local_secret(data_dir)
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{data_dir / 'faellesskab.sqlite'}"
