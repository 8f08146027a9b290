"""reconnectd: small, regular check-ins with the people you care about."""

__version__ = "0.1.0"
