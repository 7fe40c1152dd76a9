"""Clocks: the real one is aware and in UTC; the manual one moves only when told."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from clientvoice import Clock, ManualClock, SystemClock, ValidationError

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)


def test_system_clock_is_aware_utc():
    now = SystemClock().now()
    assert now.tzinfo is timezone.utc
    assert isinstance(SystemClock(), Clock)


def test_manual_clock_moves_only_when_told():
    clock = ManualClock(T0)
    assert clock.now() == clock.now() == T0
    assert clock.advance(hours=2) == T0 + timedelta(hours=2)
    assert clock.advance(timedelta(days=30)) == T0 + timedelta(days=30, hours=2)
    clock.set(T0)
    assert clock.now() == T0
    with pytest.raises(ValidationError):
        clock.advance(minutes=-1)
    with pytest.raises(ValidationError):
        ManualClock(datetime(2026, 3, 29))
