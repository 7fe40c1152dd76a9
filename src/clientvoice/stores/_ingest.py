"""The store-independent half of ingestion: deduplicate a batch and resolve its customers.

Every store calls :func:`plan_batch` inside its write transaction, handing it two look-ups into its
own storage; the plan says what to insert. Keeping this in one place keeps every store's
idempotency and identity rules the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from clientvoice.errors import ValidationError
from clientvoice.models import Customer, Heard

__all__ = ["BatchPlan", "plan_batch"]

Key = tuple[str, str]


@attrs.frozen
class BatchPlan:
    """What to write: the new items (customer ids resolved), the duplicates, the new customers
    with the time they were first heard."""

    stored: list[Heard]
    duplicates: list[Heard]
    new_customers: list[tuple[Customer, datetime]]


def plan_batch(
    batch: Sequence[Heard],
    existing_keys: Callable[[set[Key]], set[Key]],
    resolve_customers: Callable[[Sequence[Customer]], dict[str, str]],
) -> BatchPlan:
    """Split ``batch`` into new items and duplicates, and resolve every customer.

    :param existing_keys: given ``(channel, external_id)`` keys, returns those already stored.
    :param resolve_customers: given customers, maps the id of each one already stored (by id or by
        contact point) to the stored id; customers left out of the map are new.
    """
    first: dict[Key, Heard] = {}  # the first item of each key, in batch order
    duplicates: list[Heard] = []
    for item in batch:
        interaction = item.interaction
        external_id = interaction.external_id
        if external_id is None:
            raise ValidationError(
                "interaction.external_id",
                None,
                "is required by stores (it makes ingestion idempotent)",
            )
        key = (interaction.channel, external_id)
        if key in first:
            duplicates.append(item)
        else:
            first[key] = item
    existing = existing_keys(set(first)) if first else set()
    if existing:
        fresh: list[Heard] = []
        for key, item in first.items():
            if key in existing:
                duplicates.append(item)
            else:
                fresh.append(item)
    else:
        fresh = list(first.values())

    first_seen: dict[str, Heard] = {}
    for item in fresh:
        customer_id = item.customer.id
        if customer_id not in first_seen:
            first_seen[customer_id] = item
    resolved = resolve_customers([item.customer for item in first_seen.values()])

    new_customers: list[tuple[Customer, datetime]] = []
    claimed: dict[Key, str] = {}
    for customer_id, item in first_seen.items():
        if customer_id in resolved:
            continue
        owner = next(
            (
                claimed[(p.channel, p.value)]
                for p in item.customer.contacts
                if (p.channel, p.value) in claimed
            ),
            None,
        )
        if owner is not None:  # shares a contact point with a customer new in this batch
            resolved[customer_id] = owner
            continue
        resolved[customer_id] = customer_id
        for point in item.customer.contacts:
            claimed[(point.channel, point.value)] = customer_id
        new_customers.append((item.customer, item.interaction.occurred_at))

    stored = fresh
    for index, item in enumerate(fresh):
        customer_id = resolved[item.customer.id]
        if item.interaction.customer_id != customer_id or (
            item.feedback is not None and item.feedback.customer_id != customer_id
        ):
            stored[index] = _with_customer(item, customer_id)
    return BatchPlan(stored=stored, duplicates=duplicates, new_customers=new_customers)


def _with_customer(item: Heard, customer_id: str) -> Heard:
    return Heard(
        customer=item.customer,
        interaction=attrs.evolve(item.interaction, customer_id=customer_id),
        feedback=None
        if item.feedback is None
        else attrs.evolve(item.feedback, customer_id=customer_id),
    )
