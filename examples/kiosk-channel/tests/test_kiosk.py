"""The kiosk plugin, tested the way its users meet it: installed, and found by a Listener."""

from __future__ import annotations

import pytest

import clientvoice
from clientvoice.testing import ChannelContract


def test_an_installed_kiosk_plugin_is_discovered_through_its_entry_point(monkeypatch):
    monkeypatch.delenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    with clientvoice.Listener.open("memory://") as listener:
        assert "kiosk" in listener.channels
        info = {p.name: p for p in listener.plugin_info()}["kiosk"]
        assert info.source == "entrypoint"
        assert info.version == "0.1.0"
        assert info.hooks == ("clientvoice_register_channels",)


def test_a_press_becomes_feedback_with_a_csat_score(monkeypatch):
    monkeypatch.delenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    press = {
        "kiosk": "madrid-sol-02",
        "press": 17,
        "button": "unhappy",
        "pressed_at": "2026-03-02T18:04:11+01:00",
        "comment": "Cola de 20 minutos en caja",
        "language": "es",
    }
    with clientvoice.Listener.open("memory://") as listener:
        (heard,) = listener.hear("kiosk", press)
        assert heard.feedback is not None
        assert heard.feedback.csat == 2
        assert heard.feedback.text == "Cola de 20 minutos en caja"
        assert heard.interaction.external_id == "madrid-sol-02#17"
        assert listener.hear("kiosk", press) == []  # a resent press is heard once


class TestKioskContract(ChannelContract):
    @pytest.fixture
    def channel(self):
        import clientvoice_kiosk

        return clientvoice_kiosk.KioskChannel()

    @pytest.fixture
    def good_payloads(self):
        return [
            {
                "kiosk": "k1",
                "press": 1,
                "button": "very_happy",
                "pressed_at": "2026-03-02T10:00:00Z",
            },
            {"kiosk": "k1", "press": 2, "button": "very_unhappy", "comment": "Sucio"},
        ]

    @pytest.fixture
    def bad_payloads(self):
        return [
            {"kiosk": "k1", "press": 3, "button": "meh"},
            {"kiosk": "k1", "button": "happy"},
            {"kiosk": "k1", "press": "4", "button": "happy"},
            ["not", "an", "object"],
        ]
