"""The notification edge: the only package that imports apprise, and the outbox that sends each nudge once."""
