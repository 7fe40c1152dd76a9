"""A clientvoice channel for in-store smiley kiosks (an example third-party plugin)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import clientvoice
from clientvoice import Heard, ValidationError
from clientvoice.channels import parse_record

__version__ = "0.1.0"

BUTTON_CSAT = {"very_unhappy": 1, "unhappy": 2, "happy": 4, "very_happy": 5}
"""The CSAT score each kiosk button stands for (the kiosk has no neutral button)."""


class KioskChannel:
    """Hears button presses from smiley kiosks."""

    name = "kiosk"

    def parse(self, payload: Any, *, now: datetime) -> Sequence[Heard]:
        if not isinstance(payload, dict):
            raise ValidationError("payload", payload, "must be a JSON object")
        for field in ("kiosk", "press", "button"):
            if field not in payload:
                raise ValidationError(field, None, "is required")
        button = payload["button"]
        if button not in BUTTON_CSAT:
            raise ValidationError("button", button, f"must be one of {', '.join(BUTTON_CSAT)}")
        kiosk, press = payload["kiosk"], payload["press"]
        if type(kiosk) is not str or not kiosk:
            raise ValidationError("kiosk", kiosk, "must be the kiosk's name")
        if type(press) is not int:
            raise ValidationError("press", press, "must be the kiosk's press counter")
        record = {
            "channel": self.name,
            "external_id": f"{kiosk}#{press}",
            "occurred_at": payload.get("pressed_at"),
            "text": payload.get("comment") or "",
            "csat": BUTTON_CSAT[button],
            "metadata": {"kiosk": kiosk, "button": button},
        }
        if payload.get("language") is not None:
            record["language"] = payload["language"]
        return [parse_record({k: v for k, v in record.items() if v is not None}, now=now)]


@clientvoice.hookimpl
def clientvoice_register_channels(register: Callable[[KioskChannel], None]) -> None:
    """Give every Listener a ``kiosk`` channel."""
    register(KioskChannel())
