"""The month itself: the export played over simulated days, a problem resolved, a second import."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from clientvoice._ids import stable_digest
from clientvoice.channels.files import read_records
from clientvoice.listener import Listener
from clientvoice.models import (
    Case,
    CaseStage,
    RecoveryGesture,
)
from clientvoice.simulation import simulate
from clientvoice.workflow.engine import ProblemResolution

if TYPE_CHECKING:
    from clientvoice.demo.state import DemoState

__all__ = ["import_again", "listen_for_a_month", "resolve_a_problem"]


def listen_for_a_month(state: DemoState) -> None:
    """Play the export over the simulated days while a simulated team works the cases."""
    state.echo(f"Listening for {state.days} simulated days with {state.listener!r}")
    daily = list(state.every_day)

    def every_day(now: datetime) -> None:
        for task in daily:
            task(now)

    state.simulation = simulate(
        state.listener,
        days=state.days,
        seed=state.seed,
        source=read_records(state.export),
        on_day=every_day if daily else None,
    )


def resolve_a_problem(state: DemoState) -> None:
    """Resolve the largest group of open cases about the same thing as one problem."""
    state.problem = _resolve_a_problem(state.listener)
    if state.problem is not None:
        state.echo(
            f"Problem {state.problem.problem.title!r}: resolved {len(state.problem.cases)} "
            "cases at once and told every customer"
        )
    state.listener.tick()


def import_again(state: DemoState) -> None:
    """Import the same export a second time: nothing is stored twice."""
    state.second = state.listener.ingest_file(state.export)
    state.echo(f"Importing the same export again: {state.second}  (nothing is stored twice)")


def _resolve_a_problem(listener: Listener) -> ProblemResolution | None:
    """Link the largest group of open cases whose customers said the same thing; resolve it."""
    groups: dict[str, list[Case]] = {}
    for case in listener.store.iter_cases():
        if (
            case.stage
            not in (
                CaseStage.RECEIVED,
                CaseStage.ACKNOWLEDGED,
                CaseStage.UNDERSTANDING,
                CaseStage.ACTING,
            )
            or case.feedback_id is None
        ):
            continue
        text = listener.store.get_feedback(case.feedback_id).text
        key = " ".join(text.lower().split())
        if key:
            groups.setdefault(key, []).append(case)
    if not groups:
        return None
    text, cases = max(groups.items(), key=lambda item: (len(item[1]), item[0]))
    if len(cases) < 2:
        return None
    workflow = listener.workflow
    title = f"Many customers: {text[:60]}"
    problem = workflow.open_problem(
        title, by="quality-team", cases=[c.id for c in cases], theme=stable_digest(text)[:8]
    )
    return workflow.resolve_problem(
        problem.id,
        by="quality-team",
        resolution="We found the common cause and fixed it for everyone who reported it.",
        root_cause="one cause behind many reports",
        gesture=RecoveryGesture(kind="voucher", description="a 10 EUR voucher", value=10, cost=10),
    )
