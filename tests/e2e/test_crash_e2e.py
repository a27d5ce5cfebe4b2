"""The bot process is killed mid-session and started again: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile

import asyncpg

from tests.discord_double import DiscordDouble
from tests.e2e.harness import study_hall
from tests.support.postgres import free_port

TIMEOUT = 90


async def _start_bot(double: DiscordDouble, url: str, spool: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOURGLASS_", "DATABASE"))}
    env |= {
        "DATABASE_URL": url,
        "DISCORD_TOKEN": double.token,
        "DISCORD_API_BASE": double.rest_url,
        "HOURGLASS_CHECKPOINT_SECONDS": "1",
        "HOURGLASS_SPOOL_DIR": spool,
        "HOURGLASS_METRICS_PORT": str(free_port()),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hourglass.cli",
        "run",
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _until(check, what: str, timeout: float = 20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await asyncio.sleep(0.1)


def test_a_killed_bot_recovers_sessions_at_their_own_checkpoints(pg_db, tmp_path):
    hall = study_hall(in_voice=[])

    async def scenario():
        db = await asyncpg.connect(pg_db)
        async with DiscordDouble([hall.payload]) as double:
            first = await _start_bot(double, pg_db, str(tmp_path / "spool"))
            await double.wait_ready(timeout=30)
            await double.voice_state_update(hall.id, hall.ada, hall.focus)
            await double.voice_state_update(hall.id, hall.ben, hall.focus)
            await _until(
                lambda: db.fetchval(
                    "SELECT count(*) = 2 FROM hourglass.open_sessions"
                    " WHERE last_checkpoint_at >= started_at + interval '2 seconds'"
                ),
                "two checkpointed sessions",
            )

            first.send_signal(signal.SIGKILL)
            await first.wait()
            before = {
                r["member_id"]: dict(r)
                for r in await db.fetch("SELECT * FROM hourglass.open_sessions")
            }
            await double.voice_state_update(hall.id, hall.ben, None)  # leaves while down

            second = await _start_bot(double, pg_db, str(tmp_path / "spool"))
            ben_closed = await _until(
                lambda: db.fetchrow(
                    "SELECT * FROM hourglass.voice_sessions WHERE member_id = $1", int(hall.ben)
                ),
                "Ben's session closed by recovery",
                timeout=30,
            )
            await asyncio.sleep(1.5)
            await double.voice_state_update(hall.id, hall.ada, None)
            ada_closed = await _until(
                lambda: db.fetchrow(
                    "SELECT * FROM hourglass.voice_sessions WHERE member_id = $1", int(hall.ada)
                ),
                "Ada's session closed when she left",
            )
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 20)
            pieces = {
                r["session_id"]: r["s"]
                for r in await db.fetch(
                    "SELECT session_id, sum(seconds)::int AS s FROM hourglass.voice_activity"
                    " GROUP BY session_id"
                )
            }
            session_count = await db.fetchval("SELECT count(*) FROM hourglass.voice_sessions")
        await db.close()

        ben_before = before[int(hall.ben)]
        assert ben_closed["session_id"] == ben_before["session_id"]
        assert ben_closed["ended_at"] == ben_before["last_checkpoint_at"]
        assert ben_closed["close_reason"] == "recovered"
        assert pieces[ben_closed["session_id"]] == int(
            (ben_closed["ended_at"] - ben_closed["started_at"]).total_seconds()
        )

        ada_before = before[int(hall.ada)]
        assert ada_closed["session_id"] == ada_before["session_id"]  # continued, not reopened
        assert ada_closed["close_reason"] == "left"
        assert pieces[ada_closed["session_id"]] == int(
            (ada_closed["ended_at"] - ada_closed["started_at"]).total_seconds()
        )
        assert session_count == 2
        assert second.returncode == 0

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def test_a_token_discord_refuses_stops_the_bot_with_one_clear_line(pg_db, tmp_path):
    async def scenario():
        async with DiscordDouble([study_hall().payload], check_on_exit=False) as double:
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("HOURGLASS_", "DATABASE"))
            }
            env |= {
                "DATABASE_URL": pg_db,
                "DISCORD_TOKEN": "not-the-right-token",
                "DISCORD_API_BASE": double.rest_url,
                "HOURGLASS_SPOOL_DIR": str(tmp_path / "spool"),
                "HOURGLASS_METRICS_PORT": "0",
            }
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "hourglass.cli",
                "run",
                env=env,
                cwd=tempfile.gettempdir(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(child.communicate(), 30)
            return child.returncode, stderr.decode()

    code, stderr = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert code == 2
    assert "Traceback" not in stderr
    assert "hourglass: error: Discord refused DISCORD_TOKEN" in stderr
    assert "not-the-right-token" not in stderr
