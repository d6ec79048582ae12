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


def _finite_scaled(h: dict) -> tuple[list[np.ndarray], str]:
    """best, mean, min and the mean +- std band, in units of 10**k when the values are huge (matplotlib's
    axis ticks overflow past about 1e300), so a fitness up to +-1.8e308 still plots; and the unit label."""
    fmax = np.finfo(np.float64).max
    with np.errstate(over="ignore", invalid="ignore"):
        lo = np.clip(h["mean"] - h["std"], -fmax, fmax)
        hi = np.clip(h["mean"] + h["std"], -fmax, fmax)
    series = [h["best"], h["mean"], h["min"], lo, hi]
    top = max(float(np.nanmax(np.abs(np.clip(s, -fmax, fmax)))) if s.size else 0.0 for s in series)
    if not top > 1e100:
        return series, ""
    k = int(np.floor(np.log10(top)))
    return [np.clip(s, -fmax, fmax) / 10.0**k for s in series], f" (× 1e{k})"


def plot_history(history_path, png_path, title: str = "") -> Path:
    """Write a PNG of fitness per generation: best, min, and mean with a +-1 std band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = read_history(history_path)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    unit = ""
    if h:
        g = h["generation"]
        (best, mean, low, lo, hi), unit = _finite_scaled(h)
        ax.fill_between(g, lo, hi, alpha=0.2, color="tab:blue", label="mean ± std")
        ax.plot(g, mean, color="tab:blue", label="mean")
        ax.plot(g, best, color="tab:green", label="best")
        ax.plot(g, low, color="tab:red", lw=0.8, label="min")
    ax.set_xlabel("generation")
    ax.set_ylabel(f"fitness{unit}")
    ax.set_title(title or "fitness per generation")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small", framealpha=0.8)
    fig.tight_layout()
    png_path = Path(png_path)
    atomic_write(png_path, lambda f: fig.savefig(f, format="png"))
    plt.close(fig)
    return png_path
