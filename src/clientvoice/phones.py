"""Phone numbers written without a country code, read as numbers of one region (extra ``phones``).

A call-centre note says "612 345 678"; the same customer's web form says "+34 612 345 678". Both
are the same contact point only once the first is read as a Spanish number. A
:class:`~clientvoice.Listener` given ``phone_region="ES"`` does that for every phone number it
hears without a ``+`` (through :func:`international_number`), before customers are resolved, so
both records land on one customer. Reading national numbers needs each country's numbering
plan (trunk prefixes such as the British ``0``, lengths, area codes), which the well-kept
``phonenumbers`` package carries: install ``clientvoice[phones]``.
"""

from __future__ import annotations

from types import ModuleType

import attrs

from clientvoice.errors import MissingExtraError, ValidationError
from clientvoice.models import PHONE_CHANNELS, ContactPoint, Customer

__all__ = ["check_region", "international_number", "with_international_numbers"]


def check_region(region: str) -> str:
    """``region`` as a two-letter region code the numbering plans know (``"ES"``, ``"MX"``).

    :raises ValidationError: naming ``phone_region`` if it is not one.
    :raises MissingExtraError: if the ``phones`` extra is not installed.
    """
    plans = _phonenumbers()
    code = region.strip().upper() if isinstance(region, str) else region
    if code not in plans.SUPPORTED_REGIONS:
        raise ValidationError(
            "phone_region", region, "must be a two-letter region code such as 'ES' or 'MX'"
        )
    return str(code)


def international_number(value: str, region: str) -> str:
    """The phone number ``value`` (digits, as :func:`~clientvoice.models.normalize_contact`
    keeps them) with its country code: ``"612345678"`` in ``"ES"`` is ``"+34612345678"``,
    ``"07700900123"`` in ``"GB"`` is ``"+447700900123"``.

    A number that already has its ``+`` is returned as it is, and so is one that cannot be a
    number of ``region`` (too short, too long): nothing the customer gave is lost or guessed.
    """
    if value.startswith("+"):
        return value
    plans = _phonenumbers()
    try:
        number = plans.parse(value, region)
    except plans.NumberParseException:
        return value
    if not plans.is_possible_number(number):
        return value
    return str(plans.format_number(number, plans.PhoneNumberFormat.E164))


def with_international_numbers(customer: Customer, region: str) -> Customer:
    """``customer`` with every phone contact point written without a country code read as a
    number of ``region`` (see :func:`international_number`); the same customer if none was."""
    contacts = customer.contacts
    if not any(c.channel in PHONE_CHANNELS and c.value[:1] != "+" for c in contacts):
        return customer
    read = []
    for contact in contacts:
        if contact.channel in PHONE_CHANNELS:
            contact = ContactPoint(contact.channel, international_number(contact.value, region))
        if contact not in read:
            read.append(contact)
    return attrs.evolve(customer, contacts=tuple(read))


def _phonenumbers() -> ModuleType:
    try:
        import phonenumbers
    except ImportError:
        raise MissingExtraError("phones", "phonenumbers") from None
    return phonenumbers
