"""What the demo's steps share: :class:`DemoState`, and the shape of a step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from clientvoice.listener import IngestReport, Listener
from clientvoice.reports.model import Report
from clientvoice.simulation import SimulationReport
from clientvoice.surveys.service import Surveys
from clientvoice.workflow.engine import ProblemResolution

if TYPE_CHECKING:
    from clientvoice.demo.channels import ChannelTally
    from clientvoice.demo.summary import Listening, Summary
    from clientvoice.demo.surveys import SurveyTally, _SurveyMonth

__all__ = ["DemoState", "Step"]


@attrs.define
class DemoState:
    """What the demo's steps share: the open listener, and what each step found so far.

    A step is a function taking this state; it reads what earlier steps left and sets what it
    finds, so adding a step to the demo is writing one function and listing it in
    :data:`STEPS`.
    """

    out: Path
    export: Path
    days: int
    seed: int
    listener: Listener
    echo: Callable[[str], None]
    simulation: SimulationReport | None = None
    problem: ProblemResolution | None = None
    second: IngestReport | None = None
    summary: Summary | None = None
    listening: Listening | None = None
    report: Report | None = None
    html: Path | None = None
    surveys: Surveys | None = None
    every_day: list[Callable[[datetime], None]] = attrs.field(factory=list)
    channels: tuple[ChannelTally, ...] = ()
    survey_month: _SurveyMonth | None = None
    surveys_tally: SurveyTally | None = None
    timings: list[tuple[str, float]] = attrs.field(factory=list)


Step = Callable[[DemoState], None]
