"""Built-in plugin: the standard survey backends, registered exactly as a third party's would be.

``link`` (the host's own form, :class:`~clientvoice.surveys.link.LinkBackend`), ``typeform``
(:class:`~clientvoice.surveys.typeform.TypeformBackend`) and ``delighted``
(:class:`~clientvoice.surveys.delighted.DelightedBackend`). They are registered unconfigured:
the link backend knows no form address and the vendor backends no secret, so they refuse to invite
and refuse every webhook until the host registers configured ones under the same names from a
host plugin (which is called first and wins), or hands them to
:class:`~clientvoice.surveys.service.Surveys`, which registers them for it.
"""

from __future__ import annotations

from collections.abc import Callable

from clientvoice.hookspecs import hookimpl
from clientvoice.surveys.delighted import DelightedBackend
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.typeform import TypeformBackend

__all__ = ["clientvoice_register_survey_backends"]


@hookimpl(trylast=True)
def clientvoice_register_survey_backends(register: Callable[[object], None]) -> None:
    """Register the unconfigured ``link``, ``typeform`` and ``delighted`` backends."""
    register(LinkBackend())
    register(TypeformBackend())
    register(DelightedBackend())
