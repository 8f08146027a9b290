"""The report: one self-contained HTML page of the year. Pure: no I/O, no clock; `now` is passed in."""

from reconnectd.report.page import render_report

__all__ = ["render_report"]
