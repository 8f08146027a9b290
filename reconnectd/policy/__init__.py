"""The decisions, in pure code: no I/O, no clock, no network. Time and state are passed in."""
