"""The production configuration: docker-compose and the Dockerfile agree with each other and
with the app (no Docker engine runs here), and gunicorn, started for real, answers in the
JSON envelope, logs each request once and refuses bad settings in one line."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from sqlalchemy.engine import make_url

from api.cli import main
from api.config import PREFIX, Settings, read_settings

REPO = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def substitute(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set: the default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, argument) pairs, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, argument in dockerfile():
        if instruction == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(argument)))
    return env


def resolves_to_a_command(words: list[str]) -> bool:
    """Whether ``faellesskab WORDS...`` names a real command of the CLI."""
    command: click.Command | None = main
    ctx = click.Context(main)
    for word in words:
        if not isinstance(command, click.Group):
            return True  # the rest are arguments
        command = command.get_command(ctx, word)
        if command is None:
            return False
    return not isinstance(command, click.Group)


# -- docker-compose ------------------------------------------------------------------


def test_dependencies_wait_for_healthchecks_that_exist() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, (name, dependency)
            if rule["condition"] == "service_healthy":
                assert services[dependency]["healthcheck"]["test"], dependency
            if rule["condition"] == "service_completed_successfully":
                assert services[dependency]["restart"] == "no", f"{dependency} must run once"


def test_the_one_shot_index_job_runs_real_commands_before_the_app_starts() -> None:
    services = compose()["services"]
    index, app = services["index"], services["app"]
    script = index["command"][-1] if index["command"][:2] == ["sh", "-c"] else shlex.join(index["command"])
    steps = [shlex.split(step) for step in script.split("&&")]
    assert [step[0] for step in steps] == ["faellesskab"] * len(steps)
    assert all(resolves_to_a_command(step[1:]) for step in steps), steps
    assert ["index", "rebuild"] in [step[1:] for step in steps]
    assert app["depends_on"]["index"] == {"condition": "service_completed_successfully"}
    assert {"postgres", "elasticsearch"} <= set(index["depends_on"])


def test_the_app_and_the_index_job_share_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()["services"]
    index_env, app_env = services["index"]["environment"], services["app"]["environment"]
    assert {k: v for k, v in app_env.items() if not k.startswith("GUNICORN_")} == index_env
    for name in index_env:
        setting = name.removeprefix(PREFIX)
        assert setting in Settings.model_fields, f"{name} is no setting"
    for name in list(os.environ):
        if name.startswith(PREFIX) or name in ("DATABASE_URL", "ELASTICSEARCH_URL", "EMBEDDING_MODEL"):
            monkeypatch.delenv(name)
    for name, value in index_env.items():
        monkeypatch.setenv(name, substitute(str(value)))
    settings = read_settings()  # raises ConfigError if compose sets a bad value

    postgres = services["postgres"]["environment"]
    url = make_url(str(settings.DATABASE_URL))
    assert url.get_backend_name() == "postgresql" and url.host in services and url.host == "postgres"
    assert (url.username, url.password, url.database) == (
        postgres["POSTGRES_USER"],
        substitute(postgres["POSTGRES_PASSWORD"]),
        postgres["POSTGRES_DB"],
    )
    es_host = re.match(r"https?://([^:/]+)", str(settings.ELASTICSEARCH_URL))
    assert es_host and es_host.group(1) in services


def test_the_data_dir_is_a_volume_of_both_and_the_image_default() -> None:
    data = compose()
    for name in ("index", "app"):
        service = data["services"][name]
        mounts = dict(v.split(":", 1)[::-1] for v in service["volumes"])
        data_dir = service["environment"]["FAELLESSKAB_DATA_DIR"]
        assert mounts[data_dir] in data["volumes"], name
    assert docker_env()["FAELLESSKAB_DATA_DIR"] == data["services"]["app"]["environment"]["FAELLESSKAB_DATA_DIR"]


def test_the_app_is_published_on_the_port_it_binds_and_probes() -> None:
    app = compose()["services"]["app"]
    port = app["environment"]["GUNICORN_BIND"].rsplit(":", 1)[1]
    assert [p.split(":")[-1] for p in app["ports"]] == [port]
    probe = " ".join(app["healthcheck"]["test"])
    assert f"localhost:{port}/readyz" in probe


# -- Dockerfile ------------------------------------------------------------------------


def test_the_image_runs_what_compose_runs_with_the_model_it_saved() -> None:
    steps = dockerfile()
    cmd = json.loads(next(arg for ins, arg in steps if ins == "CMD"))
    assert cmd == compose()["services"]["app"]["command"]
    saved = re.findall(r"\.save\('([^']+)'\)", " ".join(arg for ins, arg in steps if ins == "RUN"))
    assert saved == [docker_env()["EMBEDDING_MODEL"]]
    assert docker_env()["HF_HUB_OFFLINE"] == "1"  # no downloads at run time
    user = [arg for ins, arg in steps if ins == "USER"]
    assert user and user[-1] not in ("root", "0")


def test_the_image_installs_the_torch_that_pyproject_pins() -> None:
    pins = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    torch_pin = next(p for p in pins if p.startswith("torch=="))
    runs = " ".join(arg for ins, arg in dockerfile() if ins == "RUN")
    assert f"pip install {torch_pin} " in runs


# -- gunicorn, for real ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gunicorn_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith((PREFIX, "GUNICORN_"))}
    env.update(
        PYTHONPATH=str(REPO),
        FAELLESSKAB_DATA_DIR=str(data_dir),
        FAELLESSKAB_LOG_LEVEL="INFO",
        EMBEDDING_MODEL="fake",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
    )
    env.update(extra)
    env.pop("DATABASE_URL", None)
    env.pop("ELASTICSEARCH_URL", None)
    return env


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            return res.status, res.headers["Content-Type"], res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


@contextmanager
def gunicorn(
    env: dict[str, str],
    err_path: Path,
    *,
    ready: str = "/healthz",
    within: float = 120,
    app: str = "api:create_app()",
) -> Iterator[str]:
    """gunicorn with the project's config, ``env`` and ``app``, stderr to ``err_path``; yields its base
    URL once ``ready`` answers (any status for /healthz, 200 otherwise), and stops it afterwards."""
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [str(GUNICORN), "--config", str(REPO / "gunicorn.conf.py"), app],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://{env['GUNICORN_BIND']}"
    try:
        deadline = time.monotonic() + within
        while True:
            try:
                if get(base + ready)[0] == 200 or ready == "/healthz":
                    break
            except OSError:
                pass
            assert proc.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, f"gunicorn did not answer {ready}"
            time.sleep(0.5)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """gunicorn with the project's config on a fresh data dir: (base URL, data dir, stderr file)."""
    data_dir = tmp_path_factory.mktemp("gunicorn")
    err_path = data_dir / "stderr.log"
    with gunicorn(gunicorn_env(data_dir, GUNICORN_BIND=f"127.0.0.1:{free_port()}"), err_path) as base:
        yield base, data_dir, err_path


def test_gunicorn_starts_ready_on_a_fresh_data_dir_with_its_own_control_socket(
    served: tuple[str, Path, Path],
) -> None:
    base, data_dir, _ = served
    status, _, body = get(base + "/readyz")
    assert status == 200, body
    # gunicorn opens its control socket once the workers are up, which may be just after the first answer.
    socket_path = data_dir / "gunicorn.ctl"
    deadline = time.monotonic() + 20
    while not socket_path.is_socket() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert socket_path.is_socket()


def test_a_long_url_is_answered_by_the_app_in_the_envelope(served: tuple[str, Path, Path]) -> None:
    base, _, _ = served
    long_query = "x" * 6000  # beyond gunicorn's default 4094-byte request line
    status, content_type, body = get(f"{base}/api/v1/no-such-thing?q={long_query}")
    assert (status, content_type) == (404, "application/json")
    assert json.loads(body)["code"] == "not_found"
    status, content_type, body = get(f"{base}/hsds/services?q={long_query}")
    assert (status, content_type) == (200, "application/json")


def test_each_request_is_logged_once(served: tuple[str, Path, Path]) -> None:
    base, _, err_path = served
    marker = f"/api/v1/log-once-{time.monotonic_ns()}"
    get(base + marker)
    time.sleep(0.3)
    lines = [line for line in err_path.read_text().splitlines() if marker in line]
    assert len(lines) == 1 and "faellesskab.access" in lines[0] and f"GET {marker} 404 " in lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FAELLESSKAB_RATE_MATCH", "lots"), ("FAELLESSKAB_HSDS_CACHE_SECONDS", "abc"), ("GUNICORN_WORKERS", "many")],
)
def test_gunicorn_refuses_a_bad_setting_in_one_line(tmp_path: Path, variable: str, value: str) -> None:
    done = subprocess.run(
        [str(GUNICORN), "--config", str(REPO / "gunicorn.conf.py"), "api:create_app()"],
        env=gunicorn_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{free_port()}", **{variable: value}),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: Invalid setting {variable}={value!r}: ") and done.stderr.count("\n") == 1


@pytest.mark.model
def test_every_gunicorn_worker_embeds_with_the_default_onnx_backend(real_model_dir: Path, tmp_path: Path) -> None:
    """ONNX Runtime is not fork-safe: a session made in the master would hang every forked
    worker. Three workers on a real model must each answer real matches."""
    env = gunicorn_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        GUNICORN_WORKERS="3",
        GUNICORN_TIMEOUT="60",
        EMBEDDING_MODEL=str(real_model_dir),
        FAELLESSKAB_EMBEDDING_BACKEND="onnx",
    )
    faellesskab = Path(sys.executable).with_name("faellesskab")
    subprocess.run([str(faellesskab), "catalogue", "demo"], env=env, cwd=REPO, check=True, capture_output=True)
    out = subprocess.run(
        [str(faellesskab), "apikey", "create", "--role", "navigator", "--name", "t"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    key = re.search(r"fm_[A-Za-z0-9_-]+", out.stdout + out.stderr)
    assert key is not None, out
    err_path = tmp_path / "stderr.log"
    body = json.dumps({"interests": "synge i kor", "location": {"town": "Grenaa"}}).encode()

    def match(base: str) -> None:
        request = urllib.request.Request(
            base + "/api/v1/match",
            data=body,
            headers={"Authorization": f"Bearer {key.group(0)}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=45) as res:
            assert res.status == 200 and json.loads(res.read())["results"]

    with gunicorn(env, err_path, ready="/readyz", within=240) as base, ThreadPoolExecutor(6) as pool:
        # Workers compete for connections, and an idle one may win every accept in a row:
        # send rounds of 6 at once until more than one forked worker has answered (or 10 rounds).
        served_by: set[str] = set()
        for _ in range(10):
            list(pool.map(match, [base] * 6))
            log = err_path.read_text()
            served_by = set(re.findall(r"\[(\d+)\] faellesskab\.access: POST /api/v1/match 200", log))
            if len(served_by) >= 2:
                break
        assert len(served_by) >= 2, log  # the requests reached more than one forked worker
        assert "WORKER TIMEOUT" not in log
