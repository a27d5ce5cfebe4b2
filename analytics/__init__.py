"""Analytics over the Hourglass rollups: a library with no Discord import.

Start with analytics.reports (one call per chart), analytics.render (PNG bytes) and
analytics.dashboard (HTML); docs/charts/README.md describes every layer.
"""
