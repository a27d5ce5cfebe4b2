"""Errors whose message is meant for the member who invoked a command."""

from __future__ import annotations

from disnake.ext import commands


class UserError(commands.CommandError):
    """Bad input or a refused action; the message is shown to the member, ephemerally."""
