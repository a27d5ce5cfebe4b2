"""Charts in replies: PNG attachments drawn by a real Chromium, posted through the double."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from tests.discord_double import DiscordDouble
from tests.e2e.harness import Clock, answer, hourglass, moved, study_hall, text_of


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def test_stats_guildstats_and_leaderboard_post_charts(pg_db, tmp_path):
    hall = study_hall()
    clock = Clock()

    async def scenario():
        async with (
            DiscordDouble([hall.payload]) as double,
            hourglass(pg_db, tmp_path / "spool", hall, clock, double, charts=True) as bot,
        ):
            for day in range(3):
                await moved(bot, double, hall, hall.ada, hall.focus)
                clock.advance(minutes=50 + 10 * day)
                await moved(bot, double, hall, hall.ada, None)
                clock.advance(days=1, minutes=-(50 + 10 * day))
            clock.advance(hours=-20)

            stats = await answer(await double.invoke("stats", user_id=hall.ada), timeout=60)
            guild = await answer(await double.invoke("guildstats", user_id=hall.ada), timeout=60)
            board = await answer(
                await double.invoke(
                    "leaderboard", {"period": "week", "chart": True}, user_id=hall.ada
                ),
                timeout=60,
            )
            return stats, guild, board

    stats, guild, board = asyncio.run(asyncio.wait_for(scenario(), 120))

    assert stats["embeds"][0]["image"]["url"] == "attachment://stats.png"
    assert _png_size(stats["_files"]["stats.png"])[0] >= 800
    assert set(guild["_files"]) == {"activity.png", "heatmap.png", "retention.png"}
    assert all(_png_size(png)[0] >= 800 for png in guild["_files"].values())
    assert "leaderboard.png" in board["_files"]
    assert "ada" in text_of(board).lower()
