"""Identifiers: stable ones derived from a natural key, and fresh ones for new records.

Stable ids make retries converge: the interaction heard twice as ``("email", "<m1@x>")``
gets the same id both times, in any process, so stores can ignore the second copy.
"""

from __future__ import annotations

import os
import time
from hashlib import blake2b

__all__ = ["new_id", "stable_digest", "stable_id"]


def stable_id(prefix: str, *parts: str) -> str:
    """An id that depends only on ``prefix`` and ``parts`` (80 bits of BLAKE2b)."""
    digest = blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=10)
    return f"{prefix}_{digest.hexdigest()}"


def stable_digest(*parts: str) -> str:
    """The part of :func:`stable_id` after the prefix: ``stable_id(p, *parts)`` is
    ``f"{p}_{stable_digest(*parts)}"``, so ids of several kinds for the same parts (an
    interaction and its feedback) cost one hash."""
    return blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def new_id(prefix: str) -> str:
    """A fresh id that sorts by creation time: 48 bits of milliseconds, then 64 random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{millis:012x}{os.urandom(8).hex()}"
