"""Buttons: paging through long lists and confirming destructive actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import disnake

Render = Callable[[int], Awaitable[disnake.Embed]]


class Pager(disnake.ui.View):
    """Previous and next buttons over pages rendered on demand; only the invoker may page."""

    def __init__(self, owner_id: int, pages: int, render: Render, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.pages = max(pages, 1)
        self.page = 0
        self.render = render
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, inter: disnake.MessageInteraction) -> bool:
        """Only the member who asked can turn the pages."""
        if inter.author.id != self.owner_id:
            await inter.response.send_message(
                "These buttons belong to someone else's reply.", ephemeral=True
            )
            return False
        return True

    @disnake.ui.button(label="Previous", style=disnake.ButtonStyle.secondary)
    async def previous(self, button: disnake.ui.Button, inter: disnake.MessageInteraction) -> None:
        """One page back."""
        await self._turn(inter, -1)

    @disnake.ui.button(label="Next", style=disnake.ButtonStyle.secondary)
    async def next(self, button: disnake.ui.Button, inter: disnake.MessageInteraction) -> None:
        """One page on."""
        await self._turn(inter, 1)

    async def _turn(self, inter: disnake.MessageInteraction, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._sync()
        await inter.response.edit_message(embed=await self.render(self.page), view=self)


class Confirm(disnake.ui.View):
    """A yes/no question; `confirmed` is None until answered or timed out."""

    def __init__(self, owner_id: int, timeout: float = 120) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.confirmed: bool | None = None
        self.answer: disnake.MessageInteraction | None = None

    async def interaction_check(self, inter: disnake.MessageInteraction) -> bool:
        """Only the member who asked can answer."""
        return inter.author.id == self.owner_id

    @disnake.ui.button(label="Yes, delete everything", style=disnake.ButtonStyle.danger)
    async def yes(self, button: disnake.ui.Button, inter: disnake.MessageInteraction) -> None:
        """Confirms."""
        await self._answer(inter, True)

    @disnake.ui.button(label="Cancel", style=disnake.ButtonStyle.secondary)
    async def no(self, button: disnake.ui.Button, inter: disnake.MessageInteraction) -> None:
        """Declines."""
        await self._answer(inter, False)

    async def _answer(self, inter: disnake.MessageInteraction, value: bool) -> None:
        self.confirmed, self.answer = value, inter
        self.stop()
