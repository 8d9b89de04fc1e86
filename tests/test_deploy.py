"""The production configuration, checked statically (no Docker engine runs here)."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_healthchecks() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "elasticsearch", "index", "app"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["elasticsearch"]["image"].split(":")[-1].startswith("8.")
    assert services["elasticsearch"]["environment"]["discovery.type"] == "single-node"
    for name in ("postgres", "elasticsearch", "app"):
        assert services[name]["healthcheck"]["test"], name
    assert "readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_index_runs_once_and_the_app_waits_for_it() -> None:
    services = compose()["services"]
    index, app = services["index"], services["app"]
    assert "index rebuild" in " ".join(index["command"]) and "db upgrade" in " ".join(index["command"])
    assert index["restart"] == "no"
    assert index["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "elasticsearch": {"condition": "service_healthy"},
    }
    assert app["depends_on"] == {"index": {"condition": "service_completed_successfully"}}
    assert app["command"][:3] == ["gunicorn", "--config", "gunicorn.conf.py"]


def test_environment_wiring() -> None:
    data = compose()
    services = data["services"]
    pg_env = services["postgres"]["environment"]
    for name in ("index", "app"):
        env = services[name]["environment"]
        url = env["DATABASE_URL"]
        assert url.startswith(f"postgresql://{pg_env['POSTGRES_USER']}:") and url.endswith(
            f"@postgres:5432/{pg_env['POSTGRES_DB']}"
        )
        assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
        assert env["FAELLESSKAB_DATA_DIR"] == "/data"
    assert services["app"]["ports"] == ["8000:8000"]
    assert services["app"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"


def test_dockerfile_fetches_the_model_at_build_time() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "intfloat/multilingual-e5-small" in text and "EMBEDDING_MODEL=/opt/models/multilingual-e5-small" in text
    assert "torch==2.13.0" in text and "HF_HUB_OFFLINE=1" in text and "USER fm" in text


def test_gunicorn_settings() -> None:
    conf = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    assert conf["workers"] >= 2 and conf["timeout"] > 0 and conf["accesslog"] == "-"
    tree = ast.parse((REPO / "gunicorn.conf.py").read_text(encoding="utf-8"))
    assert "cpu_count" in ast.dump(tree)  # workers follow the CPU count
    assert callable(conf["when_ready"]) and callable(conf["post_fork"])
