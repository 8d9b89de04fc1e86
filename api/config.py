"""Configuration: defaults, then environment, then test config — validated at start-up.

Every setting is a field of :class:`Settings` (pydantic-settings) and can be
given as ``FAELLESSKAB_<NAME>``. The three settings that deployments
conventionally name without a prefix, ``DATABASE_URL``, ``ELASTICSEARCH_URL``
and ``EMBEDDING_MODEL``, are also read unprefixed; the prefixed form wins when
both are set. A bad value stops start-up with :class:`ConfigError`, whose
one-line message names the variable and the reason; ``faellesskab`` and
gunicorn print that line and exit 1.

The validated values land in ``app.config`` under their plain names
(``app.config["HSDS_CACHE_SECONDS"]`` is a float, ``app.config["RATE_MATCH"]``
a :class:`Rate`). The README's configuration table is :func:`settings_table`.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit

from flask import Flask
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

PREFIX = "FAELLESSKAB_"
UNPREFIXED = ("DATABASE_URL", "ELASTICSEARCH_URL", "EMBEDDING_MODEL")
#: Their values are never repeated in an error message (passwords, keys).
SECRET = ("DATABASE_URL", "SECRET_KEY")
#: Variables read straight from the environment by other code, not settings of the app:
#: name -> (default, meaning), for the README table.
ENVIRONMENT_ONLY = {
    "FAELLESSKAB_NO_PROGRESS": ("unset", "`1` hides progress bars."),
    "TEST_DATABASE_URL": ("`postgresql://postgres@127.0.0.1:5432/test`", "PostgreSQL server for the tests."),
    "TEST_ELASTICSEARCH_URL": ("unset: start noida-db", "Elasticsearch for the tests."),
}
OTHER_KNOWN = ("FAELLESSKAB_NO_PROGRESS", "FAELLESSKAB_SCREENSHOT_DIR")

log = logging.getLogger("faellesskab.config")


#: The stores of record the service supports (SQLAlchemy backend names).
SUPPORTED_DATABASES = ("sqlite", "postgresql", "postgres")


class ConfigError(Exception):
    """A setting is invalid; ``str(exc)`` is one line naming the variable and the reason."""


class Rate(NamedTuple):
    """A rate limit: at most ``burst`` requests per window of ``seconds``. Written ``"30/60"``."""

    burst: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.burst / self.seconds

    def __str__(self) -> str:
        return f"{self.burst}/{self.seconds:g}"


def parse_rate(value: Any) -> Rate:
    """``"30/60"`` -> ``Rate(30, 60.0)``; raises ValueError (burst a whole number >= 1, seconds > 0)."""
    if isinstance(value, Rate):
        return value
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]}/{value[1]}"
    burst_text, slash, seconds_text = str(value).strip().partition("/")
    try:
        burst, seconds = int(burst_text), float(seconds_text)
    except ValueError:
        raise ValueError("must be burst/seconds, e.g. 30/60") from None
    if not slash or burst < 1 or not 0 < seconds < float("inf"):
        raise ValueError("must be burst/seconds with a burst of at least 1 and seconds above 0, e.g. 30/60")
    return Rate(burst, seconds)


class Settings(BaseModel):
    """Every setting, its type, default and meaning (the README table is made from this)."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="forbid", allow_inf_nan=False)

    DATA_DIR: Path | None = Field(
        default=None,
        description="SQLite file, embedded search index, prepared model, secret key and gunicorn's control socket.",
        json_schema_extra={"default_doc": "`instance/`"},
    )
    DATABASE_URL: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FAELLESSKAB_DATABASE_URL", "DATABASE_URL"),
        description="Store of record, e.g. `postgresql://user:pw@host/db`.",
        json_schema_extra={"default_doc": "SQLite in the data dir"},
    )
    ELASTICSEARCH_URL: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FAELLESSKAB_ELASTICSEARCH_URL", "ELASTICSEARCH_URL"),
        description="Elasticsearch 8.x (http or https URL) for search at scale.",
        json_schema_extra={"default_doc": "unset: embedded engine"},
    )
    ELASTICSEARCH_PREFIX: str = Field(
        default="faellesskab",
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="Prefix of the alias and index names (lower case, digits, `_ . -`).",
    )
    ELASTICSEARCH_TIMEOUT_S: float = Field(
        default=5,
        gt=0,
        le=300,
        description="Seconds an Elasticsearch request may take (never retried); a hung node then costs "
        "one deadline, and after 3 failures in a row calls are refused for 30 s.",
    )
    EMBEDDING_MODEL: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FAELLESSKAB_EMBEDDING_MODEL", "EMBEDDING_MODEL"),
        description="A sentence-transformers model name or local folder; `fake` for tests only.",
        json_schema_extra={"default_doc": "the model prepared in the data dir"},
    )
    EMBEDDING_BACKEND: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx",
        description="Runs the model: `onnx` (fused fp32 graph, about 2x faster, no torch) or `torch`, same vectors; "
        "or `onnx-int8` (int8 graph, about 2.3x faster again, slightly different vectors: run "
        "`faellesskab model prepare --int8` once; the next index sync rebuilds the index).",
    )
    EMBEDDING_DIM: int = Field(
        default=384, gt=0, description="Dimension of the model's vectors (384 for multilingual-e5-small)."
    )
    SECRET_KEY: str | None = Field(
        default=None,
        min_length=16,
        description="Keys the hash of client addresses in the failed sign-in log (at least 16 characters).",
        json_schema_extra={"default_doc": "a random secret made once in `DATA_DIR/secret_key`"},
    )
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Level of the app's logs; `INFO` logs one access line per request."
    )
    RATE_MATCH: Annotated[Rate, NoDecode] = Field(
        default=Rate(30, 60),
        description="Match requests per key: at most burst per window of seconds, counted in the store "
        "and so shared by every worker.",
    )
    RATE_WRITE: Annotated[Rate, NoDecode] = Field(
        default=Rate(120, 60), description="Write requests per key, likewise."
    )
    MATCH_CONCURRENCY: int = Field(
        default=2,
        ge=1,
        le=256,
        description="Matches computed at once per worker; more wait (see `MATCH_QUEUE_S`), other requests do not.",
    )
    MATCH_QUEUE_S: float = Field(
        default=2,
        ge=0,
        le=60,
        description="Seconds a match may wait for its turn before it gets 503 with `Retry-After`.",
    )
    MATCH_WAITING: int = Field(
        default=4,
        ge=0,
        le=1024,
        description="Matches that may wait for their turn per worker; one more gets 503 with `Retry-After` "
        "at once, before its key is checked or its body read.",
    )
    WRITE_LOCK_S: float = Field(
        default=3,
        gt=0,
        le=60,
        description="Seconds after it starts that a request (other than a match) may wait for the store's write "
        "lock; then it gets 503 with `Retry-After` instead of queueing until its client gives up.",
    )
    ACCESS_LOG_DB: bool = Field(
        default=True, description="Keep the access log of keyed requests in the database too (`true`/`false`)."
    )
    MAX_UPLOAD_MB: float = Field(
        default=20,
        gt=0,
        description="Largest request body in MiB (Flask's `MAX_CONTENT_LENGTH`); a larger one gets 413 unread.",
    )
    HSDS_PROFILE_URL: str | None = Field(
        default=None,
        description="`profile` announced by `GET /hsds/`.",
        json_schema_extra={"default_doc": "the HSDS 3.0 docs"},
    )
    HSDS_CACHE_SECONDS: float = Field(
        default=60, ge=0, description="How long the HSDS feed reuses converted services, in seconds (0: never)."
    )
    SECURE_COOKIES: bool = Field(
        default=False,
        description="Mark the session cookie `Secure` (set it behind TLS; a request that came over https gets it anyway).",
    )
    SESSION_IDLE_MINUTES: float = Field(
        default=30, gt=0, description="A web session ends after this many minutes without a request."
    )
    AUTH_FAILURE_LIMIT: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins or rejected keys per client address in 10 minutes before it must wait (30 s, doubling).",
    )
    CAPACITY_BASELINE: date | None = Field(
        default=None,
        description="Start of the pilot (`YYYY-MM-DD`): capacity growth and what counts as new are measured from it.",
        json_schema_extra={"default_doc": "the day of the first recorded offer"},
    )

    @field_validator("RATE_MATCH", "RATE_WRITE", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> Rate:
        return parse_rate(value)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                backend = make_url(value).get_backend_name()
            except ArgumentError:
                raise ValueError("not a database URL, e.g. postgresql://user:pw@host/db") from None
            if backend not in SUPPORTED_DATABASES:
                raise ValueError(
                    f"{backend!r} databases are not supported; use postgresql://user:pw@host/db or sqlite:///path"
                )
        return value or None

    @field_validator("DATA_DIR")
    @classmethod
    def _data_dir(cls, value: Path | None) -> Path | None:
        """The directory must exist or be creatable (it is created here, as every start would)."""
        if value is None:
            return None
        if value.exists() and not value.is_dir():
            raise ValueError("is a file, not a directory")
        try:
            value.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot be created ({exc.strerror})") from None
        return value

    @field_validator("ELASTICSEARCH_URL")
    @classmethod
    def _es_url(cls, value: str | None) -> str | None:
        if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
            raise ValueError("must be an http:// or https:// URL")
        return value or None


class EnvSettings(BaseSettings, Settings):
    """:class:`Settings` read from the environment."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, case_sensitive=True, extra="ignore")


def read_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from the environment, then ``overrides`` (keys that are not settings are ignored).

    Raises ConfigError naming the variable (or the override key) and the reason."""
    try:
        env = EnvSettings()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, from_env=True)) from None
    except SettingsError as exc:  # a value the source could not even decode
        raise ConfigError(f"Invalid setting: {exc}") from None
    given = {k: v for k, v in (overrides or {}).items() if k in Settings.model_fields}
    if not given:
        return Settings.model_validate(values(env))
    try:
        return Settings.model_validate({**values(env), **given})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, from_env=False)) from None


def values(settings: Settings) -> dict[str, Any]:
    """Setting name -> validated value (a :class:`Rate` stays a Rate)."""
    return {name: getattr(settings, name) for name in Settings.model_fields}


def _describe(exc: ValidationError, *, from_env: bool) -> str:
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        field = name.removeprefix(PREFIX)
        if from_env:
            name = name if name.startswith(PREFIX) or field in UNPREFIXED else PREFIX + name
        reason = str(error["msg"]).removeprefix("Value error, ")
        given = os.environ.get(name, error.get("input")) if from_env else error.get("input")
        shown = "" if field in SECRET else f"={given!r}"
        parts.append(f"{name}{shown}: {reason}")
    where = "Invalid setting" if from_env else "Invalid config"
    return f"{where} " + "; ".join(parts)


def unknown_variables(environ: dict[str, str] | None = None) -> list[str]:
    """``FAELLESSKAB_*`` variables that are no setting (typos, retired names)."""
    known = {PREFIX + name for name in Settings.model_fields} | set(OTHER_KNOWN)
    return sorted(k for k in (os.environ if environ is None else environ) if k.startswith(PREFIX) and k not in known)


def default_data_dir() -> Path:
    """The Flask instance folder of the ``api`` package (``<project>/instance`` in a checkout)."""
    return Path(Flask("api", instance_relative_config=True).instance_path)


def data_dir(settings: Settings) -> Path:
    return Path(settings.DATA_DIR) if settings.DATA_DIR else default_data_dir()


#: Fixed settings of flask-smorest (the OpenAPI document and Swagger UI).
OPENAPI = {
    "API_TITLE": "Fællesskabsmatch",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",  # served from the swagger-ui-bundle package (api.docs_assets)
    "JSON_SORT_KEYS": False,
}


def _local_secret(directory: Path) -> str:
    """A random secret kept in the data directory (readable by its owner only),
    made the first time, so sessions survive restarts without configuration."""
    path = directory / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secret)
        return secret


def load_config(app: Flask, test_config: dict[str, Any] | None) -> Settings:
    """Validate the settings and put them into ``app.config``; raises ConfigError."""
    settings = read_settings(test_config)
    for name in unknown_variables():
        log.warning("ignoring %s: no such setting", name)
    app.config.update(OPENAPI)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(values(settings))
    app.config["MAX_CONTENT_LENGTH"] = round(settings.MAX_UPLOAD_MB * 1024 * 1024)
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k not in Settings.model_fields})
    directory = settings.DATA_DIR or Path(app.instance_path)
    app.config["DATA_DIR"] = str(directory)
    if not settings.SECRET_KEY:
        app.config["SECRET_KEY"] = _local_secret(directory)
    if not settings.DATABASE_URL:
        app.config["DATABASE_URL"] = f"sqlite:///{directory / 'faellesskab.sqlite'}"
    return settings


def settings_table() -> str:
    """The README's configuration table (Markdown), one row per setting."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        var = f"`{name}` / `{PREFIX}{name}`" if name in UNPREFIXED else f"`{PREFIX}{name}`"
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        default = extra.get("default_doc") or f"`{_doc_value(field.default)}`"
        rows.append(f"| {var} | {default} | {field.description} |")
    rows += [f"| `{name}` | {default} | {meaning} |" for name, (default, meaning) in ENVIRONMENT_ONLY.items()]
    return "\n".join(rows)


def _doc_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
