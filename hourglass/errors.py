"""Errors that carry a message for the person running Hourglass."""


class HourglassError(Exception):
    """A failure the user can act on; the CLI prints its message as one line, no traceback.

    exit_code follows the usual convention: 2 for bad input or configuration, 1 otherwise.
    """

    exit_code = 1


class ConfigError(HourglassError):
    """A setting is missing or invalid."""

    exit_code = 2


class DatabaseUnavailable(HourglassError):
    """The database cannot be reached or refused the connection."""


class EmbeddedDatabaseError(HourglassError):
    """The embedded PostgreSQL could not be started, stopped or reused."""


class MigrationError(HourglassError):
    """A migration could not be applied; nothing of it was kept."""


class SchemaMismatch(HourglassError):
    """The database schema is not the one this version of Hourglass knows."""
