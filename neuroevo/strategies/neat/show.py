"""Pictures of a NEAT run: the best genome's topology and the species sizes over generations (PNG).

matplotlib's object API (``Figure`` + ``FigureCanvasAgg``): no pyplot state and no backend switch, so it
is safe in any process. Files are written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroevo.agent import atomic_write
from neuroevo.strategies.neat.functions import ACTIVATIONS
from neuroevo.strategies.neat.genome import ACT, ENABLED, WEIGHT, Genome

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from neuroevo._typing import StrPath

_ACT_NAMES = {v: k for k, v in ACTIVATIONS.items()}


def layers(genome: Genome, n_in: int, n_out: int) -> dict[int, int]:
    """Column of every node: inputs 0, hidden nodes their longest path from an input over enabled
    connections (the back edges of a recurrent genome, found depth-first from the inputs, ignored; a node no
    input reaches: 1), outputs one right of the deepest hidden node."""
    outs = set(range(n_out))
    hidden = [k for k in genome.nodes if k not in outs]
    succ: dict[int, list[int]] = {}
    for (a, b), c in genome.conns.items():
        if c[ENABLED] and a != b and b not in outs:
            succ.setdefault(a, []).append(b)
    inputs = [-i - 1 for i in range(n_in)]
    depth = {n: 0 for n in inputs}
    order, state = [], {}
    for root in inputs + hidden:  # iterative DFS: post-order, skipping edges back into the current path
        if root in state:
            continue
        stack = [(root, iter(succ.get(root, ())))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next((m for m in it if state.get(m) != 1), None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ.get(nxt, ()))))
    position = {n: i for i, n in enumerate(reversed(order))}
    for n in reversed(order):  # topological order of the forward edges
        for m in succ.get(n, ()):
            if position[m] > position[n]:
                depth[m] = max(depth.get(m, 1), depth.get(n, 0) + 1)
    for h in hidden:
        depth.setdefault(h, 1)
    last = max([depth[h] for h in hidden], default=0) + 1
    depth.update({o: last for o in outs})
    return depth


def _positions(genome: Genome, n_in: int, n_out: int) -> tuple[dict[int, tuple[int, float]], int]:
    col = layers(genome, n_in, n_out)
    by_col: dict[int, list[int]] = {}
    for n in sorted(col, key=lambda k: (col[k], k if k >= 0 else -k)):
        by_col.setdefault(col[n], []).append(n)
    pos = {}
    for c, nodes in by_col.items():
        for i, n in enumerate(nodes):
            pos[n] = (c, (i + 1) / (len(nodes) + 1))
    return pos, max(by_col)


def plot_topology(genome: Genome, n_in: int, n_out: int, png_path: StrPath, title: str = "",
                  input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None) -> Path:
    """Draw ``genome`` to ``png_path``: nodes in columns by layer (inputs left, outputs right), enabled
    connections as lines whose width grows with |weight| (blue positive, red negative), disabled ones as thin
    dotted grey lines, recurrent ones (to the same or an earlier column) curved."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    pos, last = _positions(genome, n_in, n_out)
    fig = Figure(figsize=(max(5.0, 1.6 * (last + 1)), max(3.5, 0.45 * max(n_in, n_out, 6))), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    wmax = max([abs(c[WEIGHT]) for c in genome.conns.values() if c[ENABLED]] + [1e-9])
    for (a, b), c in genome.conns.items():
        if a not in pos or b not in pos:
            continue
        (x0, y0), (x1, y1) = pos[a], pos[b]
        back = x1 <= x0
        style: dict[str, Any] = dict(arrowstyle="-|>", mutation_scale=8, shrinkA=9, shrinkB=9,
                                     connectionstyle="arc3,rad=0.45" if back else "arc3,rad=0.0")
        if c[ENABLED]:
            colour = "tab:blue" if c[WEIGHT] >= 0 else "tab:red"
            patch = FancyArrowPatch((x0, y0), (x1, y1), color=colour, alpha=0.8,
                                    lw=0.4 + 4.0 * abs(c[WEIGHT]) / wmax, **style)
        else:
            patch = FancyArrowPatch((x0, y0), (x1, y1), color="0.7", lw=0.6, ls=":", **style)
        ax.add_patch(patch)
    input_names = list(input_names or [f"in{i}" for i in range(n_in)])
    output_names = list(output_names or [f"out{i}" for i in range(n_out)])
    for n, (x, y) in pos.items():
        kind = "input" if n < 0 else "output" if n < n_out else "hidden"
        face = {"input": "#d9ead3", "output": "#fce5cd", "hidden": "#ffffff"}[kind]
        ax.scatter([x], [y], s=420, c=face, edgecolors="0.2", zorder=3)
        label = input_names[-n - 1] if n < 0 else output_names[n] if n < n_out else str(n)
        ax.annotate(label, (x, y), ha="center", va="center", fontsize=7, zorder=4)
        if n >= 0 and n in genome.nodes:
            ax.annotate(_ACT_NAMES.get(int(genome.nodes[n][ACT]), "?"), (x, y - 0.07), ha="center", va="top",
                        fontsize=5.5, color="0.35", zorder=4)
    n_nodes, n_conns = genome.size()
    ax.set_title(title or f"best genome: {n_nodes} nodes, {n_conns} enabled connections", fontsize=9)
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(range(last + 1), ["inputs"] + [f"layer {i}" for i in range(1, last)] + ["outputs"],
                  fontsize=7)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.text(1.0, -0.12, "line width: |weight|; blue +, red -; dotted: disabled", transform=ax.transAxes,
            ha="right", fontsize=6, color="0.4")
    fig.tight_layout()
    return _save(fig, png_path)


def plot_species(history: list[dict[int, int]], png_path: StrPath, title: str = "") -> Path:
    """Stacked plot of species sizes per generation (``history[g]``: {species id: size} of generation g + 1,
    numbered from 1 like the CLI), one colour per species in order of appearance."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ids = sorted({k for h in history for k in h})
    sizes = np.array([[h.get(k, 0) for h in history] for k in ids], float).reshape(len(ids), len(history))
    fig = Figure(figsize=(7, 4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if history and ids:
        from matplotlib import colormaps

        cmap = colormaps["tab20"]
        ax.stackplot(np.arange(1, len(history) + 1), sizes, colors=[cmap(i % 20) for i in range(len(ids))],
                     edgecolor="white", linewidth=0.3)
    ax.set_xlabel("generation")
    ax.set_ylabel("genomes per species")
    ax.set_title(title or f"species sizes ({len(ids)} species over {len(history)} generations)", fontsize=9)
    ax.set_xlim(1, max(len(history), 2))
    ax.margins(y=0)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, png_path)


def _save(fig: Figure, png_path: StrPath) -> Path:
    png_path = Path(png_path)
    atomic_write(png_path, lambda f: fig.savefig(f, format="png"))
    return png_path


def show_run(folder: StrPath) -> tuple[Path, Path]:
    """Write ``topology.png`` (the best genome) and ``species.png`` into a NEAT run folder; returns both.

    Raises:
        CheckpointError: the folder holds no NEAT run (no best genome or checkpoint, or another strategy's).
    """
    from neuroevo.agent import load_agent
    from neuroevo.strategies.neat.batch import NEATGenomes
    from neuroevo.checkpoint import load_checkpoint
    from neuroevo.errors import CheckpointError

    folder = Path(folder)
    agent = load_agent(folder)
    if not isinstance(agent.genome, NEATGenomes):
        raise CheckpointError(f"{folder} is a run of {agent.meta.get('strategy', 'ga')}; `neuroevo show` draws "
                              f"NEAT runs (--algorithm neat)")
    _, meta = load_checkpoint(folder)
    history = [{int(k): int(v) for k, v in h.items()}
               for h in meta.get("strategy_state", {}).get("species_history", [])]
    batch = agent.genome
    fitness = agent.meta.get("fitness")
    title = f"best genome (fitness {fitness:.4g})" if isinstance(fitness, (int, float)) else ""
    topo = plot_topology(batch.genomes[0], batch.n_in, batch.n_out, folder / "topology.png", title)
    return topo, plot_species(history, folder / "species.png")
