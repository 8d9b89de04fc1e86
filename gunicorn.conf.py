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
# Measured choices (bench/bench_load.py: 3 workers, 8 clients for 60 s, then 256
# clients with a 5 s timeout for 20 s; figures in bench/README.md, "Load under
# gunicorn", runs of 2026-11-30 on the shared 2-core machine at load average 2-10).
#
# Workers: a match is CPU-bound: the query embedding (about 21 ms of CPU with
# onnx, 45 ms with torch) plus about 40 ms of Python around it (explanations,
# filters, store reads and writes); one worker per core, plus one, so a core is
# not idle while a worker waits on the store or on its GIL. (Not compared with
# 2 or 4 workers in these runs: the machine's other load moved the throughput
# by more than such a change would.)
workers = _int_env("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1)
# Threads per worker. gthread hands each accepted connection to a pool of this
# many threads; a connection that finds none free waits in the pool's queue,
# outside the app, where no bound can answer it. That is where the overload
# probe's clients timed out before (8 threads and no refusal before the store:
# onnx 789 of 1,086 requests timed out, torch 865 of 1,106, 3 and 2 shed). A
# match holds a thread while it runs (FAELLESSKAB_MATCH_CONCURRENCY, 2) or waits
# for its turn (FAELLESSKAB_MATCH_WAITING, 4, at most FAELLESSKAB_MATCH_QUEUE_S);
# any further match is refused with 503 + Retry-After before it touches the
# store (api.overload), in under 10 ms of the server's time. So 10 threads = 6
# that matches may hold + 4 always free for reads, writes and those refusals.
# Same probe, same quiet hour (06:45-06:54): 10 threads with 4 waiting left 15
# (onnx) and 12 (torch) of about 6,300 requests timed out and shed none of the
# 8-client load; 8 threads with 2 waiting left 8 and 10 timed out but shed 25
# and 74 of about 1,300 matches of the 8-client load. Many more threads were
# worse: 16 threads with 8 waiting left 336 and 606 of about 3,000 timed out at
# 06:03. Each extra thread is one more writer queueing for SQLite's one write
# lock (rate-limit counts, the match log, capacity updates) and one more thread
# taking turns on the worker's GIL, so the lock holder waits for the GIL too:
# with 16 threads, 54 rate-limit counts waited out SQLite's 15 s busy timeout.
threads = _int_env("GUNICORN_THREADS", 10)
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


# Each worker's thread pools (ONNX Runtime's or torch's intra-op pool, numpy's
# OpenBLAS) get the worker's share of the cores, at least 1: the workers already
# run in parallel, more threads per pool only fight for the same cores, and the
# pools spin while they wait. One match at a time (so one busy worker either
# way) cost 77.0 ms of CPU with 1 worker of 2 ONNX Runtime threads and 50.2 ms
# with 3 workers of 1 thread (torch: 62.5 and 68.0 ms; 2026-11-30, see
# bench/README.md). 2 cores / 3 workers -> 1, which torch and ONNX Runtime
# already had; numpy's OpenBLAS used both cores in every worker until now (not
# measured apart: the load runs changed it together with the threads). OpenBLAS
# reads its variable once, when numpy is first imported, after this file (the
# app is preloaded later); an operator's own value wins.
_share = max(1, multiprocessing.cpu_count() // max(1, workers))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(_share))


def post_fork(server, worker):
    # torch only if the torch backend already loaded it: the onnx backend's workers never import torch.
    share = _share
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(share)
    embedder = server.app.wsgi().extensions.get("embedder")
    if hasattr(embedder, "threads"):  # OnnxEmbedder: its session is made again in the worker
        embedder.threads = share
