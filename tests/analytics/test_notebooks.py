"""Every notebook runs top to bottom against the seeded community."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from analytics.notebooks import GUILD_VARIABLE, LAST_DAY_VARIABLE, URL_VARIABLE
from tests.analytics.conftest import LAST_DAY, SPEC

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_to_run():
    assert {p.name for p in NOTEBOOKS} >= {"study_behaviour.ipynb", "bot_performance.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_without_an_error(path, community_url, monkeypatch, tmp_path):
    monkeypatch.setenv(URL_VARIABLE, community_url)
    monkeypatch.setenv(GUILD_VARIABLE, str(SPEC.guild_id))
    monkeypatch.setenv(LAST_DAY_VARIABLE, LAST_DAY.isoformat())
    notebook = nbformat.read(path, as_version=4)

    NotebookClient(
        notebook,
        timeout=240,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()

    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    figures = [
        o
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert len(figures) >= 3
