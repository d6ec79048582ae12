"""Plots of a run, with matplotlib's object API (a ``Figure`` on an Agg canvas): works without a display
and never changes the user's matplotlib state (no ``matplotlib.use``, no pyplot figures)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from neuroevo.agent import atomic_write


def read_history(path) -> dict[str, np.ndarray]:
    """Columns of a history.csv as float arrays."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in (rows[0].keys() if rows else [])}


def figure(figsize: tuple[float, float], dpi: int = 110):
    """A matplotlib ``Figure`` drawn on its own Agg canvas (pyplot's global state and backend untouched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig, png_path) -> Path:
    """Write ``fig`` as a PNG, atomically; returns the path."""
    png_path = Path(png_path)
    atomic_write(png_path, lambda f: fig.savefig(f, format="png"))
    return png_path


def plot_history(history_path, png_path, title: str = "") -> Path:
    """Write a PNG of fitness per generation: best, min, and mean with a +-1 std band."""
    h = read_history(history_path)
    fig = figure((7, 4))
    ax = fig.subplots()
    if h:
        g = h["generation"]
        ax.fill_between(g, h["mean"] - h["std"], h["mean"] + h["std"], alpha=0.2, color="tab:blue",
                        label="mean ± std")
        ax.plot(g, h["mean"], color="tab:blue", label="mean")
        ax.plot(g, h["best"], color="tab:green", label="best")
        ax.plot(g, h["min"], color="tab:red", lw=0.8, label="min")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness")
    ax.set_title(title or "fitness per generation")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", framealpha=0.8)
    fig.tight_layout()
    return save_png(fig, png_path)
