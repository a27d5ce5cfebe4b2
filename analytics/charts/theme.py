"""One look for every chart: an opaque dark card that reads on Discord's dark and light themes.

A transparent chart would take the colour of whatever is behind it, and no single set of
text colours reads on both of Discord's backgrounds. An opaque card with its own light text
does; the card is a shade darker than Discord's dark theme so its edge stays visible there.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

CARD = "#1E2127"
BORDER = "#3B414D"
TEXT = "#E8EAED"
MUTED = "#A9B0BC"
GRID = "#323843"

BLUE = "#5DADEC"
AMBER = "#F5B041"
GREEN = "#58D68D"
ROSE = "#EC7063"
VIOLET = "#B39DDB"
TEAL = "#4DD0C4"
SERIES = (BLUE, AMBER, GREEN, ROSE, VIOLET, TEAL)

# Sequential scale for heatmaps: from the card (nothing) to bright blue (a lot).
SEQUENTIAL = [
    [0.0, "#262B33"],
    [0.15, "#1C3D5A"],
    [0.4, "#1F6AA5"],
    [0.7, "#4FA3E3"],
    [1.0, "#C6E6FF"],
]

WIDTH = 1000
HEIGHT = 520
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


def card_layout(title: str, subtitle: str | None = None, **extra: Any) -> dict[str, Any]:
    """The layout every chart starts from: the card, fonts, margins, title and subtitle."""
    title_spec: dict[str, Any] = {
        "text": title,
        "x": 0.02,
        "xanchor": "left",
        "y": 0.975,
        "yanchor": "top",
        "font": {"size": 20, "color": TEXT},
    }
    if subtitle:
        title_spec["subtitle"] = {"text": subtitle, "font": {"size": 13, "color": MUTED}}

    layout: dict[str, Any] = {
        "title": title_spec,
        "paper_bgcolor": CARD,
        "plot_bgcolor": CARD,
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "margin": {"l": 70, "r": 30, "t": 115 if subtitle else 90, "b": 60},
        "legend": {
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": 1.01,
            "yanchor": "bottom",
            "bgcolor": "rgba(0,0,0,0)",
        },
        "hoverlabel": {"bgcolor": "#2A2F38", "font": {"color": TEXT}},
    }
    layout.update(extra)
    return layout


def axis(title: str, **extra: Any) -> dict[str, Any]:
    """An axis with its title (unit and time zone included by the caller) and quiet grid."""
    spec: dict[str, Any] = {
        "title": {"text": title, "font": {"color": MUTED}},
        "gridcolor": GRID,
        "zerolinecolor": GRID,
        "linecolor": BORDER,
        "tickfont": {"color": MUTED},
    }
    spec.update(extra)
    return spec


def styled(fig: go.Figure) -> go.Figure:
    """Applies the card's grid colours to every axis of a figure (subplots included)."""
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=BORDER)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=BORDER)
    return fig


def empty(title: str, message: str, subtitle: str | None = None) -> go.Figure:
    """A chart with nothing to plot: the card, the title and one clear sentence."""
    fig = go.Figure(layout=card_layout(title, subtitle))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 22, "color": MUTED},
    )
    fig.layout.meta = {"empty": True, "message": message}
    return fig


def is_empty(fig: go.Figure) -> bool:
    """Whether a chart is the empty state."""
    meta = fig.layout.meta
    return isinstance(meta, dict) and bool(meta.get("empty"))
