"""The demo ends with the month's report, in the terminal and as demo-output/report.html."""

from __future__ import annotations

from clientvoice.demo import STEPS, DemoState, import_again, listen_for_a_month, run


def test_the_demo_ends_with_the_report_and_writes_the_html_page(tmp_path):
    lines: list[str] = []
    result = run(tmp_path, records=400, seed=5, echo=lines.append)
    assert result.html == tmp_path / "report.html"
    page = result.html.read_text(encoding="utf-8")
    assert page.count('<svg role="img"') >= 8
    assert result.report is not None and result.report.feedback > 300
    text = "\n".join(lines)
    report_at = text.index("Customer listening report")
    assert text.index("Whether we listened") < report_at  # the report comes last
    assert "Cost of recovery" in text[report_at:]
    assert lines[-1] == f"Report: {result.html}"


def test_a_step_is_one_function_added_to_the_list(tmp_path):
    seen: list[int] = []

    def count_cases(state: DemoState) -> None:
        seen.append(sum(1 for _ in state.listener.store.iter_cases()))
        state.echo(f"{seen[0]} cases")

    lines: list[str] = []
    result = run(
        tmp_path,
        records=150,
        seed=5,
        days=5,
        echo=lines.append,
        steps=[listen_for_a_month, import_again, count_cases],
    )
    assert seen and seen[0] == result.listening.cases
    assert f"{seen[0]} cases" in lines
    assert result.report is None and result.html is None
    assert count_cases not in STEPS
