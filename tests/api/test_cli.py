"""The faellesskab command, as a coordinator or an IT department uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from api.cli import main
from tests.conftest import make_offer

REPO = Path(__file__).resolve().parents[2]


def run(cli: FlaskCliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_summary_export(cli: FlaskCliRunner, tmp_path: Path) -> None:
    src = write_json(tmp_path / "tilbud.json", [make_offer("a"), make_offer("b", location={"town": "Auning"})])
    code, out, _ = run(cli, "catalogue", "import", str(src))
    assert code == 0 and "2 created" in out and "committed" in out
    code, out, _ = run(cli, "catalogue", "import", str(src))
    assert code == 0 and "2 unchanged" in out
    code, out, _ = run(cli, "catalogue", "summary", "--json")
    assert json.loads(out)["by_town"] == {"Auning": 1, "Grenaa": 1}
    target = tmp_path / "ud.csv"
    code, _, err = run(cli, "catalogue", "export", "--format", "csv", "-o", str(target))
    assert code == 0 and "Wrote 2 offers" in err
    code, out, _ = run(cli, "catalogue", "import", str(target))
    assert code == 0 and "2 unchanged" in out


def test_bad_records_are_listed_and_nothing_is_written(cli: FlaskCliRunner, tmp_path: Path) -> None:
    bad = make_offer("b", schedule={"slots": [{"weekday": 1, "start": "25:00", "end": "26:00"}]})
    src = write_json(tmp_path / "tilbud.json", [make_offer("a"), bad])
    code, out, err = run(cli, "catalogue", "import", str(src))
    assert code == 1 and "NOTHING WRITTEN" in out
    assert "record 2, id b: schedule.slots.0.start: Time must be HH:MM" in err
    assert json.loads(run(cli, "catalogue", "summary", "--json")[1])["offers"] == 0
    code, out, _ = run(cli, "catalogue", "import", "--skip-invalid", str(src))
    assert code == 0 and "1 created" in out and "1 rejected" in out


def test_malformed_file_is_one_clear_error(cli: FlaskCliRunner, tmp_path: Path) -> None:
    src = tmp_path / "tilbud.jsonl"
    src.write_text(json.dumps(make_offer("a")) + "\n{not json\n", encoding="utf-8")
    code, _, err = run(cli, "catalogue", "import", str(src))
    assert code == 1 and "Line 2 is not valid JSON" in err and "Nothing was imported" in err
    assert json.loads(run(cli, "catalogue", "summary", "--json")[1])["offers"] == 0


def test_json_report_for_scripts(cli: FlaskCliRunner, tmp_path: Path) -> None:
    src = write_json(tmp_path / "t.json", [make_offer("a", categories=["yoga"])])
    code, out, _ = run(cli, "catalogue", "import", "--json", str(src))
    report = json.loads(out)
    assert code == 1 and report["committed"] is False
    assert report["rejected"][0]["errors"]["categories"][0].startswith("Unknown category: yoga")


def test_add_category_then_import(cli: FlaskCliRunner, tmp_path: Path) -> None:
    assert run(cli, "catalogue", "add-category", "yoga", "Yoga")[0] == 0
    code, _, err = run(cli, "catalogue", "add-category", "Bad Code", "X")
    assert code == 1 and "code:" in err
    src = write_json(tmp_path / "t.json", [make_offer("a", categories=["yoga"])])
    assert run(cli, "catalogue", "import", str(src))[0] == 0


def test_capacity_report(cli: FlaskCliRunner, tmp_path: Path) -> None:
    src = write_json(
        tmp_path / "t.json", [make_offer("a", volunteers=4), make_offer("b", places_total=10, places_available=2)]
    )
    run(cli, "catalogue", "import", str(src))
    code, out, _ = run(cli, "catalogue", "capacity", "--json")
    report = json.loads(out)
    last = report["months"][-1]
    assert (
        code == 0
        and report["baseline"] is not None
        and last["active_offers"] == 2
        and last["volunteers"] == 4
        and last["places_total"] == 40
    )


def test_demo_hsds_round_trip(cli: FlaskCliRunner, tmp_path: Path) -> None:
    """The demo catalogue exported as HSDS 3.0 validates and re-imports unchanged."""
    import jsonschema

    code, out, _ = run(cli, "catalogue", "demo")
    assert code == 0 and "committed" in out
    target = tmp_path / "hsds.json"
    assert run(cli, "catalogue", "export", "--format", "hsds", "-o", str(target))[0] == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    schema_path = Path(__file__).parents[1] / "data" / "hsds" / "schema" / "compiled" / "service_with_definitions.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    for service in doc["contents"]:
        validator.validate(service)
    assert doc["total_items"] >= 150
    code, out, _ = run(cli, "catalogue", "import", "--format", "hsds", str(target))
    assert code == 0 and f"{doc['total_items']} unchanged" in out, out


# -- a fresh data directory and bad settings -------------------------------------------


def fresh_cli(tmp_path: Path) -> FlaskCliRunner:
    """A runner on a data directory nobody has prepared (no `db upgrade`)."""
    from api import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake"}).test_cli_runner()


def test_import_into_a_fresh_data_directory_just_works(tmp_path: Path) -> None:
    src = write_json(tmp_path / "tilbud.json", [make_offer("a")])
    code, out, err = run(fresh_cli(tmp_path / "data"), "catalogue", "import", str(src))
    assert (code, err) == (0, "") and "1 created" in out


@pytest.mark.parametrize(
    "args",
    [
        ["catalogue", "summary", "--json"],
        ["catalogue", "export", "--format", "csv"],
        ["catalogue", "capacity"],
        ["catalogue", "add-category", "fiskeri", "Fiskeri"],
        ["catalogue", "demo"],
        ["apikey", "list"],
        ["apikey", "create", "--role", "navigator", "--name", "n1"],
        ["index", "sync"],
        ["index", "rebuild"],
        ["db", "upgrade"],
    ],
)
def test_every_store_command_works_on_a_fresh_data_directory(tmp_path: Path, args: list[str]) -> None:
    code, out, err = run(fresh_cli(tmp_path), *args)
    assert code == 0, err
    assert "Traceback" not in err and "no such table" not in out + err


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    from api import create_app

    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "EMBEDDING_MODEL": "fake"}
    )
    code, _, err = run(app.test_cli_runner(), "catalogue", "summary")
    assert code == 1 and err.startswith("Error: The database at 127.0.0.1:9/none cannot be used: ")
    assert err.count("\n") == 1


def run_process(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAELLESSKAB_")}
    environ.update(PYTHONPATH=str(REPO), FAELLESSKAB_DATA_DIR=str(tmp_path), EMBEDDING_MODEL="fake", **env)
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_bad_setting_stops_the_command_with_one_line(tmp_path: Path) -> None:
    done = run_process(tmp_path, "catalogue", "summary", FAELLESSKAB_HSDS_CACHE_SECONDS="abc")
    assert done.returncode == 1
    assert done.stderr == (
        "Error: Invalid setting FAELLESSKAB_HSDS_CACHE_SECONDS='abc': "
        "Input should be a valid number, unable to parse string as a number\n"
    )
    assert done.stdout == ""


def test_the_console_script_runs_a_command(tmp_path: Path) -> None:
    done = run_process(tmp_path, "catalogue", "summary", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["offers"] == 0


def test_eval_on_a_fresh_data_directory_says_what_to_run(tmp_path: Path) -> None:
    code, out, err = run(fresh_cli(tmp_path / "data"), "eval")
    assert code == 1 and "faellesskab catalogue demo" in out + err and "Traceback" not in out + err


def test_eval_refuses_an_rrf_constant_below_one(tmp_path: Path) -> None:
    code, out, err = run(fresh_cli(tmp_path / "data"), "eval", "--rrf-k", "0")
    assert code == 2 and "--rrf-k" in out + err


def test_a_long_list_of_rejections_ends_in_a_count(
    cli: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("catalogue.importer.MAX_REJECTIONS_LISTED", 2)
    src = write_json(tmp_path / "t.json", [make_offer(f"o{n}", title="") for n in range(5)])
    code, out, err = run(cli, "catalogue", "import", str(src))
    assert code == 1 and "5 rejected (the first 2 listed)" in out
    assert "record 2, id o1: title" in err and "record 3" not in err
    assert "… and 3 more rejected records." in err
    report = json.loads(run(cli, "catalogue", "import", "--json", str(src))[1])
    assert report["rejected_total"] == 5 and len(report["rejected"]) == 2


def test_import_prints_the_readers_notes_and_keeps_them_in_the_report(cli: FlaskCliRunner, tmp_path: Path) -> None:
    from tests.api.test_offers_api import _hsds_service

    service = _hsds_service("5c0e1a2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d", ["Sang", "Seniorer", "Fællesskab"], "Teleslynge")
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service], ensure_ascii=False), encoding="utf-8")
    code, out, err = run(cli, "catalogue", "import", "--format", "hsds", "--json", str(path))
    assert code == 0, err
    notes = [line.removeprefix("  note: ") for line in err.splitlines() if line.startswith("  note: ")]
    assert len(notes) == 1 and "'Fællesskab'" in notes[0]
    assert json.loads(out)["warnings"] == notes  # the same lines the HTTP import returns


def test_eval_prints_both_halves_and_every_kind(cli: FlaskCliRunner, tmp_path: Path) -> None:
    # "a1" and "h1" fall in the held-out half, "a2" and "t1" in the tuning half (matcher.eval.half_of).
    src = write_json(tmp_path / "t.json", [make_offer("kor"), make_offer("strik", title="Strikkeklub i Grenaa")])
    assert run(cli, "catalogue", "import", str(src))[0] == 0
    assert run(cli, "index", "sync")[0] == 0

    def vignette(vid: str, tags: list[str]) -> dict[str, object]:
        return {"id": vid, "tags": tags, "request": {"interests": "synge i kor", "age": 70}, "labels": {"kor": 3}}

    path = tmp_path / "v.json"
    path.write_text(
        json.dumps(
            {
                "meta": {"today": "2026-11-22"},
                "vignettes": [
                    vignette("a1", ["compound"]),
                    vignette("h1", ["non_danish"]),
                    vignette("a2", ["vague"]),
                    vignette("t1", ["barrier_removes_tempting", "young_adult"]),
                ],
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run(cli, "eval", "--vignettes", str(path))
    assert code == 0, err
    tuning, held_out = out.split("== Held-out half ==")
    assert tuning.startswith("== Tuning half ==")
    assert "2 of 2 vignettes scored" in tuning and "2 of 2 vignettes scored" in held_out
    for kind in ("needs_described", "barriers", "vague", "other_language", "compound", "target_group"):
        assert kind in tuning and kind in held_out
    assert "compound           1" in held_out and "other_language     1" in held_out
    assert "vague              1" in tuning and "target_group       1" in tuning and "barriers           1" in tuning
    report = json.loads(run(cli, "eval", "--vignettes", str(path), "--json", "--half", "held_out")[1])
    assert list(report) == ["held_out"] and [r["id"] for r in report["held_out"]["per_vignette"]] == ["a1", "h1"]
