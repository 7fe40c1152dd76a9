"""The moves a case can make from each stage of the listening workflow, and nothing else.

::

    received → acknowledged → understanding → acting → resolved → informed → closed
        │            │              │            │          │                  │
        └── no action (a thank-you) └────────────┴── via a problem         reopen ──▶ received

A move that the current stage does not allow raises :class:`~clientvoice.TransitionError`, which
names the stage and the moves that are allowed.
"""

from __future__ import annotations

from types import MappingProxyType

from clientvoice.errors import TransitionError
from clientvoice.models import Case, CaseStage

__all__ = ["MOVES", "allowed_moves", "check_move"]

_R, _A, _U, _C, _S, _I, _X = (
    CaseStage.RECEIVED,
    CaseStage.ACKNOWLEDGED,
    CaseStage.UNDERSTANDING,
    CaseStage.ACTING,
    CaseStage.RESOLVED,
    CaseStage.INFORMED,
    CaseStage.CLOSED,
)

MOVES: MappingProxyType[str, frozenset[CaseStage]] = MappingProxyType(
    {
        # move: the stages it may start from
        "acknowledge": frozenset({_R}),
        "understand": frozenset({_A, _U}),
        "act": frozenset({_U, _C}),
        "resolve": frozenset({_C}),
        "resolve_with_problem": frozenset({_R, _A, _U, _C}),
        "inform": frozenset({_S}),
        "close": frozenset({_I}),
        "close_unreachable": frozenset({_S}),
        "no_action": frozenset({_R, _A, _U}),
        "reopen": frozenset({_S, _I, _X}),
        "assign": frozenset({_R, _A, _U, _C}),
        "progress": frozenset({_A, _U, _C}),
        "wait_for_customer": frozenset({_A, _U, _C}),
        "resume": frozenset({_A, _U, _C}),
        "link_to_problem": frozenset({_R, _A, _U, _C}),
    }
)
"""For each move of the workflow, the stages from which it is allowed."""


_SAID_AS = {"close_unreachable": "close(unreachable=...)", "resolve_with_problem": None}
"""How moves the workflow makes internally are named to users (None: not named at all)."""


def allowed_moves(stage: CaseStage) -> tuple[str, ...]:
    """The moves a case in ``stage`` may make, named as :class:`~clientvoice.Workflow` methods."""
    named = (_SAID_AS.get(move, move) for move, stages in MOVES.items() if stage in stages)
    return tuple(move for move in named if move is not None)


def check_move(case: Case, move: str) -> None:
    """Raise :class:`~clientvoice.TransitionError` unless ``case`` may make ``move`` now."""
    if case.stage not in MOVES[move]:
        said = _SAID_AS.get(move, move) or "resolve"
        raise TransitionError(case.id, case.stage.value, said, allowed_moves(case.stage))
