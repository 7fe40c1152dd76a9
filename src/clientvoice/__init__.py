"""clientvoice: listen to your customers, not just hear them.

Everything documented is importable from here; submodules are reachable but not promised.
"""

from __future__ import annotations

from clientvoice._version import __version__
from clientvoice.analysis import Analyzer
from clientvoice.channels import (
    STANDARD_CHANNELS,
    Channel,
    RecordChannel,
    ReplyingChannel,
    SignedChannel,
)
from clientvoice.channels.files import SourceRecord, read_records
from clientvoice.clock import Clock, ManualClock, SystemClock
from clientvoice.errors import (
    ClientVoiceError,
    ConfigurationError,
    ConflictError,
    MissingExtraError,
    NotFoundError,
    PluginError,
    SchemaError,
    SignatureError,
    StoreError,
    TransitionError,
    UnknownChannelError,
    ValidationError,
)
from clientvoice.hookspecs import hookimpl, hookspec
from clientvoice.listener import IngestReport, Listener
from clientvoice.models import (
    Analysis,
    Case,
    CaseStage,
    Consents,
    ContactPoint,
    Customer,
    CustomerKind,
    Delivery,
    DeliveryStatus,
    Direction,
    Event,
    Feedback,
    FeedbackKind,
    Heard,
    Interaction,
    Message,
    MessageKind,
    Priority,
    RecoveryGesture,
    Rejection,
    Route,
    Sentiment,
    Urgency,
)
from clientvoice.plugins import PluginInfo
from clientvoice.stores import (
    IngestResult,
    MemoryStore,
    SQLiteStore,
    Store,
    StoredEvent,
    open_store,
)
from clientvoice.surveys import SurveyBackend

__all__ = [
    "STANDARD_CHANNELS",
    "Analysis",
    "Analyzer",
    "Case",
    "CaseStage",
    "Channel",
    "ClientVoiceError",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "Consents",
    "ContactPoint",
    "Customer",
    "CustomerKind",
    "Delivery",
    "DeliveryStatus",
    "Direction",
    "Event",
    "Feedback",
    "FeedbackKind",
    "Heard",
    "IngestReport",
    "IngestResult",
    "Interaction",
    "Listener",
    "ManualClock",
    "MemoryStore",
    "Message",
    "MessageKind",
    "MissingExtraError",
    "NotFoundError",
    "PluginError",
    "PluginInfo",
    "Priority",
    "RecordChannel",
    "RecoveryGesture",
    "Rejection",
    "ReplyingChannel",
    "Route",
    "SQLiteStore",
    "SchemaError",
    "Sentiment",
    "SignatureError",
    "SignedChannel",
    "SourceRecord",
    "Store",
    "StoreError",
    "StoredEvent",
    "SurveyBackend",
    "SystemClock",
    "TransitionError",
    "UnknownChannelError",
    "Urgency",
    "ValidationError",
    "__version__",
    "hookimpl",
    "hookspec",
    "open_store",
    "read_records",
]
