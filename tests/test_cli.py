"""The clientvoice command, run as users run it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from clientvoice.cli import main


def run(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "clientvoice.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


CSV = """\
Ticket,When,Email,Text,Score
T1,2026-03-02T09:15:00+01:00,ana@example.com,Llegó tarde,4
T2,2026-03-02T10:15:00+01:00,bob@example.com,Too slow,eleven
"""


def test_ingest_maps_columns_reports_rejections_and_sets_the_exit_code(tmp_path):
    (tmp_path / "t.csv").write_text(CSV, encoding="utf-8")
    maps = [
        "--map",
        "external_id=Ticket",
        "--map",
        "occurred_at=When",
        "--map",
        "customer.email=Email",
        "--map",
        "text=Text",
        "--map",
        "nps=Score",
    ]
    result = run("ingest", "t.csv", "--channel", "email", *maps, "--json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["stored"] == 1
    assert report["rejected"][0]["field"] == "nps"
    assert (tmp_path / "clientvoice.db").exists()  # the default store
    letters = run("dead-letters", "--json", cwd=tmp_path)
    assert letters.returncode == 0
    assert json.loads(letters.stdout)[0]["line"] == 3
    again = run("ingest", "t.csv", "--channel", "email", *maps, cwd=tmp_path)
    assert "0 stored, 1 duplicates" in again.stdout


def test_the_store_comes_from_the_environment(tmp_path):
    (tmp_path / "f.jsonl").write_text(
        json.dumps(
            {
                "channel": "web",
                "external_id": "1",
                "occurred_at": "2026-03-02T09:15:00Z",
                "text": "hola",
            }
        )
        + "\n"
    )
    result = run(
        "ingest", "f.jsonl", cwd=tmp_path, env={"CLIENTVOICE_STORE": "sqlite:///elsewhere.db"}
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere.db").exists()


def test_errors_say_what_to_do_and_exit_1(tmp_path):
    result = run("ingest", "missing.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "no such file" in result.stderr
    bad_store = run("dead-letters", "--store", "mysql://x", cwd=tmp_path)
    assert bad_store.returncode == 1
    assert "sqlite:///path.db" in bad_store.stderr


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as caught:
        main(["ingest"])
    assert caught.value.code == 2
    assert main(["ingest", "x.csv", "--map", "nocolumn"]) == 2


def test_plugins_lists_builtins_entry_points_and_what_they_provide(tmp_path):
    result = run(
        "plugins", "--json", cwd=tmp_path, env={"CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD": "0"}
    )
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["clientvoice.channels.standard"]["source"] == "builtin"
    assert "channel web" in plugins["clientvoice.channels.standard"]["provides"]
    assert plugins["kiosk"]["source"] == "entrypoint"
    assert plugins["kiosk"]["version"] == "0.1.0"
    text = run("plugins", cwd=tmp_path)
    assert "clientvoice.workflow.routing  [builtin]" in text.stdout
    assert "hooks: clientvoice_route_case" in text.stdout


def test_help_has_examples(tmp_path):
    result = run("ingest", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert "--map" in result.stdout


def test_version(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert result.stdout.startswith("clientvoice ")


def test_simulate_runs_days_of_casework_and_tick_afterwards_finds_nothing_new(tmp_path):
    result = run(
        "simulate", "--days", "3", "--records", "120", "--out", "sim", "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["feedback"] == 120 and report["cases_opened"] > 0
    assert report["events"]["case.opened"] == report["cases_opened"]
    store = f"sqlite:///{tmp_path / 'sim' / 'simulation.db'}"
    end = report["end"]
    ticked = run("tick", "--at", end, "--store", store, "--json", cwd=tmp_path)
    assert ticked.returncode == 0, ticked.stderr
    assert json.loads(ticked.stdout)["events"] == []


def test_tick_refuses_an_instant_without_an_offset(tmp_path):
    result = run("tick", "--at", "2026-03-02T10:00", cwd=tmp_path)
    assert result.returncode == 2
    assert "offset" in result.stderr
