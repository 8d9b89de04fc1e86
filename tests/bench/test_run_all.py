"""CI's short run of every benchmark script (`bench/run_all.py --short`), so the scripts cannot rot,
and the README rewrite that `make bench` does. The figures of a short run mean nothing; only that
each part runs, writes its JSON, and answers without errors, is checked."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", REPO / "bench" / "run_all.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_short_run_measures_every_part_without_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run_all.py"), "--short", "--workdir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert done.returncode == 0, {k: v.get("error") for k, v in data["parts"].items()}
    assert set(data["parts"]) == {"index", "load"} and all(p["ok"] for p in data["parts"].values())
    load = data["parts"]["load"]["results"]["results"][0]
    assert load["errors"] == 0 and load["match"]["requests"] > 0
    # Overload figures depend on the machine's load; the short run only shows that the phase ran and was counted.
    overload = load["overload"]
    assert overload["requests"] > 0 and overload["other_errors"] >= 0 and "error_kinds" in overload
    assert set(overload["shed_latency_ms"]) == {"p50", "p95", "max"} and overload["answered"] >= 0
    assert load["cpu_ms_per_request"] > 0 and load["rounds"] == 1
    assert [w["rss_mb"] > 0 for w in load["workers_memory"]] == [True]
    index = data["parts"]["index"]["results"]["synthetic"][0]
    assert index["build"]["offers"] == 500 and index["query"]["lexical_ms"]["n"] > 0
    table = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| 500 |" in table and "| onnx |" in table


def test_the_readme_table_is_replaced_between_its_markers(tmp_path: Path) -> None:
    module = _run_all()
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\n## Performance\n\n{module.START}\nold\n{module.END}\n\nafter\n", encoding="utf-8")
    module.rewrite_readme(readme, "| new |\n")
    assert (
        readme.read_text(encoding="utf-8")
        == f"# T\n\n## Performance\n\n{module.START}\n| new |\n{module.END}\n\nafter\n"
    )
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        module.rewrite_readme(readme, "x")


def test_the_project_readme_has_the_markers() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    module = _run_all()
    assert text.count(module.START) == 1 and text.count(module.END) == 1
    assert text.index(module.START) < text.index(module.END)


def test_the_markdown_of_a_failed_part_says_so() -> None:
    data = {
        "started": "2026-11-30T02:00:00+00:00",
        "machine": {"cpus": 2, "platform": "Linux", "python": "3.11", "load_average": [1.0, 1.0, 1.0]},
        "parts": {"match": {"ok": False, "seconds": 1, "error": "Traceback\nValueError: boom"}},
    }
    body = _run_all().markdown(data)
    assert "**match**: failed (ValueError: boom)." in body and "2 CPUs" in body
