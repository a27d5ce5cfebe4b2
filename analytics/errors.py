"""Errors the analytics library raises; a caller shows their text to a person as it is."""

from __future__ import annotations


class AnalyticsError(Exception):
    """Something about an analytics request that a person can correct or understand."""


class ChartsUnavailable(AnalyticsError):
    """Charts cannot be drawn here; the message says why, e.g. no browser was found.

    The bot turns it into "charts unavailable: <message>".
    """


class RendererBusy(AnalyticsError):
    """The renderer's queue is full; the caller may retry a little later."""


class RenderTimeout(AnalyticsError):
    """One render took longer than its time limit; the browser was restarted."""
