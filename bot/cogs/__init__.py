"""The bot's cogs, one per feature."""

from bot.cogs.history import History
from bot.cogs.operations import Operations
from bot.cogs.points import Points
from bot.cogs.privacy import Privacy
from bot.cogs.settings import Settings
from bot.cogs.stats import Stats
from bot.cogs.tasks import Tasks
from bot.cogs.telemetry import Instruments
from bot.cogs.voice import Voice

COGS = (Voice, Points, Tasks, Stats, Settings, History, Privacy, Instruments, Operations)
