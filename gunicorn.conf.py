"""gunicorn settings for Fællesskabsmatch; every value can be overridden by
the matching GUNICORN_* environment variable or on the command line.

The app's settings are validated here, before gunicorn starts anything: a bad
one (or a bad GUNICORN_* number) stops gunicorn with one line naming the
variable, instead of a traceback per worker.
"""

import multiprocessing
import os
import sys

from api.config import ConfigError, data_dir, read_settings


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        sys.exit(f"Error: Invalid setting {name}={value!r}: must be a whole number")


try:
    _settings = read_settings()
except ConfigError as exc:
    sys.exit(f"Error: {exc}")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Matching is CPU-bound (the query embedding): one worker per core, plus one.
workers = _int_env("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1)
# Threads per worker: enough that catalogue reads, health probes and writes are
# served while matches run; matches themselves are bounded per worker by
# FAELLESSKAB_MATCH_CONCURRENCY (api.overload), the rest get 503 + Retry-After.
threads = _int_env("GUNICORN_THREADS", 8)
worker_class = "gthread"
# Load the app, the model and the vectors once in the master, so workers
# share them copy-on-write instead of each loading its own.
preload_app = True
timeout = _int_env("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then; the jitter avoids all at once
max_requests_jitter = 500
# The app writes one access line per request (logger faellesskab.access, at
# FAELLESSKAB_LOG_LEVEL=INFO, with the key name and role), so gunicorn's own
# access log stays off: otherwise every request would be logged twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# gunicorn answers too-long request lines (414) and header fields (400) with
# its own HTML page, outside the API's JSON error envelope. Its defaults
# (4094 and 8190 bytes) are below what a browser sends for a long filtered
# HSDS query or a big cookie; these limits let such requests reach Flask,
# which answers in the envelope. 8190 is gunicorn's largest request line.
limit_request_line = 8190
limit_request_field_size = 16384
# One control socket per instance (gunicornc), in its own data directory,
# not the per-user default that two instances on one host would share.
control_socket = str(data_dir(_settings) / "gunicorn.ctl")


def when_ready(server):
    from api.health import warm_up

    warm_up(server.app.wsgi())


def post_fork(server, worker):
    # Each worker gets its own share of the cores for the model. torch only if the
    # torch backend already loaded it: the onnx backend's workers never import torch.
    share = max(1, multiprocessing.cpu_count() // max(1, workers))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(share)
    embedder = server.app.wsgi().extensions.get("embedder")
    if hasattr(embedder, "threads"):  # OnnxEmbedder: its session is made again in the worker
        embedder.threads = share
