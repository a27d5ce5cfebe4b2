"""/privacy: export all your data, forget it, or stop collection."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of
from bot.views import Confirm
from hourglass.store import privacy, settings

if TYPE_CHECKING:
    from bot.app import HourglassBot


def export_files(data: dict[str, list[dict[str, object]]]) -> list[disnake.File]:
    """The export as one JSON file with everything and a CSV of voice sessions."""
    everything = json.dumps(data, indent=2, default=str).encode()
    sessions = io.StringIO()
    rows = data.get("voice_sessions", [])
    if rows:
        writer = csv.DictWriter(sessions, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return [
        disnake.File(io.BytesIO(everything), filename="hourglass-data.json"),
        disnake.File(io.BytesIO(sessions.getvalue().encode()), filename="voice-sessions.csv"),
    ]


class Privacy(commands.Cog):
    """Members own their data."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="privacy", **GUILD_ONLY)
    async def privacy(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Your data in this server."""

    @privacy.sub_command(name="export")
    async def export(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Get everything Hourglass stores about you here, as files."""
        guild_id = guild_id_of(inter)
        await inter.response.defer(ephemeral=True)
        await self.bot.writer.flush()
        async with self.bot.pool.acquire() as conn:
            data = await privacy.export(conn, guild_id, inter.author.id)
        self.bot.audit(guild_id, inter.author.id, "privacy.export")
        await inter.followup.send(
            "Here is everything Hourglass stores about you in this server.",
            files=export_files(data),
            ephemeral=True,
        )

    @privacy.sub_command(name="forget")
    async def forget(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Delete all your data here, statistics included. This cannot be undone."""
        guild_id = guild_id_of(inter)
        view = Confirm(inter.author.id)
        await reply(
            inter,
            "Delete all your Hourglass data in this server, including your "
            "study time, points, tasks and history?",
            view=view,
        )
        await view.wait()
        if not view.confirmed or view.answer is None:
            await inter.edit_original_response(content="Nothing was deleted.", view=None)
            return

        await view.answer.response.defer()
        voice = self.bot.get_cog("Voice")
        await settings.ensure_member(self.bot.pool, guild_id, inter.author.id, "")
        await settings.update_member(self.bot.pool, guild_id, inter.author.id, opted_out=True)
        if voice is not None:
            await voice.reconfigure(guild_id)  # type: ignore[attr-defined]
        await self.bot.writer.flush()
        async with self.bot.pool.acquire() as conn:
            await privacy.forget(conn, guild_id, inter.author.id, self.bot.clock())
        self.bot.settings_changed(guild_id, inter.author.id)
        if voice is not None:
            await voice.reconfigure(guild_id)  # type: ignore[attr-defined]
        await inter.edit_original_response(
            content="Done: all your data here is deleted.", view=None
        )

    @privacy.sub_command(name="opt-out")
    async def opt_out(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Stop collecting your study time (your existing data stays until you forget it)."""
        await self._set_opt_out(inter, True)
        await reply(inter, "Hourglass no longer records your time here. /privacy opt-in undoes it.")

    @privacy.sub_command(name="opt-in")
    async def opt_in(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Start collecting your study time again."""
        await self._set_opt_out(inter, False)
        await reply(inter, "Hourglass records your study time here again.")

    async def _set_opt_out(self, inter: disnake.ApplicationCommandInteraction, value: bool) -> None:
        guild_id = guild_id_of(inter)
        await settings.ensure_guild(
            self.bot.pool, guild_id, inter.guild.name if inter.guild else ""
        )
        await settings.ensure_member(
            self.bot.pool, guild_id, inter.author.id, inter.author.display_name
        )
        await settings.update_member(self.bot.pool, guild_id, inter.author.id, opted_out=value)
        self.bot.settings_changed(guild_id, inter.author.id)
        voice = self.bot.get_cog("Voice")
        if voice is not None:
            await voice.reconfigure(guild_id)  # type: ignore[attr-defined]
        if not value:
            self.bot.audit(guild_id, inter.author.id, "privacy.opt-in")
