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
from clientvoice.identity import signature
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
    known: list[tuple[str, Customer, datetime]] = attrs.field(factory=list)
    """Descriptions of customers that resolved to a stored customer or to another description
    (the stored id, the description, when it was heard): what
    :func:`clientvoice.identity.link_customers` links after the new customers are written."""

    def redirected(self, gone: dict[str, str]) -> BatchPlan:
        """The plan with the items of customers merged away (``gone``: old id to survivor)
        pointed at their survivors."""
        if not gone:
            return self
        stored = [
            _with_customer(item, gone[item.interaction.customer_id])
            if item.interaction.customer_id in gone
            else item
            for item in self.stored
        ]
        return attrs.evolve(self, stored=stored)


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
    others: list[Heard] = []  # items describing an already seen customer id differently
    for item in fresh:
        customer = item.customer
        seen = first_seen.get(customer.id)
        if seen is None:
            first_seen[customer.id] = item
        elif customer is not seen.customer and customer != seen.customer:
            others.append(item)
    resolved = resolve_customers([item.customer for item in first_seen.values()])
    known = [
        (resolved[customer_id], item.customer, item.interaction.occurred_at)
        for customer_id, item in first_seen.items()
        if customer_id in resolved
    ]

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
            known.append((owner, item.customer, item.interaction.occurred_at))
            continue
        resolved[customer_id] = customer_id
        for point in item.customer.contacts:
            claimed[(point.channel, point.value)] = customer_id
        new_customers.append((item.customer, item.interaction.occurred_at))

    described: set[tuple[str, int]] = set()
    if others:
        described = {(key, signature(item.customer)) for key, item in first_seen.items()}
    for item in others:
        mark = (item.customer.id, signature(item.customer))
        if mark not in described:
            described.add(mark)
            known.append((resolved[item.customer.id], item.customer, item.interaction.occurred_at))

    stored = fresh
    for index, item in enumerate(fresh):
        customer_id = resolved[item.customer.id]
        if item.interaction.customer_id != customer_id or (
            item.feedback is not None and item.feedback.customer_id != customer_id
        ):
            stored[index] = _with_customer(item, customer_id)
    return BatchPlan(stored=stored, duplicates=duplicates, new_customers=new_customers, known=known)


def _with_customer(item: Heard, customer_id: str) -> Heard:
    return Heard(
        customer=item.customer,
        interaction=attrs.evolve(item.interaction, customer_id=customer_id),
        feedback=None
        if item.feedback is None
        else attrs.evolve(item.feedback, customer_id=customer_id),
    )
