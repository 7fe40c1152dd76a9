"""Builds the plugin manager of one Listener and gives the rest of the code typed hook calls.

Registration order is fixed: the hook specifications, clientvoice's built-in plugins, plugins found
through the ``clientvoice`` entry-point group, then the plugins the host application passes to its
:class:`~clientvoice.Listener`; then ``check_pending()`` rejects implementations of unknown hooks.
pluggy calls the last registered first, so the host wins, then third parties, then built-ins.

Two environment variables change what is loaded, for every Listener in the process:

``CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD``
    when set to a non-empty value other than ``0``, entry-point plugins are not loaded.
``CLIENTVOICE_BLOCK_PLUGINS``
    a comma-separated list of plugin names (as ``clientvoice plugins`` shows them) not to load;
    built-in plugins can be blocked too.
"""

from __future__ import annotations

import importlib
import os
import types
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs
import pluggy

from clientvoice import hookspecs
from clientvoice._version import __version__
from clientvoice.analysis import Analyzer
from clientvoice.channels import Channel
from clientvoice.errors import PluginError, UnknownChannelError
from clientvoice.messages.templates import MessageTemplate
from clientvoice.models import Analysis, Case, Customer, Event, Feedback, MessageKind, Route
from clientvoice.surveys import SurveyBackend

__all__ = [
    "AUTOLOAD_ENV",
    "BLOCK_ENV",
    "DEFAULT_PLUGINS",
    "PluginHooks",
    "PluginInfo",
    "Registered",
    "Registry",
    "build_plugin_manager",
]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "clientvoice.analysis.builtin",
    "clientvoice.channels.standard",
    "clientvoice.messages.builtin",
    "clientvoice.surveys.builtin",
    "clientvoice.workflow.routing",
)
"""Modules of the built-in plugins, registered under these names before any other plugin."""

AUTOLOAD_ENV = "CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD"
BLOCK_ENV = "CLIENTVOICE_BLOCK_PLUGINS"

T = TypeVar("T")


def build_plugin_manager(
    plugins: Iterable[object] = (),
    *,
    autoload: bool | None = None,
    blocked: Iterable[str] = (),
) -> pluggy.PluginManager:
    """A new plugin manager with every clientvoice plugin registered in the documented order.

    :param plugins: the host application's plugins (modules, classes or instances with hook
        implementations), registered last so that they are called first.
    :param autoload: load plugins from the ``clientvoice`` entry-point group. None means yes,
        unless ``CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD`` is set.
    :param blocked: plugin names not to register, in addition to ``CLIENTVOICE_BLOCK_PLUGINS``.
    :raises PluginError: if a plugin cannot be imported or implements a hook that does not exist.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in [*blocked, *_env_blocked()]:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        if pm.is_blocked(module_name):
            continue
        pm.register(importlib.import_module(module_name), name=module_name)
    if autoload is None:
        autoload = os.environ.get(AUTOLOAD_ENV, "") in ("", "0")
    if autoload:
        try:
            pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
        except Exception as error:  # an entry point that fails to import
            raise PluginError(f"could not load a plugin from entry points: {error!r}") from error
    for plugin in plugins:
        name = _plugin_name(plugin)
        if pm.is_blocked(name):
            continue
        try:
            pm.register(plugin, name=name)
        except ValueError as error:
            raise PluginError(f"could not register plugin {name!r}: {error}") from error
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(str(error)) from error
    return pm


@attrs.frozen
class PluginInfo:
    """One loaded plugin, as ``clientvoice plugins`` lists it."""

    name: str
    source: str
    """``"builtin"``, ``"entrypoint"`` or ``"host"``."""
    version: str | None
    """The version of the distribution that provides it (None for host plugins)."""
    hooks: tuple[str, ...]
    """The hooks it implements, sorted."""


@attrs.frozen
class Registered(Generic[T]):
    """A channel, survey backend or analyzer, with the plugin that registered it."""

    name: str
    item: T
    plugin: str
    overrides: tuple[str, ...] = ()
    """Plugins whose registration under the same name this one replaced."""


class Registry(Generic[T]):
    """The channels, survey backends or analyzers of one Listener, by name, in call order."""

    def __init__(self, kind: str, entries: Sequence[Registered[T]]) -> None:
        self.kind = kind
        self._entries = {entry.name: entry for entry in entries}

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name].item
        except KeyError:
            if self.kind == "channel":
                raise UnknownChannelError(name, list(self._entries)) from None
            known = ", ".join(sorted(self._entries)) or "none"
            raise PluginError(f"unknown {self.kind} {name!r}; registered: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """The registered names, in the order their plugins were called."""
        return list(self._entries)

    def items(self) -> list[T]:
        """The registered objects, in the order their plugins were called."""
        return [entry.item for entry in self._entries.values()]

    def entries(self) -> list[Registered[T]]:
        """Every registration with who made it and what it overrode."""
        return list(self._entries.values())


class PluginHooks:
    """Typed calls into the hooks of one plugin manager; the rest of clientvoice uses only these."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._hook = pm.hook

    # -- registration -------------------------------------------------------------------------

    def collect_channels(self) -> Registry[Channel]:
        """Call ``clientvoice_register_channels`` and check what each plugin registered."""
        return self._collect("clientvoice_register_channels", "channel", Channel, ("parse",))

    def collect_survey_backends(self) -> Registry[SurveyBackend]:
        """Call ``clientvoice_register_survey_backends``."""
        return self._collect(
            "clientvoice_register_survey_backends",
            "survey backend",
            SurveyBackend,
            ("invite", "parse"),
        )

    def collect_analyzers(self) -> Registry[Analyzer]:
        """Call ``clientvoice_register_analyzers``."""
        return self._collect("clientvoice_register_analyzers", "analyzer", Analyzer, ("analyze",))

    # -- per-item hooks -----------------------------------------------------------------------

    def analyze_feedback(
        self, feedback: Feedback, customer: Customer, analysis: Analysis
    ) -> list[Analysis]:
        """Answers of ``clientvoice_analyze_feedback``, in call order, without the Nones."""
        results = self._hook.clientvoice_analyze_feedback(
            feedback=feedback, customer=customer, analysis=analysis
        )
        for result in results:
            if not isinstance(result, Analysis):
                raise PluginError(
                    f"clientvoice_analyze_feedback must return an Analysis or None, got {result!r}"
                )
        return list(results)

    def route_case(self, case: Case, feedback: Feedback | None, customer: Customer) -> Route | None:
        """The first route a plugin chooses for ``case``, or None."""
        result = self._hook.clientvoice_route_case(case=case, feedback=feedback, customer=customer)
        if result is not None and not isinstance(result, Route):
            raise PluginError(f"clientvoice_route_case must return a Route or None, got {result!r}")
        return result

    def message_template(self, kind: MessageKind, language: str) -> MessageTemplate | None:
        """The first template a plugin gives for ``kind`` in ``language``, or None."""
        result = self._hook.clientvoice_message_template(kind=kind, language=language)
        if result is not None and not isinstance(result, MessageTemplate):
            raise PluginError(
                f"clientvoice_message_template must return a MessageTemplate or None, "
                f"got {result!r}"
            )
        return result

    def request_follow_up(self, case: Case, customer: Customer, now: datetime) -> str | None:
        """What the first plugin that took the follow-up did, or None if none did."""
        result = self._hook.clientvoice_request_follow_up(case=case, customer=customer, now=now)
        if result is not None and not isinstance(result, str):
            raise PluginError(
                f"clientvoice_request_follow_up must return a description or None, got {result!r}"
            )
        return result

    def on_event(self, event: Event) -> None:
        """Hand ``event`` to every ``clientvoice_on_event`` implementation."""
        self._hook.clientvoice_on_event(event=event)

    def implemented(self, hook_name: str) -> bool:
        """Whether any plugin implements ``hook_name`` (so callers can skip needless work)."""
        caller = getattr(self._hook, hook_name)
        return bool(caller.get_hookimpls())

    # -- introspection ------------------------------------------------------------------------

    def describe(self) -> list[PluginInfo]:
        """Every registered plugin with where it came from, its version and its hooks."""
        versions = {id(plugin): dist.version for plugin, dist in self.pm.list_plugin_distinfo()}
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:  # blocked
                continue
            hooks = tuple(
                sorted(
                    caller.name
                    for caller in self.pm.get_hookcallers(plugin) or ()
                    if caller.name.startswith("clientvoice_")
                )
            )
            if name in DEFAULT_PLUGINS:
                source, version = "builtin", __version__
            elif id(plugin) in versions:
                source, version = "entrypoint", versions[id(plugin)]
            else:
                source, version = "host", None
            infos.append(PluginInfo(name=name, source=source, version=version, hooks=hooks))
        return infos

    # -- helpers ------------------------------------------------------------------------------

    def _collect(
        self, hook_name: str, kind: str, protocol: type[Any], methods: tuple[str, ...]
    ) -> Registry[Any]:
        caller = getattr(self._hook, hook_name)
        entries: dict[str, Registered[Any]] = {}
        # get_hookimpls() lists implementations in reverse call order; pluggy calls the last first.
        for impl in reversed(caller.get_hookimpls()):
            plugin_name = impl.plugin_name

            def register(item: Any, _plugin: str = plugin_name) -> None:
                name = getattr(item, "name", None)
                if not isinstance(name, str) or not name:
                    raise PluginError(
                        f"plugin {_plugin!r} registered a {kind} without a 'name': {item!r}"
                    )
                missing = [m for m in methods if not callable(getattr(item, m, None))]
                if missing:
                    raise PluginError(
                        f"plugin {_plugin!r} registered {kind} {name!r} without "
                        f"{', '.join(missing)}(); see {protocol.__module__}.{protocol.__name__}"
                    )
                if name in entries:
                    first = entries[name]
                    entries[name] = attrs.evolve(first, overrides=(*first.overrides, _plugin))
                else:
                    entries[name] = Registered(name=name, item=item, plugin=_plugin)

            impl.function(**dict.fromkeys(impl.argnames, register))
        return Registry(kind, list(entries.values()))


def _env_blocked() -> list[str]:
    return [name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",") if name.strip()]


def _plugin_name(plugin: object) -> str:
    """A plugin's own ``name`` attribute if it has one, else its module or class path."""
    own = getattr(plugin, "name", None)
    if isinstance(own, str) and own:
        return own
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    if isinstance(plugin, type):
        return f"{plugin.__module__}.{plugin.__qualname__}"
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"
