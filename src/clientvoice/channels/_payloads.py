"""Helpers the built-in channels share to read untrusted payloads: size, text and JSON limits.

Every function here raises :class:`~clientvoice.ValidationError` naming the field and the reason,
never a raw exception, whatever bytes it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from clientvoice.errors import ValidationError
from clientvoice.models import Heard

__all__ = [
    "as_bytes",
    "decode_utf8",
    "evolve_interaction",
    "load_json_object",
    "merged_metadata",
    "nests_deeper_than",
]

_BRACKETS = re.compile(r'["\\\[\]{}]')


def as_bytes(payload: Any) -> bytes | None:
    """``payload`` as bytes if it is bytes-like, else None."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray | memoryview):
        return bytes(payload)
    return None


def decode_utf8(data: bytes, field: str) -> str:
    """UTF-8 text (without a leading byte-order mark), or a ValidationError saying where not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            field,
            data[max(0, error.start - 20) : error.start + 20],
            f"is not UTF-8 text (byte {data[error.start]:#04x} at position {error.start})",
        ) from None


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of the JSON ``text`` nest more than ``limit`` levels deep.

    Reads brackets only, outside strings, in one pass however deep the nesting, and stops at the
    first level past the limit. It runs before :func:`json.loads`, which would use a lot of stack
    on a body nested thousands of levels deep and then raise RecursionError.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # not enough brackets to go deeper than the limit
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _BRACKETS.finditer(text):
        char, position = match.group(), match.start()
        if in_string:
            if position == escaped_at:
                continue
            if char == "\\":
                escaped_at = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def load_json_object(
    payload: str | bytes, *, field: str, max_bytes: int, max_depth: int
) -> dict[str, Any]:
    """Parse one JSON object from a request body, enforcing a size and a nesting limit.

    :raises ValidationError: for a body over ``max_bytes``, not UTF-8, nested more than
        ``max_depth`` levels, not JSON, or JSON that is not an object.
    """
    size = len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8", "replace"))
    if size > max_bytes:
        raise ValidationError(
            field, f"{size} bytes", f"is larger than the limit of {max_bytes} bytes"
        )
    text = decode_utf8(payload, field) if isinstance(payload, bytes) else payload
    if nests_deeper_than(text, max_depth):
        raise ValidationError(
            field, text[:60], f"is nested more than {max_depth} levels deep (the limit)"
        )
    try:
        value = json.loads(text)
    except RecursionError:  # a limit above the interpreter's own: refuse all the same
        raise ValidationError(field, text[:60], "is nested too deeply to be read") from None
    except ValueError as error:
        raise ValidationError(field, text[:60], f"is not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise ValidationError(field, value, "must be a JSON object")
    return value


def evolve_interaction(item: Heard, **changes: Any) -> Heard:
    """``item`` with its interaction changed (validated again), keeping ids and feedback."""
    return attrs.evolve(item, interaction=attrs.evolve(item.interaction, **changes))


def merged_metadata(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` completed by ``extra``: keys already in ``base`` win, None values are dropped."""
    merged = dict(base)
    for key, value in extra.items():
        if value is not None and key not in merged:
            merged[key] = value
    return merged
