"""gunicorn settings for Fællesskabsmatch; every value can be overridden by
the matching GUNICORN_* environment variable or on the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Matching is CPU-bound (the query embedding): one worker per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# Load the app, the model and the vectors once in the master, so workers
# share them copy-on-write instead of each loading its own.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then; the jitter avoids all at once
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def when_ready(server):
    from api.health import warm_up

    warm_up(server.app.wsgi())


def post_fork(server, worker):
    # Each worker gets its own share of the cores for the model.
    try:
        import torch

        torch.set_num_threads(max(1, multiprocessing.cpu_count() // max(1, workers)))
    except ImportError:
        pass
