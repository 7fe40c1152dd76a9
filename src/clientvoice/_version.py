"""The installed version of clientvoice."""

__version__ = "0.1.0.dev0"
