"""Hourglass core: settings, the database lifecycle, migrations and the data-access layer."""

__version__ = "0.1.0"
