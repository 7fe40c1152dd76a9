"""ChannelContract: what every channel plugin must do, as tests."""

from __future__ import annotations

import contextlib
import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from clientvoice.channels import Channel
from clientvoice.errors import ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import Listener
from clientvoice.models import Heard

__all__ = ["ChannelContract"]

_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


class ChannelContract:
    """Tests every channel must pass. Provide three fixtures:

    ``channel``
        the channel object under test;
    ``good_payloads``
        a list of payloads the channel must accept, each giving at least one item;
    ``bad_payloads``
        a list of payloads it must refuse with :class:`~clientvoice.ValidationError`.
    """

    @pytest.fixture
    def channel(self) -> Channel:
        raise NotImplementedError("provide a 'channel' fixture")

    @pytest.fixture
    def good_payloads(self) -> list[Any]:
        raise NotImplementedError("provide a 'good_payloads' fixture")

    @pytest.fixture
    def bad_payloads(self) -> list[Any]:
        raise NotImplementedError("provide a 'bad_payloads' fixture")

    def test_has_a_lowercase_name(self, channel: Channel) -> None:
        assert isinstance(channel.name, str)
        assert channel.name == channel.name.strip().lower()
        assert channel.name

    def test_parses_good_payloads_into_heard_items(
        self, channel: Channel, good_payloads: list[Any]
    ) -> None:
        assert good_payloads, "give at least one good payload"
        for payload in good_payloads:
            items = channel.parse(payload, now=_NOW)
            assert items, f"{payload!r} gave nothing"
            for item in items:
                assert isinstance(item, Heard)
                assert item.interaction.channel == channel.name
                assert item.interaction.customer_id == item.customer.id

    def test_parsing_is_deterministic(self, channel: Channel, good_payloads: list[Any]) -> None:
        for payload in good_payloads:
            assert list(channel.parse(payload, now=_NOW)) == list(channel.parse(payload, now=_NOW))

    def test_parsing_does_not_change_the_payload(
        self, channel: Channel, good_payloads: list[Any], bad_payloads: list[Any]
    ) -> None:
        for payload in [*good_payloads, *bad_payloads]:
            before = copy.deepcopy(payload)
            with contextlib.suppress(ValidationError):
                channel.parse(payload, now=_NOW)
            assert payload == before

    def test_refuses_bad_payloads_with_a_validation_error(
        self, channel: Channel, bad_payloads: list[Any]
    ) -> None:
        assert bad_payloads, "give at least one bad payload"
        for payload in bad_payloads:
            with pytest.raises(ValidationError) as caught:
                channel.parse(payload, now=_NOW)
            assert caught.value.field, "the error must name the offending field"

    def test_a_listener_hears_each_payload_once(
        self, channel: Channel, good_payloads: list[Any]
    ) -> None:
        class Provider:
            name = "channel-under-test"

            @hookimpl
            def clientvoice_register_channels(self, register: Any) -> None:
                register(channel)

        with Listener(plugins=[Provider()], autoload=False) as listener:
            first = [
                item for payload in good_payloads for item in listener.hear(channel.name, payload)
            ]
            assert first
            again = [
                item for payload in good_payloads for item in listener.hear(channel.name, payload)
            ]
            assert again == [], "hearing the same payload twice must store it once"
            counts = listener.store.counts()
            assert counts["interactions"] == len(first)

    def test_a_listener_stores_nothing_from_a_bad_payload(
        self, channel: Channel, bad_payloads: list[Any]
    ) -> None:
        class Provider:
            name = "channel-under-test"

            @hookimpl
            def clientvoice_register_channels(self, register: Any) -> None:
                register(channel)

        with Listener(plugins=[Provider()], autoload=False) as listener:
            for payload in bad_payloads:
                with pytest.raises(ValidationError):
                    listener.hear(channel.name, payload)
            assert listener.store.counts()["interactions"] == 0
