"""Plots of a run, drawn with matplotlib's object API (``Figure`` + ``FigureCanvasAgg``).

Nothing global is touched: no ``matplotlib.use``, no pyplot state, so importing or calling these functions
never changes the backend or the figures of a program that uses neuroevo. Works on machines without a
display.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroevo._typing import StrPath
from neuroevo.agent import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def read_history(path: StrPath) -> dict[str, np.ndarray]:
    """Columns of a history.csv as float arrays."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in (rows[0].keys() if rows else [])}


def new_figure(width: float = 7.0, height: float = 4.0, dpi: int = 110) -> Figure:
    """A ``matplotlib.figure.Figure`` with its own Agg canvas (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, png_path: StrPath) -> Path:
    """Write ``fig`` as a PNG, atomically; returns the path."""
    png_path = Path(png_path)
    fig.tight_layout()
    atomic_write(png_path, lambda f: fig.savefig(f, format="png"))
    return png_path


def _scale(*series: np.ndarray) -> tuple[float, str]:
    """``(10**k, " (× 1e<k>)")`` when the values are huge (matplotlib's axis ticks overflow past about 1e300),
    so a fitness up to +-1.8e308 still plots; ``(1.0, "")`` otherwise."""
    top = max((float(np.abs(s[np.isfinite(s)]).max()) for s in series if np.isfinite(s).any()), default=0.0)
    if not top > 1e100:
        return 1.0, ""
    k = int(np.floor(np.log10(top)))
    return 10.0**k, f" (× 1e{k})"


def plot_history(history_path: StrPath, png_path: StrPath, title: str = "", target: float | None = None) -> Path:
    """Write a PNG of fitness per generation: best, min, and mean with a ±1 std band.

    Generations are numbered from 1, as everywhere else (the axis starts at 1). The band is clipped to the
    fitness observed in each generation (min..best), so it never shows a fitness no genome had; the best so
    far (the best genome ever) is drawn beside the generation's best, which a noisy task makes jump; a run of
    one generation is drawn as points; ``target`` (None or NaN: none) is drawn as a dashed line. For a
    built-in game whose fitness is not what a player counts (``title`` its env id), the axis says what it is.
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from neuroevo.units import FITNESS_LABELS

    h = read_history(history_path)
    scale, unit = 1.0, ""
    fig = new_figure()
    ax = fig.add_subplot()
    if h and len(h["generation"]):
        g = h["generation"]
        marker = "o" if len(g) == 1 else None
        with np.errstate(over="ignore", invalid="ignore"):
            lo = np.clip(h["mean"] - h["std"], h["min"], h["best"])
            hi = np.clip(h["mean"] + h["std"], h["min"], h["best"])
        scale, unit = _scale(h["best"], h["min"], h["mean"], lo, hi)
        h = {k: v / scale if k in ("best", "min", "mean") else v for k, v in h.items()}
        lo, hi = lo / scale, hi / scale
        if len(g) == 1:
            ax.errorbar(g, h["mean"], yerr=[h["mean"] - lo, hi - h["mean"]], fmt="none", ecolor="tab:blue",
                        alpha=0.4, capsize=6, label="mean ± std (within min..best)")
        else:
            ax.fill_between(g, lo, hi, alpha=0.2, color="tab:blue", label="mean ± std (within min..best)")
        ax.plot(g, h["mean"], color="tab:blue", marker=marker, label="mean")
        ax.plot(g, h["best"], color="tab:green", marker=marker, label="best")
        if len(g) > 1 and np.any(np.maximum.accumulate(h["best"]) > h["best"]):
            ax.plot(g, np.maximum.accumulate(h["best"]), color="darkgreen", lw=1.0, ls=":", label="best so far")
        ax.plot(g, h["min"], color="tab:red", lw=0.8, marker=marker, label="min")
        if len(g) < 10:  # few generations: one tick each
            ax.set_xlim(g.min() - 0.5, g.max() + 0.5)
            ax.set_xticks(g)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))
            ax.set_xlim(1, g.max())  # no generation 0 on the axis
    if target is not None and not math.isnan(target):
        ax.axhline(target / scale, color="grey", ls="--", lw=1.0, label=f"target {target:,.6g}")
    ax.set_xlabel("generation")
    ax.set_ylabel(f"fitness{unit}")
    if not unit:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.6g}"))  # 60,000 not 60000
    ax.set_title((title or "fitness per generation") + (f"\nfitness = {FITNESS_LABELS[title]}" if title in FITNESS_LABELS
                                                        else ""), fontsize=10)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", framealpha=0.8)
    return save_figure(fig, png_path)
