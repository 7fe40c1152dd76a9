"""One person, one customer: the rules for linking and merging customer records.

The same person writes from an e-mail address, calls from a phone and mentions the brand from a
social handle. Stores keep one customer per person by these rules, shared by every store:

- a record is resolved to a stored customer by its customer id (a merged id leads to the
  customer it was merged into) or by any of its contact points;
- when a known customer is heard with something new, the stored profile keeps its fields (the
  first description wins: name, preferred name, kind, language, time zone, consents) and gains
  the new contact points, segments and membership programmes (:func:`linked_profile`);
- when one record names contact points of two stored customers, they are the same person: the
  customer created first absorbs the other (:func:`merged_profile`, and the store moves the
  history), and a ``customer.merged`` event says so (:func:`merge_event`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.errors import ValidationError
from clientvoice.models import ContactPoint, Customer, Event

__all__ = [
    "AUTOMATIC_MERGE_REASON",
    "check_instant",
    "link_customers",
    "linked_profile",
    "merge_event",
    "merged_profile",
    "replace_id",
    "signature",
]

AUTOMATIC_MERGE_REASON = "one record named contact points of both customers"
"""The reason of the ``customer.merged`` events of merges made while ingesting."""


def linked_profile(
    stored: Customer, heard: Customer, *, free: Mapping[ContactPoint, bool] | None = None
) -> Customer | None:
    """``stored`` with what ``heard`` adds to it, or None when it adds nothing.

    New contact points are appended (only those ``free`` marks True, when given: a contact
    point of another customer is the store's business), new segments joined, membership
    programmes ``stored`` lacks added; every other field of ``stored`` is kept.
    """
    contacts = list(stored.contacts)
    for point in heard.contacts:
        if point not in contacts and (free is None or free.get(point, False)):
            contacts.append(point)
    segments = stored.segments | heard.segments
    memberships = dict(stored.memberships)
    for programme, level in heard.memberships.items():
        memberships.setdefault(programme, level)
    if (
        len(contacts) == len(stored.contacts)
        and len(segments) == len(stored.segments)
        and len(memberships) == len(stored.memberships)
    ):
        return None
    return attrs.evolve(
        stored, contacts=tuple(contacts), segments=segments, memberships=memberships
    )


def merged_profile(keep: Customer, merge: Customer) -> Customer:
    """The surviving customer of merging ``merge`` into ``keep``: ``keep``'s profile fields,
    both customers' contact points, segments and programmes, and the earlier ``created_at``."""
    profile = linked_profile(keep, merge) or keep
    created = [when for when in (keep.created_at, merge.created_at) if when is not None]
    return attrs.evolve(profile, created_at=min(created) if created else None)


def merge_event(
    keep_id: str,
    merge_id: str,
    *,
    at: datetime,
    moved: Mapping[str, int],
    actor: str = "system",
    reason: str | None = None,
) -> Event:
    """The ``customer.merged`` event of merging ``merge_id`` into ``keep_id``.

    ``moved`` counts the records of each kind moved to the survivor. The id depends on both
    customer ids, so a merge retried after a crash is logged once.
    """
    return Event(
        id=stable_id("ev", keep_id, merge_id, "customer.merged"),
        type="customer.merged",
        occurred_at=at,
        actor=actor,
        customer_id=keep_id,
        reason=reason,
        data={"merged_id": merge_id, "moved": dict(moved)},
    )


def check_instant(at: Any) -> datetime:
    """``at`` if it is a timezone-aware datetime (the ``at`` of a merge or an erasure).

    :raises ValidationError: naming ``at`` otherwise.
    """
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValidationError("at", at, "must be a timezone-aware datetime")
    return at


def replace_id(value: Any, old: str, new: str) -> Any:
    """A JSON value with every string equal to ``old`` replaced by ``new`` (timer data)."""
    if value == old:
        return new
    if isinstance(value, Mapping):
        return {key: replace_id(item, old, new) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace_id(item, old, new) for item in value]
    return value


def signature(customer: Customer) -> int:
    """A number that changes when what :func:`linked_profile` reads of ``customer`` changes
    (contact points, segments, membership programmes): stores remember it per stored customer
    to skip linking a description they already linked."""
    return hash((customer.contacts, customer.segments, tuple(sorted(customer.memberships.items()))))


def link_customers(
    known: Sequence[tuple[str, Customer, datetime]],
    *,
    owners: Callable[[Sequence[ContactPoint]], Mapping[ContactPoint, str]],
    profile: Callable[[str], Customer],
    merge: Callable[[str, str, datetime], None],
    save: Callable[[Customer], None],
) -> dict[str, str]:
    """Apply the identity rules to customers heard again; returns the ids merged away.

    ``known`` holds, for each description heard in a batch whose customer is already stored,
    the stored id it resolved to, the description and when it was heard. For each: when its
    contact points belong to several stored customers, they are one person, and each is merged
    (``merge(keep, gone, when)``) into the one created first (it holds the first description
    and usually the most history); then the contact points nobody owns, new segments and
    programmes are added to the survivor's profile (``save``). ``owners`` maps contact points
    to their stored owners, ``profile`` reads a stored customer. The result maps each
    merged-away id to its survivor, so the store can point the batch's items at it.
    """
    gone: dict[str, str] = {}
    for stored_id, heard, when in known:
        owned = owners(heard.contacts)
        same = [_follow(gone, stored_id)]
        for point in heard.contacts:
            owner = owned.get(point)
            if owner is not None and _follow(gone, owner) not in same:
                same.append(_follow(gone, owner))
        keep = same[0]
        if len(same) > 1:
            profiles = {customer_id: profile(customer_id) for customer_id in same}
            keep = min(same, key=lambda customer_id: _age(profiles[customer_id]))
            for other in same:
                if other != keep:
                    merge(keep, other, when)
                    gone[other] = keep
        free = {point: point not in owned for point in heard.contacts}
        linked = linked_profile(profile(keep), heard, free=free)
        if linked is not None:
            save(linked)
    return {old: _follow(gone, old) for old in gone}


def _age(customer: Customer) -> tuple[bool, datetime | None, str]:
    """A sort key putting the customer created first first (unknown creation last, then id)."""
    return (customer.created_at is None, customer.created_at, customer.id)


def _follow(gone: Mapping[str, str], customer_id: str) -> str:
    """``customer_id`` after the merges recorded in ``gone``."""
    while customer_id in gone:
        customer_id = gone[customer_id]
    return customer_id
