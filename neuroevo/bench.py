"""``neuroevo bench``: the pole-balancing table of the literature, task x strategy x N independent runs.

A run evolves networks with one strategy (``neuroevo.strategies``) on a task of
:mod:`games.double_pole` until a solution is found or the evaluation budget is spent, scoring with the
population kernel. *Evaluations* count genomes scored until the solver, as Stanley & Miikkulainen (2002)
count them (``pop_size * (generation - 1) + index``):

- ``double-pole --velocities`` (Markovian): the first genome balancing 100,000 steps from the standard start.
- ``double-pole --no-velocities``: Gruau's damping fitness; each generation one candidate is tested, the
  fittest genome not tested before (``pole2_epoch`` of NEAT's ``experiments.cpp`` tests the champion of
  the best species not yet "checked"), and counts as a solution if it balances 100,000 steps and keeps the
  poles up from >= 200 of the 625 generalisation starts (Gruau et al. 1996; Gomez, Schmidhuber &
  Miikkulainen 2008). The tests are not counted as evaluations, as in the reference code; the whole
  generation of the solution is (the reference counts ``pop_size * (generation - 1) + index``).

Settings beyond the network and the strategy: ``init_scale`` (genomes are scored times it),
``"bias": false`` in the network (the scored and saved networks have every bias at 0; the strategy's bias
genes are inert) and ``restart_after`` (a run without a solution after that many evaluations since its
last start begins again with a fresh strategy, :func:`restart_seed`; every evaluation of every start counts).
- ``single-pole``: the long pole alone, velocities given, 100,000 steps.

Runs are independent (seed ``seed0 + i``) and go to a process pool; each run's champion is saved as
``OUT/run-<seed>/best.npz`` + ``best.json`` (watchable with ``neuroevo watch``). The tables
(``results.json``, ``results.md``, ``results.csv``) and ``evaluations.png`` put the runs beside the
published numbers (:data:`PUBLISHED`).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from neuroevo.errors import ConfigError

if TYPE_CHECKING:
    from neuroevo.networks import NetworkSpec
    from neuroevo.strategies.base import Genomes, Strategy

#: Published mean evaluations to solve (Gomez, Schmidhuber & Miikkulainen 2008, JMLR 9, Tables 2-3, which
#: collect the methods' papers; NEAT's fixed-topology ablation from Stanley & Miikkulainen 2002).
PUBLISHED = {
    "double-pole-velocities": {
        "source": "Gomez, Schmidhuber & Miikkulainen 2008 (JMLR 9), double pole with velocities",
        "mean_evaluations": {"NEAT": 3600, "ESP": 3800, "CoSyNE": 954, "CMA-ES": 895,
                             "NEAT fixed topology (Stanley & Miikkulainen 2002)": 30239},
    },
    "double-pole-no-velocities": {
        "source": "Gomez, Schmidhuber & Miikkulainen 2008 (JMLR 9), double pole without velocities, damping fitness",
        "mean_evaluations": {"NEAT": 6929, "NEAT (own setting, Stanley & Miikkulainen 2002)": 33184,
                             "ESP": 26342, "CMA-ES": 6061, "CoSyNE": 3416},
    },
    "single-pole": {"source": "not tabulated here", "mean_evaluations": {}},
}

#: Tuned settings per (task, strategy): the network and the strategy's config section. Stated in the table.
SETTINGS = {
    ("double-pole-velocities", "ga"): {
        "network": {"hidden": [], "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 50, "selection": "tournament", "tournament_size": 3, "crossover": "uniform",
                     "crossover_rate": 0.5, "mutation": "gaussian", "mutation_rate": 0.3, "mutation_scale": 0.5,
                     "elitism": 2},
        "init_scale": 2.0, "max_evaluations": 30_000,
    },
    ("double-pole-no-velocities", "ga"): {
        "network": {"hidden": [3], "recurrent": True, "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 50, "selection": "tournament", "tournament_size": 3, "crossover": "uniform",
                     "crossover_rate": 0.5, "mutation": "gaussian", "mutation_rate": 0.3, "mutation_scale": 0.5,
                     "elitism": 2},
        "init_scale": 2.0, "max_evaluations": 50_000,
    },
    # CMA-ES and CoSyNE (tuned on 8-10 seeds, /work/wt/NOTES-search.md). With velocities: Igel's (2003) setting
    # of a single tanh neuron on the six inputs; without: an Elman layer of 3 linear units and a linear output
    # (clipped to [-1, 1] by the task), i.e. a linear controller with a third-order memory that can form the
    # missing velocities from differences; tanh hidden units stalled near 100 steps balanced here.
    ("double-pole-velocities", "cmaes"): {
        "network": {"hidden": [], "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 16, "sigma": 3.0}, "init_scale": 1.0, "max_evaluations": 30_000,
    },
    ("double-pole-velocities", "cosyne"): {
        "network": {"hidden": [], "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 20, "mutation_rate": 0.3, "mutation_scale": 0.3, "permute": "all"},
        "init_scale": 1.0, "max_evaluations": 30_000,
    },
    # Without biases (the task is symmetric: a bias only shifts the cart's rest point) and a fresh start every
    # 3,000 evaluations without a solution (a stuck run solved 0 of 50,000): seeds 100-149, 20 networks: with
    # biases, no restarts 48/50 (seeds 0-49), mean 8,896; without biases, no restarts 23/24 (seeds 0-23),
    # mean 2,709; restarts after 3,000 / 4,500 / 6,000: 50/50, mean 2,714 / 2,789 / 2,938 (seeds 100-149).
    ("double-pole-no-velocities", "cosyne"): {
        "network": {"hidden": [3], "recurrent": True, "activation": "linear", "output_activation": "linear",
                    "bias": False},
        "strategy": {"population": 20, "mutation_rate": 0.3, "mutation_scale": 0.3, "permute": "all"},
        "init_scale": 1.0, "max_evaluations": 50_000, "restart_after": 3_000,
    },
    ("double-pole-no-velocities", "cmaes"): {
        "network": {"hidden": [3], "recurrent": True, "activation": "linear", "output_activation": "linear"},
        "strategy": {"population": 0, "sigma": 0.3}, "init_scale": 1.0, "max_evaluations": 50_000,
    },
    ("single-pole", "ga"): {
        "network": {"hidden": [], "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 20, "selection": "tournament", "tournament_size": 3, "crossover": "uniform",
                     "crossover_rate": 0.5, "mutation": "gaussian", "mutation_rate": 0.3, "mutation_scale": 0.5,
                     "elitism": 1},
        "init_scale": 2.0, "max_evaluations": 10_000,
    },
}

# NEAT (neuroevo.strategies.neat, owned there): the paper's settings (population 150, paper_config) with tanh
# nodes (the reference's sigmoid output a read as 2a - 1 is tanh of the same steepness) and weight / bias steps
# of +-0.2 (mean evaluations over seeds 0-49 with steps of +-2.5, the XOR setting: 4,233; +-1.0: 3,619; +-0.5:
# 3,142 (seeds 50-99: 3,257); +-0.3: 2,705; +-0.2: 2,262 (seeds 50-99: 2,676); +-0.1: 3,015. The paper does not
# give its step size.)
SETTINGS.update({
    (task, "neat"): {
        "network": {"hidden": [], "activation": "tanh", "output_activation": "tanh"},
        "strategy": {"population": 150, "activation_default": "tanh", "activation_options": "tanh",
                     "weight_mutate_power": 0.2, "bias_mutate_power": 0.2},
        "max_evaluations": budget,
    } for task, budget in (("double-pole-velocities", 60_000), ("single-pole", 20_000))
})

TASKS: dict[str, dict[str, Any]] = {
    "double-pole-velocities": {"velocities": True, "poles": 2},
    "double-pole-no-velocities": {"velocities": False, "poles": 2},
    "single-pole": {"velocities": True, "poles": 1},
}


def task_name(task: str, velocities: bool) -> str:
    """``double-pole`` + velocities flag -> the key of :data:`TASKS`; ConfigError for an unknown task."""
    if task == "double-pole":
        return "double-pole-velocities" if velocities else "double-pole-no-velocities"
    if task == "single-pole":
        return "single-pole"
    raise ConfigError(f"unknown bench task {task!r}; choose double-pole or single-pole")


@dataclass(frozen=True)
class RunResult:
    """One independent run: solved, evaluations until the solver, its generalisation score, wall time [s]."""

    seed: int
    solved: bool
    evaluations: int
    generalisation: int | None
    wall_s: float
    generations: int = 0
    #: Why the run did not fit or stopped early ("" if it did not): ``"population P exceeds the budget B"``
    #: (not even one generation fits the budget: the run scored only B genomes of it) or the strategy's
    #: own stop (e.g. CMA-ES's covariance degenerating), so a table never hides a run that could not go on.
    note: str = ""
    #: How many times the strategy started afresh (``restart_after``); the evaluations count every start.
    restarts: int = 0

    def to_dict(self) -> dict:
        return {"seed": self.seed, "solved": self.solved, "evaluations": self.evaluations,
                "generalisation": self.generalisation, "wall_s": round(self.wall_s, 3),
                "generations": self.generations, "note": self.note, "restarts": self.restarts}


@dataclass
class BenchSpec:
    """What :func:`run_one` needs (picklable): the task, the strategy and its settings."""

    task: str
    algorithm: str
    settings: dict = field(default_factory=dict)
    out: str | None = None


def settings_for(task: str, algorithm: str) -> dict:
    """The tuned settings of (task, strategy); ConfigError if the benchmark has none for that strategy."""
    from neuroevo.strategies import registry

    registry.get_strategy(algorithm)
    if (task, algorithm) not in SETTINGS:
        have = sorted(a for t, a in SETTINGS if t == task)
        raise ConfigError(f"the {task} benchmark has no settings for --algorithm {algorithm}; tuned: {', '.join(have)}")
    return SETTINGS[(task, algorithm)]


def _spec(task: str, net: dict) -> NetworkSpec:
    from neuroevo.networks import NetworkSpec

    n_in = 6 if TASKS[task]["velocities"] else 3
    return NetworkSpec.build(n_in, tuple(net.get("hidden", [])), 1, net.get("activation", "tanh"),
                             net.get("output_activation", "tanh"), recurrent=bool(net.get("recurrent", False)))


def bias_entries(spec: NetworkSpec) -> np.ndarray:
    """(n_bias,) int64: the genome indices of every layer's bias ``b_l`` (the layout of :class:`NetworkSpec`)."""
    blocks = spec.unflatten(np.arange(spec.n_params, dtype=np.float64))
    return np.concatenate([block[-1] for block in blocks]).astype(np.int64)


def _scored(genomes: Genomes, scale: float, no_bias: np.ndarray | None) -> Genomes:
    """The genomes the kernel scores: flat genomes times ``init_scale``, their bias entries set to 0 for a
    network without biases (``"bias": false``: the strategy's bias genes are then inert, the scored and
    saved networks have none)."""
    if not isinstance(genomes, np.ndarray) or (scale == 1.0 and no_bias is None):
        return genomes
    out = genomes * scale
    if no_bias is not None:
        out[..., no_bias] = 0.0
    return out


def restart_seed(seed: int, restart: int) -> int:
    """The strategy seed of restart ``restart`` (>= 1) of run ``seed``: its own stream, distinct from every
    run's first seed (``SeedSequence([seed, restart])``)."""
    return int(np.random.SeedSequence([seed, restart]).generate_state(1, dtype=np.uint32)[0])


def _strategy(bench: BenchSpec, spec: NetworkSpec, seed: int) -> Strategy:
    from neuroevo.strategies import registry

    cls = registry.get_strategy(bench.algorithm)
    config = cls.Config(**bench.settings["strategy"])
    config.validate()
    return cls(spec, config, seed)


def run_one(bench: BenchSpec, seed: int) -> RunResult:
    """One independent run of ``bench`` with ``seed``; saves the champion under ``bench.out`` if given."""
    from games.double_pole import kernel

    start = time.perf_counter()
    kw = TASKS[bench.task]
    spec = _spec(bench.task, bench.settings["network"])
    strategy = _strategy(bench, spec, seed)
    scale = float(bench.settings.get("init_scale", 1.0))
    budget = int(bench.settings["max_evaluations"])
    markov = kw["velocities"]
    no_bias = None if bench.settings["network"].get("bias", True) else bias_entries(spec)
    evaluations, generation = 0, 0
    solved, score = False, None
    champion: Genomes | None = None  # (n_params,), or a GenomeBatch of one (NEAT)
    tested: set[bytes] = set()
    note = ""
    restart_after = int(bench.settings.get("restart_after", 0))
    restarts, started = 0, 0
    while evaluations < budget and not solved:
        if restart_after and evaluations - started >= restart_after:  # a fresh start, evaluations still count
            restarts, started = restarts + 1, evaluations
            strategy = _strategy(bench, spec, restart_seed(seed, restarts))
        genomes = strategy.ask()  # (P, n_params), or a GenomeBatch (NEAT: graph programs in the kernel)
        whole = len(genomes)
        generation += 1
        if evaluations + len(genomes) > budget:  # the budget ends inside this generation: score only what fits
            if evaluations == 0:
                note = f"population {len(genomes)} exceeds the budget of {budget} evaluations"
            genomes = genomes[: budget - evaluations]
        scored = _scored(genomes, scale, no_bias)
        # the kernels take a GenomeBatch too (as_program), though population_fitness is annotated for arrays
        fitness, _ = kernel.population_fitness(spec, cast("np.ndarray", scored), None, **kw)
        if markov:
            hits = np.flatnonzero(fitness >= kernel.MARKOV_STEPS)
            if hits.size:
                i = int(hits[0])
                solved, champion = True, scored[i] if isinstance(scored, np.ndarray) else scored[i:i + 1]
                evaluations += i + 1
                break
        else:
            assert isinstance(scored, np.ndarray)  # no NEAT settings for the task without velocities
            best = _untested_champion(scored, fitness, tested)
            if best is not None:
                tested.add(best.tobytes())
                if kernel.solves(spec, best, velocities=False, poles=kw["poles"])[0]:
                    score = int(kernel.generalisation(spec, best, velocities=False, poles=kw["poles"])[0])
                    if score >= 200:
                        solved, champion = True, best[0]
        evaluations += len(genomes)
        if solved or len(genomes) < whole:  # solved, or a cut generation (nothing to tell: the budget is spent)
            break
        try:
            strategy.tell(fitness)
        except ConfigError as e:  # the strategy cannot go on (CMA-ES's covariance degenerated): the run ends
            note = f"stopped after {evaluations} evaluations: {e}"
            break
    if champion is None:
        last = strategy.best_genome
        assert last is not None
        champion = _scored(last, scale, no_bias)
    if not markov and score is None:
        assert isinstance(champion, np.ndarray)  # no NEAT settings for the task without velocities
        score = int(kernel.generalisation(spec, champion[None], velocities=False, poles=kw["poles"])[0])
    result = RunResult(seed, solved, evaluations, score, time.perf_counter() - start, generation, note, restarts)
    if bench.out:
        _save_champion(bench, bench.out, spec, champion, result)
    return result


def _untested_champion(genomes: np.ndarray, fitness: np.ndarray, tested: set[bytes]) -> np.ndarray | None:
    """(1, n_params): the fittest of ``genomes`` not tested before, or None if all were.

    The generation's one tested candidate, as ``pole2_epoch`` of NEAT's ``experiments.cpp`` chooses it: the
    champion of the best species not yet "checked" (a species' champion that failed the tests is skipped
    until the species' fitness improves). A genome that failed once fails again (the tests are deterministic),
    so the next fittest untested one is tested instead.
    """
    for i in np.argsort(-fitness, kind="stable"):
        if genomes[i].tobytes() not in tested:
            return genomes[i][None]
    return None


def _save_champion(bench: BenchSpec, out: str, spec: NetworkSpec, genome: Genomes, result: RunResult) -> None:
    from neuroevo.agent import Agent

    env_kwargs = {k: v for k, v in TASKS[bench.task].items()}
    flat = isinstance(genome, np.ndarray) or not hasattr(genome, "network")  # else a GenomeBatch of one (NEAT)
    Agent(spec, np.asarray(genome, dtype=np.float64) if flat else genome, "neuroevo/DoublePole-v0", env_kwargs,
          {"bench": bench.task, "algorithm": bench.algorithm, **result.to_dict()}
          ).save(Path(out) / f"run-{result.seed}" / "best.npz")


def run_bench(task: str, algorithm: str, runs: int, *, workers: int = 1, seed0: int = 0,
              out: str | Path | None = None, log: Callable[[str], object] | None = None,
              max_evaluations: int | None = None) -> dict:
    """``runs`` independent runs (seeds ``seed0 ..``) across ``workers`` processes; writes the tables to ``out``.

    A run stops when solved or when it has scored ``max_evaluations`` genomes (default: the tuned settings'
    budget); it never scores more: a generation that would cross the budget is cut to it, and a run whose
    first generation alone does not fit says so in its ``note``.

    Returns:
        The ``results.json`` data: ``{"task", "algorithm", "settings", "runs": [...], "summary", "published"}``.

    Raises:
        ConfigError: unknown task or strategy, no tuned settings, runs, workers or max_evaluations < 1.
    """
    if runs < 1 or workers < 1:
        raise ConfigError(f"--runs and --workers must be at least 1, got {runs} and {workers}")
    settings = settings_for(task, algorithm)
    if max_evaluations is not None:
        if max_evaluations < 1:
            raise ConfigError(f"--max-evaluations must be at least 1, got {max_evaluations}")
        settings = {**settings, "max_evaluations": int(max_evaluations)}
    bench = BenchSpec(task, algorithm, settings, str(out) if out else None)
    seeds = list(range(seed0, seed0 + runs))
    results = []
    if workers == 1:
        for s in seeds:
            results.append(run_one(bench, s))
            if log:
                log(_line(results[-1]))
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            for r in pool.imap(_run_star, [(bench, s) for s in seeds]):
                results.append(r)
                if log:
                    log(_line(r))
            pool.close()  # the workers end by themselves: no SIGTERM (Pool.__exit__ terminates them)
            pool.join()
    data = {"task": task, "algorithm": algorithm, "settings": settings,
            "runs": [r.to_dict() for r in results],
            "summary": summarise(results, int(settings["max_evaluations"])),
            "published": PUBLISHED[task]}
    if out:
        write_tables(Path(out), data)
    return data


def _run_star(args: tuple[BenchSpec, int]) -> RunResult:
    return run_one(*args)


def _line(r: RunResult) -> str:
    g = "" if r.generalisation is None else f", generalisation {r.generalisation}/625"
    n = f" [{r.note}]" if r.note else ""
    return (f"seed {r.seed}: {'solved' if r.solved else 'not solved'} after {r.evaluations} evaluations{g} "
            f"({r.wall_s:.1f} s){n}")


def summarise(results: Sequence[RunResult], budget: int | None = None) -> dict:
    """Runs solved, mean / median / max evaluations of the solved runs, mean generalisation, wall seconds,
    the evaluation budget and the runs with a note (cut to the budget at their first generation, stopped)."""
    ev = np.array([r.evaluations for r in results if r.solved], dtype=float)
    gen = [r.generalisation for r in results if r.solved and r.generalisation is not None]
    return {"runs": len(results), "solved": int(len(ev)),
            "mean_evaluations": float(ev.mean()) if len(ev) else None,
            "median_evaluations": float(np.median(ev)) if len(ev) else None,
            "max_evaluations": float(ev.max()) if len(ev) else None,
            "mean_generalisation": float(np.mean(gen)) if gen else None,
            "min_generalisation": int(min(gen)) if gen else None,
            "wall_s": float(sum(r.wall_s for r in results)),
            "max_evaluations_budget": budget,
            "noted": {str(r.seed): r.note for r in results if r.note}}


def markdown(data: dict) -> str:
    """The Markdown table of a bench: this run's strategy beside the published means."""
    s = data["summary"]
    fmt = lambda v: "-" if v is None else f"{v:,.0f}"  # noqa: E731
    lines = [f"**{data['task']}**, {s['runs']} runs of `{data['algorithm']}` "
             f"(settings: `{json.dumps(data['settings'], sort_keys=True)}`)", "",
             "| method | runs solved | mean evaluations | median | max | generalisation (mean / min of 625) | wall s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    gen = "-" if s["mean_generalisation"] is None else f"{s['mean_generalisation']:.0f} / {s['min_generalisation']}"
    lines.append(f"| neuroevo {data['algorithm']} | {s['solved']}/{s['runs']} | {fmt(s['mean_evaluations'])} | "
                 f"{fmt(s['median_evaluations'])} | {fmt(s['max_evaluations'])} | {gen} | {s['wall_s']:.1f} |")
    for name, mean in data["published"]["mean_evaluations"].items():
        lines.append(f"| {name} (published) | - | {mean:,} | - | - | - | - |")
    budget = s.get("max_evaluations_budget") or data.get("settings", {}).get("max_evaluations")
    lines += ["", f"Budget: at most {budget:,} evaluations per run (never exceeded; a run not solved within it "
                  "counts as not solved)." if budget else "Budget: not recorded."]
    for seed, note in s.get("noted", {}).items():
        lines.append(f"- seed {seed}: {note}")
    lines += ["", f"Published numbers: {data['published']['source']}."]
    return "\n".join(lines) + "\n"


def write_tables(out: Path, data: dict) -> None:
    """``results.json``, ``results.md``, ``results.csv`` and ``evaluations.png`` in ``out``, written atomically."""
    from neuroevo.agent import write_json

    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", data)
    _atomic_text(out / "results.md", markdown(data))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["seed", "solved", "evaluations", "generalisation", "wall_s", "generations", "note"])
    for r in data["runs"]:
        w.writerow([r["seed"], r["solved"], r["evaluations"], r["generalisation"], r["wall_s"], r["generations"],
                    r.get("note", "")])
    _atomic_text(out / "results.csv", buf.getvalue())
    plot(data, out / "evaluations.png")


def _atomic_text(path: Path, text: str) -> None:
    from neuroevo.agent import atomic_write

    atomic_write(path, lambda f: f.write(text.encode()))


def plot(data: dict, path: Path) -> None:
    """Fraction of runs solved against evaluations (an empirical CDF, drawn up to the evaluation budget), the
    runs' mean over solved runs and the published means as vertical lines, the budget as a grey line; the
    legend beside the axes (it hid the curve), plain tick labels (3,000, not 3 x 10^3)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig = Figure(figsize=(10, 4.2), dpi=110)
    ax = fig.add_subplot()
    runs = data["runs"]
    budget = data.get("settings", {}).get("max_evaluations")
    ev = np.sort([r["evaluations"] for r in runs if r["solved"]])
    right = max([budget or 0, *ev, *data["published"]["mean_evaluations"].values()]) * 1.15
    if len(ev):
        y = np.arange(1, len(ev) + 1) / len(runs)
        end = budget if budget else ev[-1]
        line, = ax.step(np.concatenate([[1], ev, [end]]), np.concatenate([[0], y, [y[-1]]]), where="post", lw=2,
                        label=f"neuroevo {data['algorithm']}: {len(ev)}/{len(runs)} runs solved")
        ax.axvline(ev.mean(), color=line.get_color(), lw=1.2,
                   label=f"neuroevo {data['algorithm']}: {ev.mean():,.0f} (mean over solved runs)")
    colours = ["#888", "#c55", "#5a5", "#55c", "#c8c", "#cc5"]
    for (name, mean), c in zip(data["published"]["mean_evaluations"].items(), colours):
        ax.axvline(mean, color=c, ls="--", lw=1, label=f"{name}: {mean:,} (mean, published)")
    if budget:
        ax.axvline(budget, color="black", ls=":", lw=1, label=f"budget: {budget:,} evaluations a run")
    ax.set_xscale("log")
    lo = min([*ev, *data["published"]["mean_evaluations"].values()], default=100) / 1.5
    ax.set_xlim(lo, right)
    plain = FuncFormatter(lambda v, _: f"{v:,.0f}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    ax.xaxis.set_minor_formatter(plain if right / lo < 300 else NullFormatter())
    ax.tick_params(axis="x", which="both", labelsize=8)
    ax.set_xlabel("evaluations (genomes scored) until the first solution")
    ax.set_ylabel("fraction of runs solved")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{data['task']}: {len(ev)} of {len(runs)} runs solved"
                 + (f" within {budget:,} evaluations" if budget else ""))
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), framealpha=0.9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    from neuroevo.agent import atomic_write

    atomic_write(path, lambda f: f.write(buf.getvalue()))
