"""/task: members' own to-do lists, searchable, with points for finishing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of, moment, text_option
from bot.errors import UserError
from bot.text import safe
from hourglass.store import ledger, tasks
from hourglass.store.records import PointEvent, Task

if TYPE_CHECKING:
    from bot.app import HourglassBot

TASK_POINTS = 10
# The largest integer option Discord accepts (2**53 - 1).
MAX_TASK_ID = 9_007_199_254_740_991
DONE_PREFIX = "hourglass:task-done:"
TITLE_MAX = 200
DESCRIPTION_MAX = 2000


def task_line(task: Task) -> str:
    """One task as a line of a list."""
    mark = "✅" if task.status == "done" else "⬜"
    due = f" · due <t:{int(task.due_at.timestamp())}:R>" if task.due_at else ""
    return f"{mark} `#{task.task_id}` {safe(task.title, 80)}{due}"


def done_button(task: Task) -> disnake.ui.Button:
    """A button that completes the task; it works across restarts (custom id only)."""
    return disnake.ui.Button(
        label="Mark done",
        style=disnake.ButtonStyle.success,
        custom_id=f"{DONE_PREFIX}{task.task_id}",
    )


class Tasks(commands.Cog):
    """Tasks belong to one member; nobody else can see or change them."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="task", **GUILD_ONLY)
    async def task(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Your tasks."""

    @task.sub_command(name="add")
    async def add(
        self,
        inter: disnake.ApplicationCommandInteraction,
        title: str = commands.Param(description="What to do", max_length=TITLE_MAX),
        description: str = commands.Param("", description="Details", max_length=DESCRIPTION_MAX),
        due: str = commands.Param(
            "", description="Due date: YYYY-MM-DD or YYYY-MM-DD HH:MM", max_length=16
        ),
    ) -> None:
        """Add a task."""
        guild_id = guild_id_of(inter)
        clean_title = text_option(title, "title", max_length=TITLE_MAX)
        details = text_option(
            description, "description", max_length=DESCRIPTION_MAX, required=False
        )
        due_at = await self._due(inter, guild_id, due) if due.strip() else None

        task = await tasks.add_task(
            self.bot.pool, guild_id, inter.author.id, clean_title, details, due_at
        )
        self.bot.audit(guild_id, inter.author.id, "task.added", task_id=task.task_id)
        await reply(inter, f"Added {task_line(task)}", components=[done_button(task)])

    @task.sub_command(name="list")
    async def list_(
        self,
        inter: disnake.ApplicationCommandInteraction,
        status: str = commands.Param(
            "open",
            description="Which tasks",
            choices={"Open": "open", "Done": "done", "All": "all"},
        ),
    ) -> None:
        """List your tasks."""
        guild_id = guild_id_of(inter)
        found = await tasks.list_tasks(
            self.bot.pool, guild_id, inter.author.id, None if status == "all" else status
        )
        text = "\n".join(task_line(t) for t in found) or "No tasks here. Add one with /task add."
        await reply(inter, embed=disnake.Embed(title="Your tasks", description=text))

    @task.sub_command(name="done")
    async def done(
        self,
        inter: disnake.ApplicationCommandInteraction,
        task_id: int = commands.Param(description="The task's number", ge=1, le=MAX_TASK_ID),
    ) -> None:
        """Mark a task done and earn points."""
        await reply(inter, await self._complete(inter, guild_id_of(inter), task_id))

    @task.sub_command(name="edit")
    async def edit(
        self,
        inter: disnake.ApplicationCommandInteraction,
        task_id: int = commands.Param(description="The task's number", ge=1, le=MAX_TASK_ID),
        title: str = commands.Param("", description="New title", max_length=TITLE_MAX),
        description: str = commands.Param(
            "", description="New details", max_length=DESCRIPTION_MAX
        ),
        due: str = commands.Param(
            "", description="New due date (YYYY-MM-DD [HH:MM]) or none", max_length=16
        ),
    ) -> None:
        """Change a task's title, details or due date."""
        guild_id = guild_id_of(inter)
        new_title = text_option(title, "title", max_length=TITLE_MAX) if title.strip() else None
        details = (
            text_option(description, "description", max_length=DESCRIPTION_MAX)
            if description.strip()
            else None
        )
        clear = due.strip().lower() == "none"
        due_at = await self._due(inter, guild_id, due) if due.strip() and not clear else None
        if new_title is None and details is None and due_at is None and not clear:
            raise UserError("Tell me what to change: a title, a description or a due date.")

        task = await tasks.edit_task(
            self.bot.pool,
            guild_id,
            inter.author.id,
            task_id,
            title=new_title,
            description=details,
            due_at=due_at,
            clear_due=clear,
        )
        if task is None:
            raise UserError(f"You have no task #{task_id}.")
        self.bot.audit(guild_id, inter.author.id, "task.edited", task_id=task_id)
        await reply(inter, f"Updated {task_line(task)}")

    @task.sub_command(name="delete")
    async def delete(
        self,
        inter: disnake.ApplicationCommandInteraction,
        task_id: int = commands.Param(description="The task's number", ge=1, le=MAX_TASK_ID),
    ) -> None:
        """Delete one of your tasks."""
        guild_id = guild_id_of(inter)
        if not await tasks.delete_task(self.bot.pool, guild_id, inter.author.id, task_id):
            raise UserError(f"You have no task #{task_id}.")
        self.bot.audit(guild_id, inter.author.id, "task.deleted", task_id=task_id)
        await reply(inter, f"Deleted task #{task_id}.")

    @task.sub_command(name="search")
    async def search(
        self,
        inter: disnake.ApplicationCommandInteraction,
        query: str = commands.Param(description="Words to look for", max_length=100),
    ) -> None:
        """Search your tasks' titles and details."""
        guild_id = guild_id_of(inter)
        words = text_option(query, "search", max_length=100)
        found = await tasks.search_tasks(self.bot.pool, guild_id, inter.author.id, words)
        text = "\n".join(task_line(t) for t in found) or f"Nothing matches “{safe(words, 60)}”."
        await reply(inter, embed=disnake.Embed(title="Search results", description=text))

    @commands.Cog.listener()
    async def on_button_click(self, inter: disnake.MessageInteraction) -> None:
        """The "Mark done" button of a task, from any earlier reply."""
        custom_id = inter.component.custom_id or ""
        if not custom_id.startswith(DONE_PREFIX) or inter.guild_id is None:
            return
        task_id = int(custom_id.removeprefix(DONE_PREFIX))
        await reply(inter, await self._complete(inter, inter.guild_id, task_id))

    async def _complete(self, inter: disnake.Interaction, guild_id: int, task_id: int) -> str:
        now = self.bot.clock()
        event = PointEvent(
            now, guild_id, inter.author.id, TASK_POINTS, "task done", "task", f"task:{task_id}:done"
        )
        async with self.bot.pool.acquire() as conn, conn.transaction():
            task = await tasks.complete_task(conn, guild_id, inter.author.id, task_id, now)
            if task is not None:
                await ledger.append_points(conn, [event])
        if task is None:
            existing = await tasks.get_task(self.bot.pool, guild_id, inter.author.id, task_id)
            if existing is None:
                raise UserError(f"You have no task #{task_id}.")
            return f"Task #{task_id} was already done."

        self.bot.audit(guild_id, inter.author.id, "task.done", task_id=task_id)
        return f"Done: {task_line(task)} (+{TASK_POINTS} points)"

    async def _due(self, inter: disnake.Interaction, guild_id: int, text: str) -> datetime:
        member = await self.bot.member_config(guild_id, inter.author.id)
        return moment(text, member.time_zone, self.bot.clock(), past_ok=False)
