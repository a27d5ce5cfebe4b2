"""The asynchronous data-access layer (asyncpg). Every query of the bot lives here.

Functions take a connection or a pool as their first argument, so callers can group
several of them in one transaction. They query the logical relations of schema hourglass
only, so they work unchanged on both storage backends.
"""
