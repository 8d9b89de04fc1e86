"""An Elasticsearch server for the integration tests.

``TEST_ELASTICSEARCH_URL`` or ``ELASTICSEARCH_URL``, when set, names a server
to use: the tests then work under a unique index prefix per session and
delete that prefix's indices at the end. Otherwise a throw-away noida-db (the
Elasticsearch 8.15 stand-in used in CI) is started on a free port in a
temporary directory and stopped at the end. With neither, the tests that need
a server are skipped, with the reason.

Fixtures (import them into a conftest):

- ``elasticsearch_url`` (session): the server's URL.
- ``es_index_prefix`` (session): a unique index prefix for this session.
- ``es_backend_factory``: makes backends, each under its own new prefix (no
  index yet); their indices are deleted after the test.
- ``es_backend``: a fresh, empty, rebuilt-once ``ElasticsearchBackend`` under
  its own prefix; its indices are deleted after the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

URL_ENV = ("TEST_ELASTICSEARCH_URL", "ELASTICSEARCH_URL")
START_TIMEOUT = 30.0


def noida_executable() -> str | None:
    """``noida-db`` beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "noida-db"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("noida-db")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str, timeout: float = 1.0) -> bool:
    """Does ``GET /`` answer (with any HTTP status)?"""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # it answered (e.g. 401 on a secured cluster)
    except (OSError, ValueError):
        return False


class NoidaServer:
    """A noida-db Elasticsearch in the foreground, in its own process group."""

    def __init__(self, executable: str, data_dir: Path) -> None:
        self.executable = executable
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.startup_seconds = 0.0

    def start(self, timeout: float = START_TIMEOUT, attempts: int = 3) -> str:
        """Start on a free port and wait until ``GET /`` answers; returns the URL."""
        for attempt in range(attempts):
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            cmd = [
                self.executable,
                "start",
                "--data-dir",
                str(self.data_dir),
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(port),
            ]
            t0 = time.monotonic()
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            while time.monotonic() - t0 < timeout:
                if answers(self.url, timeout=0.5):
                    self.startup_seconds = time.monotonic() - t0
                    return self.url
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            output = self.output()
            self.stop()
            if "already in use" in output and attempt + 1 < attempts:
                continue  # another process took the port in between
            state = f"exited with code {self.proc.returncode}" if self.proc.poll() is not None else "timed out"
            raise RuntimeError(
                f"noida-db did not start ({state} after {time.monotonic() - t0:.1f} s): {' '.join(cmd)}\n"
                f"--- its output ---\n{output}"
            )
        raise AssertionError("unreachable")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """``noida-db down``, then the process group as a fallback."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    [self.executable, "down", "--data-dir", str(self.data_dir)],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=15,
                    check=False,
                )
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        # The launcher may be gone while its Rust child still runs: end the whole group we started.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.3)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _env_url() -> str | None:
    for name in URL_ENV:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


class _Shared:
    """One server per session, however many fixture definitions ask for it."""

    lock = threading.Lock()
    users = 0
    url: str | None = None
    skip_reason: str | None = None
    server: NoidaServer | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None


def acquire_url() -> str:
    """The URL of a server (started if needed); pair with :func:`release_url`."""
    with _Shared.lock:
        _Shared.users += 1
        if _Shared.url is not None or _Shared.skip_reason is not None:
            return _checked_url()
        given = _env_url()
        if given:
            if not answers(given, timeout=3):
                _Shared.skip_reason = f"Elasticsearch at {given} (from the environment) does not answer"
            else:
                _Shared.url = given
            return _checked_url()
        exe = noida_executable()
        if exe is None:
            _Shared.skip_reason = (
                "no Elasticsearch: set ELASTICSEARCH_URL, or install noida-db (pip install noida-db==0.2.3)"
            )
            return _checked_url()
        _Shared.tmp = tempfile.TemporaryDirectory(prefix="fm-noida-")
        server = NoidaServer(exe, Path(_Shared.tmp.name) / "data")
        try:
            _Shared.url = server.start()
        except BaseException:
            _Shared.tmp.cleanup()
            _Shared.tmp = None
            raise
        _Shared.server = server
        return _Shared.url


def _checked_url() -> str:
    if _Shared.skip_reason is not None:
        pytest.skip(_Shared.skip_reason)
    assert _Shared.url is not None
    return _Shared.url


def release_url() -> None:
    with _Shared.lock:
        _Shared.users -= 1
        if _Shared.users > 0:
            return
        if _Shared.server is not None:
            _Shared.server.stop()
        if _Shared.tmp is not None:
            _Shared.tmp.cleanup()
        _Shared.server, _Shared.tmp, _Shared.url, _Shared.skip_reason = None, None, None, None


def server_info() -> dict[str, Any]:
    """How the session's server was obtained (for timing reports)."""
    server = _Shared.server
    return {
        "url": _Shared.url,
        "noida": server is not None,
        "startup_seconds": server.startup_seconds if server else None,
    }


def delete_indices(url: str, pattern: str) -> None:
    """Delete the indices matching ``pattern`` by name (clusters may refuse wildcard deletes)."""
    from elasticsearch import Elasticsearch

    es = Elasticsearch(url, request_timeout=30)
    try:
        names = sorted(es.indices.get(index=pattern, ignore_unavailable=True, allow_no_indices=True))
        if names:
            es.indices.delete(index=",".join(names), ignore_unavailable=True)
    finally:
        es.close()


def index_names(url: str, pattern: str) -> list[str]:
    from elasticsearch import Elasticsearch

    es = Elasticsearch(url, request_timeout=30)
    try:
        return sorted(es.indices.get(index=pattern, ignore_unavailable=True, allow_no_indices=True))
    finally:
        es.close()


def unique_prefix(base: str) -> str:
    return f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    """URL of the Elasticsearch for this test session (skips when there is none)."""
    try:
        url = acquire_url()
    except BaseException:
        release_url()
        raise
    try:
        yield url
    finally:
        release_url()


@pytest.fixture(scope="session")
def es_index_prefix(elasticsearch_url: str) -> Iterator[str]:
    """A unique index prefix for this session; its indices are deleted at the end."""
    prefix = f"fmtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    with contextlib.suppress(Exception):
        delete_indices(elasticsearch_url, f"{prefix}-*")


@pytest.fixture
def es_backend_factory(elasticsearch_url: str, es_index_prefix: str) -> Iterator[Callable[[], Any]]:
    """Makes ``ElasticsearchBackend``s, each under a new prefix and with no index yet."""
    from indexer.es_backend import ElasticsearchBackend

    made: list[ElasticsearchBackend] = []

    def make() -> ElasticsearchBackend:
        backend = ElasticsearchBackend(elasticsearch_url, prefix=unique_prefix(es_index_prefix), dim=384)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()
        with contextlib.suppress(Exception):
            delete_indices(elasticsearch_url, f"{backend.prefix}-*")


@pytest.fixture
def es_backend(es_backend_factory: Callable[[], Any]) -> Any:
    """A fresh, empty, rebuilt-once backend under its own prefix."""
    backend = es_backend_factory()
    backend.create_empty()
    return backend
