"""Plots of a run (matplotlib, Agg backend: works on machines without a display)."""

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


def plot_history(history_path, png_path, title: str = "") -> Path:
    """Write a PNG of fitness per generation: best, min, and mean with a +-1 std band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = read_history(history_path)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
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
    png_path = Path(png_path)
    atomic_write(png_path, lambda f: fig.savefig(f, format="png"))
    plt.close(fig)
    return png_path
