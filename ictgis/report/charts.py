"""Charts of the report, drawn with matplotlib's object API (no pyplot state)."""

from __future__ import annotations

import base64
import io

import pandas as pd


def bar_chart(table: pd.DataFrame, label: str, value: str, title: str) -> bytes:
    """A horizontal bar chart as PNG bytes (no file written).

    Parameters
    ----------
    table
        One row per bar.
    label, value
        Columns of the bar labels and of the values.
    title
        The chart's title.
    """
    from matplotlib.figure import Figure

    data = table[[label, value]].dropna()
    fig = Figure(figsize=(7, 0.35 * len(data) + 1.2), dpi=100)
    ax = fig.subplots()
    ax.barh(data[label].astype(str), data[value], color="#2b6cb0")
    for y, v in enumerate(data[value]):
        ax.text(v, y, f" {v:,.2f}", va="center", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.invert_yaxis()
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:image/png;base64`` URI, for a self-contained page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
