"""The clientvoice command, run as users run it: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import SQLiteStore
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
    assert main(["ingest"]) == 2
    assert "Missing argument 'FILE'" in capsys.readouterr().err
    assert main(["ingest", "x.csv", "--map", "nocolumn"]) == 2
    assert "write FIELD=COLUMN" in capsys.readouterr().err
    assert main(["report", "--format", "pdf"]) == 2
    assert main(["report", "--since", "2026-03-09", "--until", "2026-03-01"]) == 2
    assert main(["report", "--tz", "Mars/Olympus"]) == 2


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


# -- the commands added with click and rich ------------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A week of simulated casework in a SQLite store, shared by the read-only tests below."""
    folder = tmp_path_factory.mktemp("sim")
    result = run(
        "simulate", "--days", "7", "--records", "300", "--out", "sim", "--json", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return folder, f"sqlite:///{folder / 'sim' / 'simulation.db'}", report


def test_every_command_has_help_with_examples(tmp_path):
    commands = [
        ["ingest"], ["analyze"], ["cases"], ["cases", "list"], ["cases", "show"], ["tick"],
        ["worker"], ["simulate"], ["report"], ["export"], ["plugins"], ["demo"],
        ["dead-letters"],
    ]  # fmt: skip
    for command in commands:
        result = run(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert "examples:" in result.stdout, command
        assert f"clientvoice {command[0]}" in result.stdout
    top = run("--help", cwd=tmp_path)
    assert "exit codes" in top.stdout


def test_report_in_every_format_from_the_same_store(simulated):
    folder, store, simulation = simulated
    period = [
        "--since",
        simulation["start"],
        "--until",
        simulation["end"],
        "--at",
        simulation["end"],
    ]
    as_json = run("report", *period, "--store", store, "--json", cwd=folder)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["feedback"] == 300
    assert data["cases"] == simulation["cases_opened"]
    text = run("report", *period, "--store", store, cwd=folder)
    assert text.returncode == 0, text.stderr
    assert "Listening health" in text.stdout and "Service levels" in text.stdout
    markdown = run(
        "report", *period, "--store", store, "--format", "md", "--out", "r.md", cwd=folder
    )
    assert markdown.returncode == 0, markdown.stderr
    assert (folder / "r.md").read_text(encoding="utf-8").startswith("# Customer listening report")
    page = run(
        "report", *period, "--store", store, "--format", "html", "--out", "r.html", cwd=folder
    )
    assert page.returncode == 0, page.stderr
    assert (folder / "r.html").read_text(encoding="utf-8").count('<svg role="img"') >= 5


def test_cases_filters_and_the_exit_code_that_alerts(simulated):
    folder, store, simulation = simulated
    at = ["--at", simulation["end"], "--store", store]
    everything = json.loads(run("cases", "list", "--limit", "0", "--json", *at, cwd=folder).stdout)
    assert len(everything) == simulation["cases_opened"]
    breached = run("cases", "list", "--breached", "--limit", "0", "--json", *at, cwd=folder)
    assert breached.returncode == (4 if json.loads(breached.stdout) else 0)
    for case in json.loads(breached.stdout):
        overdue = [
            case[f"{d}_due_at"]
            for d, done in (("acknowledge", "acknowledged_at"), ("resolve", "resolved_at"))
            if case[done] is None and case[f"{d}_due_at"] and case["stage"] != "closed"
        ]
        assert case["breaches"] or any(due < simulation["end"] for due in overdue)
    assert simulation["breaches"] == 0 or json.loads(breached.stdout)
    closed = json.loads(run("cases", "list", "--stage", "closed", "--json", *at, cwd=folder).stdout)
    assert closed and all(case["stage"] == "closed" for case in closed)
    shown = run("cases", "show", closed[0]["id"], "--json", "--store", store, cwd=folder)
    assert json.loads(shown.stdout)["events"][0]["type"] == "case.opened"
    missing = run("cases", "show", "case_nope", "--store", store, cwd=folder)
    assert missing.returncode == 1 and "case_nope" in missing.stderr
    bad_stage = run("cases", "list", "--stage", "pending", *at, cwd=folder)
    assert bad_stage.returncode == 2 and "received" in bad_stage.stderr


def test_export_writes_csv_safe_for_spreadsheets(tmp_path):
    (tmp_path / "f.jsonl").write_text(
        json.dumps(
            {
                "channel": "web",
                "external_id": "1",
                "occurred_at": "2026-03-02T09:15:00Z",
                "text": '=HYPERLINK("http://evil.example","click")',
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert run("ingest", "f.jsonl", cwd=tmp_path).returncode == 0
    result = run("export", "feedback", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "'=HYPERLINK" in result.stdout
    assert run("export", "cases", "--out", "c.csv", cwd=tmp_path).returncode == 0
    assert (tmp_path / "c.csv").read_text(encoding="utf-8").startswith("id,opened_at,")


def test_analyze_a_text_and_the_stored_feedback(simulated):
    folder, store, _ = simulated
    one = run(
        "analyze", "--text", "La app se cierra sola, llámenme por favor", "--json", cwd=folder
    )
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["language"] == "es"
    stored = run("analyze", "--store", store, "--json", cwd=folder)
    data = json.loads(stored.stdout)
    assert data["feedback"] == 300 and sum(data["sentiment"].values()) == 300
    assert data["themes"] and data["themes"][0]["count"] >= 2


def test_the_config_file_names_the_store_and_the_environment_wins(tmp_path):
    (tmp_path / "clientvoice.toml").write_text(
        '# where feedback is kept\nstore = "sqlite:///from-config.db"\n'
        'timezone = "Europe/Madrid"\n',
        encoding="utf-8",
    )
    assert run("dead-letters", cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-config.db").exists()
    env = {"CLIENTVOICE_STORE": "sqlite:///from-env.db"}
    assert run("dead-letters", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "from-env.db").exists()
    missing = run("--config", "nope.toml", "dead-letters", cwd=tmp_path)
    assert missing.returncode == 1 and "nope.toml" in missing.stderr
    (tmp_path / "bad.toml").write_text("store = \n", encoding="utf-8")
    bad = run("--config", "bad.toml", "dead-letters", cwd=tmp_path)
    assert bad.returncode == 1 and "not valid TOML" in bad.stderr


def test_the_config_file_names_the_region_of_national_phone_numbers(tmp_path):
    (tmp_path / "clientvoice.toml").write_text(
        'store = "sqlite:///care.db"\nphone_region = "ES"\n', encoding="utf-8"
    )
    (tmp_path / "calls.csv").write_text(
        "id,when,phone,text\n"
        "c1,2026-03-02T10:00:00+01:00,611 222 333,Llama por el pedido\n"
        "c2,2026-03-03T10:00:00+01:00,+34 611-222-333,Vuelve a llamar por el pedido\n",
        encoding="utf-8",
    )
    ingested = run(
        "ingest", "calls.csv", "--channel", "phone", "--map", "external_id=id",
        "--map", "occurred_at=when", "--map", "customer.phone=phone", cwd=tmp_path,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    with SQLiteStore(tmp_path / "care.db") as store:
        (customer,) = store.iter_customers()
        assert customer.contact("phone") == "+34611222333"


def test_the_fallback_toml_reader_reads_what_a_config_needs():
    from clientvoice.cli import _parse_simple_toml

    text = '# c\nstore = "sqlite:///x.db"  \n[report]\ndays = 30\nshare = 0.5\nhtml = true\n'
    assert _parse_simple_toml(text) == {
        "store": "sqlite:///x.db",
        "report": {"days": 30, "share": 0.5, "html": True},
    }
    with pytest.raises(ValueError, match="line 1"):
        _parse_simple_toml("store\n")


def test_worker_runs_rounds_or_says_what_to_do(simulated, tmp_path):
    folder, _, _ = simulated
    for suffix in ("", "-wal", "-shm"):  # a copy: the worker changes the store
        source = folder / "sim" / f"simulation.db{suffix}"
        if source.exists():
            shutil.copy(source, tmp_path / f"copy.db{suffix}")
    store = f"sqlite:///{tmp_path / 'copy.db'}"
    result = run(
        "worker", "--rounds", "2", "--poll-interval", "0", "--store", store, "--json", cwd=tmp_path
    )
    try:
        import clientvoice.workers  # noqa: F401
    except ImportError:
        assert result.returncode == 1
        assert "clientvoice tick" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["rounds"] == 2


def test_without_click_the_command_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('click', 'rich') or name.startswith(('click.', 'rich.')):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n",
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(tmp_path)}
    result = run("--help", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'clientvoice: the command line needs click and rich: pip install "clientvoice[cli]"'
    )
    core = subprocess.run(
        [sys.executable, "-c", "import clientvoice, clientvoice.cli, clientvoice.reports"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert core.returncode == 0, core.stderr


def test_the_cli_reference_documents_every_command_and_option():
    import click

    from clientvoice.cli import command

    page = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "cli.md").read_text(
        encoding="utf-8"
    )
    headings = "\n".join(line for line in page.splitlines() if line.startswith("### "))
    missing = []

    def walk(group, prefix):
        for name, sub in group.commands.items():
            if not isinstance(sub, click.Group) and f"`{prefix}{name}" not in headings:
                missing.append(f"{prefix}{name}")
            for param in sub.params:
                for opt in getattr(param, "opts", []):
                    if opt.startswith("--") and f"`{opt}" not in page:
                        missing.append(f"{prefix}{name} {opt}")
            if isinstance(sub, click.Group):
                walk(sub, f"{prefix}{name} ")

    walk(command(), "")
    assert not missing, f"add to docs/reference/cli.md: {missing}"


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
        st.one_of(
            st.integers(-(10**9), 10**9),
            st.booleans(),
            st.text(
                st.characters(blacklist_characters='"\\\n\r', blacklist_categories=["Cs", "Cc"])
            ),
        ),
    )
)
def test_the_fallback_toml_reader_agrees_with_tomllib(values):
    tomllib = pytest.importorskip("tomllib")
    from clientvoice.cli import _parse_simple_toml

    lines = []
    for key, value in values.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f'{key} = "{value}"')
    text = "\n".join(lines) + "\n"
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:  # e.g. a backslash escape: not in the subset
        return
    assert _parse_simple_toml(text) == expected == values
