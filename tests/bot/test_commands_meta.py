"""Every command, as Discord will list it: unique names, descriptions users can read."""

from __future__ import annotations

import asyncio

import disnake
import pytest

from bot.app import HourglassBot


class _NoWriter:
    def submit(self, ops):
        raise AssertionError("no writes expected while loading cogs")


@pytest.fixture(scope="module")
def commands():
    async def build():
        return list(HourglassBot(pool=None, writer=_NoWriter()).slash_commands)

    return asyncio.run(build())


def _options(command):
    stack = list(command.body.options)
    while stack:
        option = stack.pop()
        yield option
        stack.extend(option.options or [])


def test_command_names_do_not_collide(commands):
    names = [c.name for c in commands]

    assert len(names) == len(set(names))


def test_every_command_and_option_has_a_description_for_users(commands):
    for command in commands:
        assert command.body.description and command.body.description != "-", command.name
        for option in _options(command):
            assert option.description and option.description != "-", (command.name, option.name)
            assert len(option.description) <= 100


def test_every_command_works_in_servers_only(commands):
    for command in commands:
        contexts = command.body.contexts
        assert contexts is not None and contexts.guild and not contexts.private_channel


def test_no_command_sets_default_permissions_that_the_api_description_rejects(commands):
    assert all(c.body.default_member_permissions is None for c in commands)


def test_the_expected_features_are_all_there(commands):
    names = {c.name for c in commands}

    assert {
        "stats",
        "streak",
        "leaderboard",
        "task",
        "points",
        "config",
        "timezone",
        "history",
        "privacy",
    } <= names
    assert isinstance(next(iter(commands)), disnake.ext.commands.InvokableSlashCommand)
