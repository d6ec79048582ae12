"""``neuroevo compare``: several methods on one task with the same network size and budget; table + plot.

Every method trains the same network (one ``NetworkSpec``) for at most the same budget: env steps for an
env, or examples (one forward pass of one input row) for ``--task xor|sin``. Population methods (the
strategies, random search) are held to it by :mod:`neuroevo.budget`: their population and episodes are
sized so a few generations fit, the generation (or batch) that would cross the budget is not counted, and
a method whose first generation does not fit is marked so in the table and not drawn. Each run is scored the same
way: the greedy policy of its current genome on fixed validation episodes (a strategy: the best genome of each
generation), with that evaluation's time left out of the method's wall seconds. A run "reaches the
threshold" when a validation evaluation reaches the env's ``reward_threshold`` (xor: 100 % accuracy; sin:
MSE < 1e-3), and stops there. Its returned genome is then evaluated on 100 fresh episodes
(``neuroevo.evaluate``: the real env, seeds never used in training).

Outputs in the folder: ``results.csv`` (one row per method and seed), ``summary.csv`` and ``summary.md``
(per method: success rate, median and interquartile range of env steps and of wall seconds to the threshold
over the successful seeds, final mean return), ``curves.png`` (mean over seeds of the evaluation return
against env steps and against wall seconds on a log axis, band = min..max over seeds; a run that stopped at
the threshold keeps its last value)
and ``curves/<method>-seed<k>.csv``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from neuroevo.agent import atomic_write
from neuroevo.baselines import backprop, dqn, random_search, reinforce
from neuroevo.baselines.common import RL_COLUMNS, Clock, Curve, Evaluator, TrainResult, spec_for_env, open_env
from neuroevo.baselines.datasets import load_dataset
from neuroevo.callbacks import Callback
from neuroevo.errors import ConfigError
from neuroevo.evaluation.registry import KERNELS, resolve_env_id
from neuroevo.network import NetworkSpec, forward
from neuroevo.runfolder import claim, make_folder

from neuroevo.strategies.registry import STRATEGIES

if TYPE_CHECKING:
    from neuroevo._typing import StrPath
    from neuroevo.budget import Sizing

#: Methods of ``compare --env``: every search strategy (``neuroevo.strategies``) and the baselines.
ENV_METHODS = (*STRATEGIES, "random-search", "reinforce", "dqn")
#: Methods run when ``--methods`` is not given.
DEFAULT_ENV_METHODS = ("ga", "random-search", "reinforce", "dqn")
TASK_METHODS = (*STRATEGIES, "backprop")
DEFAULT_TASK_METHODS = ("ga", "backprop")
SUMMARY_COLUMNS = ("method", "runs", "solved", "success_rate", "median_steps", "steps_q25", "steps_q75",
                   "median_seconds", "seconds_q25", "seconds_q75", "final_return_median", "final_return_min",
                   "final_return_max", "setup", "fits_budget")


@dataclass
class Comparison:
    """What :func:`compare` produced: one :class:`TrainResult` per (method, seed), the final scores, files."""

    results: dict  # method -> [TrainResult per seed]
    final: dict  # method -> [final mean return (env) or final MSE (task) per seed]
    summary: list  # rows of SUMMARY_COLUMNS
    folder: Path


def compare(env: str | None = None, task: str | None = None, methods: Sequence[str] | None = None, seeds: int = 5,
            budget_steps: int = 100_000, hidden: Sequence[int] = (32,), activation: str = "tanh",
            out: str | Path | None = None,
            eval_episodes: int | None = None, final_episodes: int = 100, env_kwargs: dict | None = None,
            log: Callable[[str], object] = print) -> Comparison:
    """Run every method for every seed and write the table and the plot.

    Args:
        env: Gymnasium id or alias (methods: the strategies ``ga, cosyne, cmaes, sep-cmaes, openai-es`` and
            ``random-search, reinforce, dqn``); or
        task: "xor" or "sin" (methods: the strategies and ``backprop``); exactly one of the two.
        methods: method names (default: ga and the baselines for the kind of task).
        seeds: seeds 0..seeds-1 per method. budget_steps: env steps (env) or examples (task) per run.
        hidden, activation: the network shared by every method (output: linear for Discrete actions and
            the supervised tasks, tanh for Box actions).
        out: folder (default ``runs/compare-<env or task>``). eval_episodes: validation episodes per
            evaluation (default: 100 when the env has a population kernel, which makes them cheap, else 10). final_episodes: fresh episodes of the final evaluation. log: ``fn(str)`` for progress.

    Returns:
        A :class:`Comparison`.

    Raises:
        ConfigError: neither or both of env and task, an unknown method, a method that does not fit the task.
        TaskError: from the env.
    """
    if (env is None) == (task is None):
        raise ConfigError("compare needs exactly one of --env ID or --task xor|sin")
    allowed = ENV_METHODS if env else TASK_METHODS
    methods = list(methods or (DEFAULT_ENV_METHODS if env else DEFAULT_TASK_METHODS))
    for m in methods:
        if m not in allowed:
            raise ConfigError(f"method {m!r} does not apply to {'--env' if env else '--task'}; choose from "
                              f"{', '.join(allowed)}")
    if seeds < 1 or budget_steps < 1:
        raise ConfigError("--seeds and --budget-steps must be at least 1")
    if task is not None and task not in ("xor", "sin"):
        raise ConfigError(f"compare --task takes xor or sin, got {task!r}")
    from neuroevo.runfolder import free_folder

    folder = Path(out) if out else free_folder(f"compare-{(env or task or '').replace('/', '-')}")
    if eval_episodes is None:
        eval_episodes = 100 if env and resolve_env_id(env) in KERNELS else 10
    lock = claim(folder, "compare")  # held until the tables are written
    try:
        return _compare(env, task, methods, seeds, budget_steps, hidden, activation, folder, eval_episodes,
                        final_episodes, env_kwargs, log)
    finally:
        lock.release()


def _compare(env: str | None, task: str | None, methods: list[str], seeds: int, budget_steps: int,
             hidden: Sequence[int], activation: str, folder: Path, eval_episodes: int, final_episodes: int,
             env_kwargs: dict | None, log: Callable[[str], object]) -> Comparison:
    results: dict[str, list[TrainResult]] = {}
    final: dict[str, list[float]] = {}
    for m in methods:
        results[m], final[m] = [], []
        for seed in range(seeds):
            if env:
                r = _run_env(m, env, env_kwargs, seed, budget_steps, tuple(hidden), activation, eval_episodes)
                score = _final_return(r, final_episodes, seed) if r.genome is not None else math.nan
            else:
                assert task is not None  # exactly one of env and task: checked by compare()
                r = _run_task(m, task, seed, budget_steps, tuple(hidden), activation)
                score = _final_mse(r, task) if r.genome is not None else math.nan
            results[m].append(r)
            final[m].append(score)
            reached = f"{r.steps_to_threshold:,} steps, {r.seconds_to_threshold:.2f} s" if r.solved else "not reached"
            if r.genome is None:
                log(f"{m:14} seed {seed}: {r.meta.get('note', 'no evaluation within the budget')}")
            else:
                log(f"{m:14} seed {seed}: threshold {reached}; final {'return' if env else 'MSE'} {score:.4g}")
    summary = _summary(results, final)
    _write(folder, results, final, summary, env or task or "", budget_steps, bool(env))
    return Comparison(results, final, summary, folder)


# ---------------------------------------------------------------------------------------------- env runs

def _run_env(method: str, env: str, env_kwargs: dict | None, seed: int, budget: int, hidden: tuple[int, ...],
             activation: str, eval_episodes: int) -> TrainResult:
    common: dict[str, Any] = dict(total_steps=budget, hidden=list(hidden), activation=activation,
                                  eval_episodes=eval_episodes)
    if method == "dqn":
        return dqn.train(env, dqn.DQNConfig(**common), seed, env_kwargs=env_kwargs)
    if method == "reinforce":
        return reinforce.train(env, reinforce.ReinforceConfig(**common), seed, env_kwargs=env_kwargs)
    if method == "random-search":  # a population method too: its batches are sized like a strategy's
        from neuroevo.budget import size_to_budget

        e, _ = open_env(env, env_kwargs)
        max_steps = e.spec.max_episode_steps if e.spec is not None else None
        e.close()
        cfg = random_search.RandomSearchConfig(**common)
        cfg, sizing = size_to_budget(cfg, cfg.episodes, budget, max_steps, field="batch_size")
        cfg = dataclasses.replace(cfg, episodes=sizing.episodes)
        r = random_search.train(env, cfg, seed, env_kwargs=env_kwargs)
        r.meta["setup"] = f"batches of {sizing.describe().removeprefix('population ')}"
        return r
    return _run_strategy(method, env, env_kwargs, seed, budget, hidden, activation, eval_episodes)


class _StrategyCurve(Callback):
    """Evaluates each generation's best genome on the validation episodes; stops at the threshold, or at the
    budget: a generation that crosses it is not counted (``neuroevo.budget``, rule 2)."""

    def __init__(self, curve: Curve, evaluator: Callable[[np.ndarray], float], budget: int, used: int = 0):
        self.curve, self.evaluator, self.budget, self.eval_seconds = curve, evaluator, budget, 0.0
        self.used, self.seconds, self.generations = used, 0.0, 0
        self.first_generation: int | None = None

    def on_generation_end(self, record):
        if self.first_generation is None:
            self.first_generation = record.env_steps
        if record.env_steps > self.budget:
            return False  # this generation does not fit: the run ends at the previous one
        t0 = time.perf_counter()
        genome = record.genomes[int(np.argmax(record.fitness))]
        score = self.evaluator(genome)
        self.used, self.seconds, self.generations = record.env_steps, record.elapsed - self.eval_seconds, \
            self.generations + 1
        self.curve.add(genome, env_steps=record.env_steps, seconds=self.seconds, eval_return=score,
                       train_return=record.best)
        self.eval_seconds += time.perf_counter() - t0
        return not (record.env_steps >= self.budget or self.curve.reached)


class _Generations(Protocol):
    """What :func:`_budget_meta` reads of a run's budget watcher."""

    generations: int
    first_generation: int | None


def _budget_meta(sizing: Sizing, watcher: _Generations, unit: str) -> dict:
    """What the table says about a population method under the budget."""
    meta = {"setup": sizing.describe(), "generations": watcher.generations, "fits": watcher.generations > 0}
    if not watcher.generations:
        meta["note"] = (f"cannot fit the budget: its first generation took {watcher.first_generation:,} {unit}"
                        if watcher.first_generation is not None else "cannot fit the budget")
    return meta


def _run_strategy(method: str, env: str, env_kwargs: dict | None, seed: int, budget: int, hidden: tuple[int, ...],
                  activation: str, eval_episodes: int) -> TrainResult:
    from neuroevo.baselines.common import task_for_env, reward_threshold, seed_streams
    from neuroevo.budget import size_to_budget
    from neuroevo.config import resolve
    from neuroevo.population import Population
    from neuroevo.strategies.registry import attribute, get_strategy, make_strategy

    e, env_id = open_env(env, env_kwargs)
    spec, threshold = spec_for_env(e, hidden, activation), reward_threshold(e)
    max_steps = e.spec.max_episode_steps if e.spec is not None else None
    e.close()
    config = resolve(flags={"task": {"env": env_id}, "run": {"algorithm": method, "seed": seed}})
    name = attribute(get_strategy(method).section)
    auto = make_strategy(config, spec).population_size if getattr(getattr(config, name), "population", None) == 0 \
        else None  # an automatic population (CMA-ES): kept, but its episodes are sized for it
    sized, sizing = size_to_budget(getattr(config, name), config.task.episodes, budget, max_steps,
                                   auto_population=auto)
    setattr(config, name, sized)
    task = task_for_env(env_id, spec, env_kwargs)
    task.warmup()
    (rng_eval,) = seed_streams(seed, 1)
    evaluator = Evaluator(env_id, spec, env_kwargs, eval_episodes, rng_eval)
    curve = Curve(method, RL_COLUMNS, threshold, budget)
    watcher = _StrategyCurve(curve, evaluator, budget)
    strategy = make_strategy(config, spec)
    if not sizing.population:
        sizing = dataclasses.replace(sizing, population=strategy.population_size)
    Population(task, strategy, callbacks=[watcher], episodes=sizing.episodes).run(10**9)
    return curve.result(spec, env_id, env_kwargs, watcher.used, watcher.seconds,
                        {"seed": seed, **_budget_meta(sizing, watcher, "env steps")})


def _final_return(result: TrainResult, episodes: int, seed: int) -> float:
    from neuroevo.evaluate import evaluate_agent

    return float(evaluate_agent(result.agent(), episodes=episodes, seed=seed).returns.mean())


# --------------------------------------------------------------------------------------------- task runs

def _run_task(method: str, task: str, seed: int, budget: int, hidden: tuple[int, ...], activation: str) -> TrainResult:
    x, y = load_dataset(task)
    if method == "backprop":
        cfg = backprop.BackpropConfig(epochs=max(1, budget // len(x)), hidden=list(hidden), activation=activation)
        return backprop.train(task, cfg, seed)
    return _run_strategy_task(method, task, x, y, seed, budget, hidden, activation)


def _run_strategy_task(method: str, task: str, x: np.ndarray, y: np.ndarray, seed: int, budget: int,
                       hidden: tuple[int, ...], activation: str) -> TrainResult:
    from neuroevo.budget import size_to_budget
    from neuroevo.config import GAConfig, resolve
    from neuroevo.evaluation.tasks import FunctionTask
    from neuroevo.population import Population
    from neuroevo.strategies.registry import attribute, get_strategy, make_strategy

    spec = NetworkSpec.build(x.shape[1], hidden, y.shape[1], activation, "linear")

    def fitness(genomes, seeds):  # -MSE over the dataset (maximised)
        return np.array([-np.mean((forward(spec, g, x) - y) ** 2) for g in genomes])

    metric, threshold = ("accuracy", 1.0) if task == "xor" else ("score", -1e-3)
    curve = Curve(method, backprop.COLUMNS, threshold, budget, None, metric, "examples")
    clock = Clock()

    class Watch(Callback):  # the budget's rule 2 (neuroevo.budget), counted in examples
        generations, used, first_generation, seconds = 0, 0, None, 0.0

        def on_generation_end(self, record):
            seen = record.evaluations * len(x)
            if self.first_generation is None:
                self.first_generation = seen
            if seen > budget:
                return False
            g = record.genomes[int(np.argmax(record.fitness))]
            out = forward(spec, g, x)
            mse = float(np.mean((out - y) ** 2))
            self.generations, self.used, self.seconds = self.generations + 1, seen, clock.seconds()
            curve.add(g, epoch=record.generation, examples=seen, seconds=self.seconds, loss=mse,
                      accuracy=backprop.accuracy(out, y, "mse") if task == "xor" else np.nan, score=-mse)
            return not (seen >= budget or curve.reached)

    config = resolve(flags={"run": {"algorithm": method, "seed": seed}})
    name = attribute(get_strategy(method).section)
    if method == "ga":  # small gaussian steps fit regression better than the env default
        setattr(config, name, GAConfig(mutation="gaussian", mutation_scale=0.1))
    sized, sizing = size_to_budget(getattr(config, name), 1, budget, None, unit_cost=len(x))
    setattr(config, name, sized)
    strategy = make_strategy(config, spec)
    if not sizing.population:
        sizing = dataclasses.replace(sizing, population=strategy.population_size)
    watch = Watch()
    Population(FunctionTask(fitness, spec, batch=True), strategy, callbacks=[watch]).run(10**9)
    return curve.result(spec, None, {}, watch.used, watch.seconds,
                        {"seed": seed, "task": task, **_budget_meta(sizing, watch, "examples")})


def _final_mse(result: TrainResult, task: str) -> float:
    if result.genome is None:  # nothing was evaluated within the budget
        return math.nan
    x, y = load_dataset(task)
    return float(np.mean((forward(result.spec, result.genome, x) - y) ** 2))


# ------------------------------------------------------------------------------------------------ output

def _quantiles(values):
    v = [x for x in values if x is not None]
    return tuple(float(q) for q in np.percentile(v, [50, 25, 75])) if v else (math.nan,) * 3


def _summary(results: dict[str, list[TrainResult]], final: dict[str, list[float]]) -> list:
    rows = []
    for m, runs in results.items():
        solved = sum(r.solved for r in runs)
        steps = _quantiles([r.steps_to_threshold for r in runs])
        secs = _quantiles([r.seconds_to_threshold for r in runs])
        f = np.array(final[m], dtype=float)
        f = f[np.isfinite(f)]
        stats = (float(np.median(f)), float(f.min()), float(f.max())) if f.size else (math.nan,) * 3
        setups = sorted({r.meta.get("setup", "") for r in runs})
        fits = sum(r.meta.get("fits", True) for r in runs)
        rows.append([m, len(runs), solved, solved / len(runs), *steps, *secs, *stats, "; ".join(setups), fits])
    return rows


def _fmt(v, digits=3):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"


def _markdown(summary: list, name: str, budget: int, is_env: bool) -> str:
    from neuroevo.budget import MIN_GENERATIONS

    unit = "env steps" if is_env else "examples"
    final = "final mean return (100 fresh episodes): median [min, max]" if is_env else "final MSE: median [min, max]"
    lines = [f"Comparison on {name}, budget {budget:,} {unit} per run (a population method's population and "
             f"episodes are sized so {MIN_GENERATIONS} generations fit at the episode step limit, and the "
             f"generation that crosses the budget is not counted).", "",
             f"| method | setup | solved | {unit} to threshold: median [q25, q75] | wall s to threshold: median "
             f"[q25, q75] | {final} |", "|---|---|---|---|---|---|"]
    for r in summary:
        solved = f"{r[2]}/{r[1]}" if r[14] == r[1] else f"{r[2]}/{r[1]}, cannot fit the budget on {r[1] - r[14]}"
        lines.append(f"| {r[0]} | {r[13] or '-'} | {solved} | {_fmt(r[4])} [{_fmt(r[5])}, {_fmt(r[6])}] | "
                     f"{_fmt(r[7])} [{_fmt(r[8])}, {_fmt(r[9])}] | {_fmt(r[10], 4)} [{_fmt(r[11], 4)}, "
                     f"{_fmt(r[12], 4)}] |")
    return "\n".join(lines) + "\n"


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def _write(folder: Path, results: dict[str, list[TrainResult]], final: dict[str, list[float]], summary: list,
           name: str, budget: int, is_env: bool) -> None:
    make_folder(folder)
    rows = [[m, r.meta.get("seed", i), r.steps_to_threshold, r.seconds_to_threshold, r.env_steps,
             round(r.seconds, 3), final[m][i]] for m, runs in results.items() for i, r in enumerate(runs)]
    atomic_write(folder / "results.csv", lambda f: f.write(_csv_text(
        ("method", "seed", "steps_to_threshold", "seconds_to_threshold", "steps", "seconds",
         "final_return" if is_env else "final_mse"), rows)))
    atomic_write(folder / "summary.csv", lambda f: f.write(_csv_text(SUMMARY_COLUMNS, summary)))
    text = _markdown(summary, name, budget, is_env)
    atomic_write(folder / "summary.md", lambda f: f.write(text.encode()))
    for m, runs in results.items():
        for i, r in enumerate(runs):
            r.save_curve(folder / "curves" / f"{m}-seed{i}.csv")
    plot_curves(results, folder / "curves.png", name, budget, is_env)


def _band(runs, x_col, y_col, grid):
    """(seeds, len(grid)) values on ``grid``: step-wise last value so far (NaN before the first row)."""
    out = np.full((len(runs), len(grid)), np.nan)
    for k, r in enumerate(runs):
        c = dict(zip(r.columns, r.curve.T))
        if len(c[x_col]) == 0:
            continue
        idx = np.searchsorted(c[x_col], grid, side="right") - 1
        out[k] = np.where(idx >= 0, c[y_col][np.maximum(idx, 0)], np.nan)
    return out


def mean_band(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, min, max)`` over seeds of ``vals`` (seeds, points), NaN wherever a seed has no value yet.

    The mean of only the seeds that have started would jump each time another seed's first evaluation
    joins it (a GA line starting at 480 from one seed, then falling to 350): the curve starts where every
    seed has been evaluated."""
    every = np.all(np.isfinite(vals), axis=0)
    vals = np.where(every, vals, np.nan)
    with warnings.catch_warnings():  # all-NaN columns before that
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(vals, 0), np.nanmin(vals, 0), np.nanmax(vals, 0)


def plot_curves(results: dict[str, list[TrainResult]], png_path: StrPath, name: str, budget: int,
                is_env: bool) -> Path:
    """One PNG: mean evaluation return (or MSE) against env steps (examples) and against wall seconds."""
    from neuroevo.plots import new_figure, save_figure

    x_step = "env_steps" if is_env else "examples"
    y_col, y_label = ("eval_return", "mean evaluation return") if is_env else ("loss", "MSE")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig = new_figure(12, 4.5)
    axes = fig.subplots(1, 2)
    missing, span = [], [math.inf, 0.0]
    for m, runs in results.items():
        if not any(len(r.curve) for r in runs):
            missing.append(m)
            continue  # cannot fit the budget: no line, so no legend entry (the table says why)
        longest = max(max((r.seconds for r in runs), default=1.0), 1e-3)
        first = min((r.curve[0, r.columns.index("seconds")] for r in runs if len(r.curve)), default=1e-4)
        span = [min(span[0], max(first, 1e-4)), max(span[1], longest)]
        for ax, col, grid in ((axes[0], x_step, np.linspace(0, budget, 400)),
                              (axes[1], "seconds", np.geomspace(max(first, 1e-4), longest, 400))):
            mean, lo, hi = mean_band(_band(runs, col, y_col, grid))
            line, = ax.plot(grid, mean, label=m)
            ax.fill_between(grid, lo, hi, color=line.get_color(), alpha=0.15, lw=0)
    threshold = next(iter(results.values()))[0].threshold
    for ax, xl in zip(axes, ("env steps" if is_env else "examples (forward passes of one row)", "wall seconds")):
        if is_env and threshold is not None:
            ax.axhline(threshold, color="grey", ls="--", lw=0.8, label=f"threshold {threshold:g}")
        if not is_env:
            ax.set_yscale("log")
        if xl == "wall seconds":
            ax.set_xscale("log")  # methods differ by orders of magnitude in speed
            plain = FuncFormatter(lambda v, _: f"{v:g}")  # 0.002, 0.005, 0.01: short labels that do not overlap
            ax.xaxis.set_major_formatter(plain)
            ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            # many decades (from the data: the axis limits are not known yet): label the decades only, or
            # the labels run into each other
            many = span[1] / span[0] > 300 if span[1] > 0 else False
            ax.xaxis.set_minor_formatter(NullFormatter() if many else plain)
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))  # 20,000 not 20000
        ax.set_xlabel(xl)
        ax.set_ylabel(y_label)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
    if len(missing) == len(results):
        axes[0].set_xlim(0, budget)
    seeds = len(next(iter(results.values())))
    unit = "env steps" if is_env else "examples"
    fig.suptitle(f"{name}: mean over {seeds} seeds (drawn once every seed has been evaluated), band = min..max, "
                 f"budget {budget:,} {unit}"
                 + (f"\nnot drawn (cannot fit the budget: see summary.md): {', '.join(missing)}" if missing else ""))
    return save_figure(fig, png_path)
