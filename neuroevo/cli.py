"""The ``neuroevo`` command line: argument parsing only; every subcommand calls the public API.

User mistakes print one line ``neuroevo: error: ...`` on stderr and exit with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from neuroevo.config import SECTIONS, STRATEGY_SECTIONS, field_type
from neuroevo.errors import NeuroevoError
from neuroevo.runlog import cli_logging
from neuroevo.settings import default_of
from neuroevo.strategies.registry import STRATEGIES


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs kept as written; every option's default shown (unless it has none)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if ("default" in text or default in (None, False, [], argparse.SUPPRESS) or not action.option_strings
                or isinstance(action, (argparse._HelpAction, argparse._VersionAction))):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        return f"{text} (default: {shown})"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # --pop is not --population
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 16,16, got {text!r}") from None
    return values


def _env_arg(text: str) -> tuple[str, object]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, {"true": True, "false": False, "none": None, "null": None}.get(value.lower(), value)


_TYPES: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "str": str, "list": _int_list}
_METAVARS = {"int": "N", "float": "X", "str": "NAME", "list": "N,N"}


def _choices(name: str) -> tuple[str, ...] | None:
    """The values a string config field takes (shown as its metavar in --help), or None if free text."""
    from neuroevo.config import BACKENDS
    from neuroevo.network import ACTIVATIONS
    from neuroevo.networks.spec import DTYPES
    from neuroevo.operators.crossover import CROSSOVER
    from neuroevo.operators.mutation import MUTATION
    from neuroevo.operators.selection import SELECTION

    return {"selection": tuple(SELECTION), "crossover": tuple(CROSSOVER), "mutation": tuple(MUTATION),
            "activation": tuple(ACTIVATIONS), "output_activation": ("auto", *ACTIVATIONS), "dtype": DTYPES,
            "backend": BACKENDS, "nan_fitness": ("error", "worst"), "algorithm": tuple(STRATEGIES)}.get(name)


def _config_help(f: dataclasses.Field, cls: type) -> str:
    """A config field's help with its default (a built-in game may set its own: see ``evolve --help``)."""
    import math

    default = default_of(f)
    if isinstance(default, list):
        default = ",".join(map(str, default)) or "none"
    elif isinstance(default, float) and math.isnan(default):
        default = "nan"
    elif default == "":
        return f.metadata["help"]
    return f"{f.metadata['help']} (default: {default})"


def _decapitalise(text: str) -> str:
    """``The genetic algorithm`` -> ``the genetic algorithm``; names (``CoSyNE``, ``OpenAI-ES``) unchanged."""
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first[1:] == first[1:].lower() else text


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per config field (``--mutation-rate``), stored as ``section.key``; defaults come later.

    A strategy's fields are stored as ``strategy.key``: they set the section of the chosen ``--algorithm``
    (see ``config.resolve``). A flag that several strategies have (``--population``) is listed once, under
    the first; the later sections name it."""
    added: set[str] = set()
    for section, cls in SECTIONS.items():
        what = (cls.__doc__ or cls.__name__).strip().splitlines()[0].rstrip(".")
        title = f"{what} ([{section}] in a TOML file)"
        if section in STRATEGY_SECTIONS:
            names = [n for n, c in STRATEGIES.items() if c.section == section]
            title = f"--algorithm {' / '.join(names)}: {_decapitalise(what)} ([{section}] in a TOML file)"
            shared = [f"--{f.name.replace('_', '-')}" for f in fields(cls) if f.name in added]
            group = p.add_argument_group(title, f"also {', '.join(shared)} (above)" if shared else None)
        else:
            group = p.add_argument_group(title)
        for f in fields(cls):
            if f.metadata.get("cli", True) is False or (section in STRATEGY_SECTIONS and f.name in added):
                continue
            if section in STRATEGY_SECTIONS:
                added.add(f.name)
            where = "strategy" if section in STRATEGY_SECTIONS else section
            flag, dest, typ = f"--{f.name.replace('_', '-')}", f"{where}.{f.name}", field_type(f)
            if typ == "bool":
                group.add_argument(flag, dest=dest, action="store_true", default=argparse.SUPPRESS,
                                   help=f.metadata["help"])
            else:
                choices = _choices(f.name) if typ == "str" else None
                metavar = "{" + ",".join(choices) + "}" if choices else _METAVARS[typ]
                group.add_argument(flag, dest=dest, type=_TYPES[typ], default=argparse.SUPPRESS,
                                   metavar=metavar, help=_config_help(f, cls))
    _add_env_kwargs_flags(p)


def _flags(args: argparse.Namespace) -> dict:
    out: dict = {}
    for dest, value in vars(args).items():
        if "." in dest:
            section, key = dest.split(".")
            out.setdefault(section, {})[key] = value
    env_kwargs = dict(args.env_args)
    if args.track:
        env_kwargs["track"] = args.track
    if env_kwargs:
        out.setdefault("task", {})["env_kwargs"] = env_kwargs
    return out


def _say(args: argparse.Namespace, text: str) -> None:
    """A line for the person at the terminal: stdout, or stderr with --json (stdout is the JSON); none with -q."""
    if getattr(args, "log_level", 20) < 30:
        print(text, file=sys.stderr if getattr(args, "json", False) else sys.stdout)


def _emit(args: argparse.Namespace, obj: dict) -> None:
    """With --json: one JSON object on stdout."""
    if getattr(args, "json", False):
        print(json.dumps(obj, default=_jsonable))


def _jsonable(v):
    import math

    import numpy as np

    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return str(v)


def _finite(v):
    import math

    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def cmd_evolve(args: argparse.Namespace) -> int:
    from neuroevo import run
    from neuroevo.config import resolve

    flags = _flags(args)
    progress = args.log_level < 30  # -q hides the progress bar
    if args.resume:
        if args.config:
            raise NeuroevoError("--config cannot be combined with --resume (the run keeps its config.toml)")
        result, folder = run.resume(args.resume, flags, show_progress=progress,
                                    announce=lambda text: _say(args, text))
    else:
        config = resolve(args.config, flags)
        result, folder = run.start(config, show_progress=progress)
    args.run_folder = folder  # the run is complete: an interrupt from here on keeps it (see _interrupted)
    verb = "solved" if result.solved else "finished"
    gens = f"{result.generations} generation{'s' if result.generations != 1 else ''}"
    _say(args, f"{verb} after {gens}: best fitness {result.best_fitness:.6g}, "
               f"{result.evaluations:,} evaluations, {result.env_steps:,} env steps, {result.elapsed:.1f} s")
    from neuroevo.units import best_agent_scores

    game = best_agent_scores(folder, result.spec, result.best_genome, result.best_fitness)
    if game is not None:
        _say(args, game.line())
    _say(args, f"run folder: {folder}  (best.npz, history.csv, fitness.png, config.toml, checkpoint)")
    _emit(args, {"command": "evolve", "folder": str(folder), "solved": result.solved,
                 "stopped_by": result.stopped_by, "generations": result.generations,
                 "best_fitness": _finite(result.best_fitness), "evaluations": result.evaluations,
                 "env_steps": result.env_steps, "elapsed_s": round(result.elapsed, 3),
                 **({"best_agent": game.to_dict()} if game is not None else {})})
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.evaluate import evaluate_agent

    agent = load_agent(args.path)
    agent.env_kwargs.update(_game_kwargs(args))
    r = evaluate_agent(agent, episodes=args.episodes, seed=args.seed)
    if not args.json:
        print(r.summary())
    _emit(args, {"command": "evaluate", "path": str(args.path), **r.to_dict()})
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.live import watch_agent, watch_population

    options = dict(episodes=args.episodes, seed=args.seed, record=args.record, max_seconds=args.max_seconds,
                   fps=args.fps, scale=args.scale, say=lambda text: _say(args, text))
    if args.flock:
        watch_population(args.path, env_kwargs=_game_kwargs(args), **options)
        return 0
    agent = load_agent(args.path)
    agent.env_kwargs.update(_game_kwargs(args))
    if agent.env_id:
        from neuroevo.evaluate import check_fits

        check_fits(agent)
    watch_agent(agent, **options)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from neuroevo.strategies.neat.show import show_run

    topo, species = show_run(args.path)
    print(f"wrote {topo} (the best genome) and {species} (species sizes per generation)")
    return 0


def cmd_envs(args: argparse.Namespace) -> int:
    from neuroevo.envs import describe_envs

    print(describe_envs(show_all=args.all))
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from neuroevo.envs import play

    play(args.game, _game_kwargs(args))
    return 0


def _game_kwargs(args: argparse.Namespace) -> dict:
    return dict(args.env_args, **({"track": args.track} if args.track else {}))


def cmd_train(args: argparse.Namespace) -> int:
    from neuroevo.baselines.run import train_run

    result, folder = train_run(args.method, env=args.env, task=args.task, config=dict(args.set), seed=args.seed,
                               out=args.out, env_kwargs=_game_kwargs(args) or None,
                               show_progress=args.log_level < 30)
    reached = (f"reached {result.threshold:g} after {result.steps_to_threshold:,} steps, "
               f"{result.seconds_to_threshold:.1f} s" if result.solved else "did not reach the threshold")
    _say(args, f"{args.method}: best evaluation {result.best_eval:.6g}; {reached}; {result.env_steps:,} steps in "
               f"{result.seconds:.1f} s")
    _say(args, f"run folder: {folder}  (best.npz, history.csv, curve.png, config.toml)")
    _emit(args, {"command": "train", "method": args.method, "folder": str(folder), "env_id": result.env_id,
                 "best_eval": _finite(result.best_eval), "threshold": result.threshold, "solved": result.solved,
                 "steps_to_threshold": result.steps_to_threshold,
                 "seconds_to_threshold": _finite(result.seconds_to_threshold), "env_steps": result.env_steps,
                 "seconds": round(result.seconds, 3)})
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from neuroevo.compare import SUMMARY_COLUMNS, compare

    methods = [m for m in args.methods.split(",") if m] if args.methods else None
    c = compare(env=args.env, task=args.task, methods=methods, seeds=args.seeds, budget_steps=args.budget_steps,
                hidden=tuple(args.hidden), activation=args.activation, out=args.out,
                env_kwargs=_game_kwargs(args) or None, log=lambda text: _say(args, text))
    _say(args, f"results in {c.folder}  (summary.md, summary.csv, results.csv, curves.png)")
    _emit(args, {"command": "compare", "folder": str(c.folder), "budget_steps": args.budget_steps,
                 "seeds": args.seeds, "summary": [{k: _finite(v) for k, v in zip(SUMMARY_COLUMNS, row)}
                                                  for row in c.summary]})
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from neuroevo.bench import run_bench, settings_for, task_name
    from neuroevo.runfolder import claim, free_folder

    task = task_name(args.task, args.velocities)
    settings_for(task, args.algorithm)  # an unknown strategy is refused before any folder is made
    out = Path(args.out) if args.out else free_folder(f"bench-{task}-{args.algorithm}")
    lock = claim(out, "bench")  # a new or empty folder, or one bench made: refused otherwise, unchanged
    try:
        data = run_bench(task, args.algorithm, args.runs, workers=args.workers, seed0=args.seed, out=out,
                         log=None if args.log_level > 20 else print, max_evaluations=args.max_evaluations)
    finally:
        lock.release()
    s = data["summary"]
    mean = "-" if s["mean_evaluations"] is None else f"{s['mean_evaluations']:,.0f}"
    print(f"{task} with {args.algorithm}: {s['solved']}/{s['runs']} runs solved, mean evaluations {mean}")
    print(f"results in {out}  (results.json, results.md, results.csv, evaluations.png, run-<seed>/best.npz)")
    return 0


def _add_env_kwargs_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env-arg", dest="env_args", action="append", type=_env_arg, default=[],
                   metavar="KEY=VALUE", help="keyword argument for gymnasium.make (repeatable)")
    p.add_argument("--track", help="car track: a built-in name, a JSON file, or names joined by commas")


def _add_agent_args(p: argparse.ArgumentParser, episodes: int) -> None:
    """Arguments of the commands that play a saved agent: path, episodes, seed, env keyword arguments."""
    p.add_argument("path", help="run folder or best.npz")
    p.add_argument("--episodes", type=int, default=episodes, help="episodes")
    p.add_argument("--seed", type=int, default=0, help="evaluation seed (episodes never seen in training)")
    _add_env_kwargs_flags(p)


def _add_output_flags(p: argparse.ArgumentParser, json_too: bool = False) -> None:
    """-q / -v on every subcommand (and --json where a command has a result to print)."""
    level = p.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", dest="log_level", action="store_const", const=10, default=20,
                       help="more detail: debug records in run.log (workers included)")
    level.add_argument("-q", "--quiet", dest="log_level", action="store_const", const=30,
                       help="no progress bar and no summary lines; only warnings and errors (in run.log)")
    if json_too:
        p.add_argument("--json", action="store_true",
                       help="print one JSON object with the result on stdout (other lines go to stderr)")


def _train_epilog() -> str:
    """The ``--set`` keys of every method with their defaults (train --help)."""
    from neuroevo.baselines.run import METHODS

    lines = ["--set keys of each method (KEY=VALUE, default in brackets):"]
    for method, (_, cls) in METHODS.items():
        keys = []
        for f in fields(cls):
            default = default_of(f)
            shown = ",".join(map(str, default)) if isinstance(default, list) else default
            keys.append(f"{f.name} [{shown}]")
        lines.append(f"  {method}: " + ", ".join(keys))
    import textwrap

    return "\n".join(textwrap.fill(line, 110, subsequent_indent="      ") for line in lines)


_COMMANDS = {
    "evolve": "evolve agents: GA, CoSyNE, CMA-ES, OpenAI-ES or NEAT (default: a GA on CartPole-v1)",
    "evaluate": "score a saved agent on the real env (seeds never used in training)",
    "watch": "play a saved agent in a pygame window, or record a GIF / MP4",
    "envs": "list the built-in games and Gymnasium environments",
    "play": "play a built-in game yourself (flappy: space bar; car: arrow keys)",
    "train": "train a network with a gradient baseline (or random search)",
    "compare": "run several methods on one task and budget; table and plot",
    "show": "draw a NEAT run: the best genome's topology and the species sizes (PNG)",
}


def build_parser() -> argparse.ArgumentParser:
    from neuroevo import __version__

    p = _Parser(prog="neuroevo", description="Evolve neural-network agents by neuroevolution: a genetic algorithm, CoSyNE, CMA-ES, OpenAI-ES or NEAT.",
                epilog="`neuroevo COMMAND --help` shows a command's options.")
    p.add_argument("--version", action="version", version=f"neuroevo {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, title="commands", metavar="COMMAND")

    e = sub.add_parser("evolve", help=_COMMANDS["evolve"], description=(
        "Evolve a population of networks. With no argument: CartPole-v1.\n\n"
        "Defaults shown are the general ones; a built-in game (flappy, car) sets its own defaults "
        "(games/<game>/__init__.py), and a run's config.toml shows what it used."))
    e.add_argument("--config", metavar="TOML", help="TOML file with [task] [network] [run] sections and one per "
                                                    "strategy ([ga] [cosyne] [cmaes] [openai-es] [neat])")
    e.add_argument("--resume", metavar="DIR", help="continue the run in DIR from its last checkpoint")
    _add_output_flags(e, json_too=True)
    _add_config_flags(e)
    e.set_defaults(func=cmd_evolve)

    v = sub.add_parser("evaluate", help=_COMMANDS["evaluate"], description=(
        "Play a saved agent's deterministic policy on the real environment, on episode seeds never used in "
        "training; prints the mean, std, min and max return and the mean length (and the game's own score: "
        "pipes for Flappy Bird, laps for the car)."))
    _add_agent_args(v, episodes=100)
    _add_output_flags(v, json_too=True)
    v.set_defaults(func=cmd_evaluate)

    w = sub.add_parser("watch", help=_COMMANDS["watch"], description=(
        "Play a saved agent (or with --flock the run's whole last population) in a pygame window, or "
        "record it to a GIF or MP4 file with --record (works on headless machines). A recording holds "
        "the whole episode unless --max-seconds cuts it (said on stderr)."))
    _add_agent_args(w, episodes=1)
    w.add_argument("--record", metavar="FILE", help="write the frames to FILE.gif or FILE.mp4 instead of a window")
    w.add_argument("--max-seconds", type=float, default=None, metavar="S",
                   help="stop the recording after S seconds of game time (default: the whole episode)")
    w.add_argument("--fps", type=float, default=15.0, metavar="F",
                   help="frames per second of the recording (game frames are skipped to keep real speed)")
    w.add_argument("--scale", type=float, default=1.0, metavar="K", help="size factor of the recording")
    w.add_argument("--flock", action="store_true",
                   help="fly the whole population of the run's last checkpoint at once (built-in games)")
    _add_output_flags(w)
    w.set_defaults(func=cmd_watch)

    s = sub.add_parser("show", help=_COMMANDS["show"], description=(
        "Draw a NEAT run (--algorithm neat): the best genome's topology and the species sizes per generation, "
        "as PNG files in the run folder."))
    s.add_argument("path", metavar="RUN", help="a run folder of --algorithm neat")
    _add_output_flags(s)
    s.set_defaults(func=cmd_show)

    n = sub.add_parser("envs", help=_COMMANDS["envs"], description=(
        "List the built-in games and the Gymnasium environments, how each is evaluated (a Numba population "
        "kernel or the env loop), its reward threshold, and whether it can run here."))
    n.add_argument("--all", action="store_true", help="list every registered Gymnasium id")
    _add_output_flags(n)
    n.set_defaults(func=cmd_envs)

    g = sub.add_parser("play", help=_COMMANDS["play"], description=(
        "Play a built-in game in a pygame window: Flappy Bird with the space bar, the car with the arrow keys."))
    g.add_argument("game", choices=["flappy", "car"], help="the game")
    _add_env_kwargs_flags(g)
    _add_output_flags(g)
    g.set_defaults(func=cmd_play)

    t = sub.add_parser("train", help=_COMMANDS["train"], epilog=_train_epilog(), description=(
        "Train the same kind of network with backprop, REINFORCE, DQN or random search; the run folder "
        "(best.npz) works with `evaluate` and `watch` when the method trained on an env (reinforce, dqn, "
        "random-search; backprop trains on a dataset, not an env)."))
    t.add_argument("--method", required=True, choices=["backprop", "reinforce", "dqn", "random-search"],
                   help="the training method")
    what = t.add_mutually_exclusive_group(required=True)
    what.add_argument("--env", help="Gymnasium env id or alias (reinforce, dqn, random-search)")
    what.add_argument("--task", help="supervised task for backprop: xor, sin, or a CSV / .npz file")
    t.add_argument("--seed", type=int, default=0, help="random seed")
    t.add_argument("--out", help="run folder (default: runs/<env or task>-<method>-seed<seed>)")
    t.add_argument("--set", action="append", type=_env_arg, default=[], metavar="KEY=VALUE",
                   help="a setting of the method's config, e.g. learning_rate=0.001 hidden=64,64 (repeatable; "
                        "keys below)")
    _add_env_kwargs_flags(t)
    _add_output_flags(t, json_too=True)
    t.set_defaults(func=cmd_train)

    c = sub.add_parser("compare", help=_COMMANDS["compare"], description=(
        "Every method trains the same network for the same budget over several seeds; writes summary.md, CSV "
        "tables and curves.png. A population method's population and episodes are sized to the budget "
        "(stated in the table); a method that cannot fit it is marked, not drawn."))
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--env", help="Gymnasium env id or alias")
    what.add_argument("--task", choices=["xor", "sin"], help="supervised task (the strategies and backprop)")
    c.add_argument("--methods", help=f"comma-separated: the strategies {', '.join(STRATEGIES)} and random-search, "
                                     f"reinforce, dqn (env) or backprop (task); default ga and the baselines")
    c.add_argument("--seeds", type=int, default=5, help="seeds per method")
    c.add_argument("--budget-steps", type=int, default=100_000, help="env steps (or examples) per run")
    c.add_argument("--hidden", type=_int_list, default=[32], metavar="N,N", help="hidden layers")
    c.add_argument("--activation", default="tanh", choices=_choices("activation"), help="hidden activation")
    c.add_argument("--out", help="output folder (default: runs/compare-<env or task>, suffixed if taken)")
    _add_env_kwargs_flags(c)
    _add_output_flags(c, json_too=True)
    c.set_defaults(func=cmd_compare)

    b = sub.add_parser("bench", help="the pole-balancing benchmarks of the literature: N runs, tables, plot",
                       description="Independent runs of one strategy on double-pole (or single-pole) balancing "
                                   "until solved; writes results.json, results.md, results.csv, "
                                   "evaluations.png and each run's champion, beside the published numbers.")
    b.add_argument("task", choices=["double-pole", "single-pole"], help="the benchmark")
    b.add_argument("--velocities", action=argparse.BooleanOptionalAction, default=True,
                   help="give the network the velocities (Markovian; default) or not (--no-velocities)")
    b.add_argument("--algorithm", default="ga", help="the strategy (default ga)")
    b.add_argument("--runs", type=int, default=50, help="independent runs (default 50)")
    b.add_argument("--workers", type=int, default=1, help="processes running runs in parallel (default 1)")
    b.add_argument("--seed", type=int, default=0, help="seed of the first run (runs use seed, seed+1, ...)")
    b.add_argument("--max-evaluations", type=int, default=None,
                   help="evaluation budget per run, never exceeded (default: the tuned settings' budget)")
    b.add_argument("--out", help="output folder (default runs/bench-<task>-<algorithm>, suffixed if taken)")
    _add_output_flags(b)
    b.set_defaults(func=cmd_bench)
    return p


def _terminate(signum, frame):
    from neuroevo.signals import Interrupted

    raise Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)  # SIGTERM before a run guards itself: one line, 143
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `neuroevo`: the list of commands
        parser.print_help()
        return 0
    for name in ("episodes", "seeds", "budget_steps", "runs"):
        if getattr(args, name, 1) < 1:
            print(f"neuroevo: error: --{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    if getattr(args, "seed", 0) < 0:
        print(f"neuroevo: error: --seed must be >= 0, got {args.seed}", file=sys.stderr)
        return 2
    try:
        with cli_logging(getattr(args, "log_level", None) or logging.INFO):  # run.log of evolve runs
            return args.func(args)
    except NeuroevoError as e:
        print(f"neuroevo: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:  # SIGINT, or SIGTERM (neuroevo.signals.Interrupted): exit 128 + signal
        print(f"neuroevo: {_interrupted(e, args)}", file=sys.stderr)
        return 128 + getattr(e, "signum", 2)
    except OSError as e:  # a path no neuroevo function wrapped: still one line
        where = f"{e.filename}: " if e.filename else ""
        print(f"neuroevo: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # sys.exit() in user code (an env, a callback): never a silent exit 0
        print(f"neuroevo: error: user code called sys.exit({e.code!r}) during `neuroevo {args.command}`",
              file=sys.stderr)
        return 2


def _interrupted(e: KeyboardInterrupt, args: argparse.Namespace) -> str:
    """The truthful one-line message of an interrupt: resumable or not, and what to run next."""
    folder = getattr(e, "folder", None) or getattr(args, "run_folder", None)
    if folder is not None and getattr(e, "resumable", True):
        return f"interrupted; the last checkpoint is kept (continue with: neuroevo evolve --resume {folder})"
    if args.command == "evolve" and not getattr(args, "resume", None):
        return "interrupted before the run folder held a checkpoint; nothing to resume: run the same command again"
    if args.command == "evolve":
        return f"interrupted; the run folder {args.resume} is unchanged (continue with: neuroevo evolve --resume " \
               f"{args.resume})"
    return "interrupted"


def _ignore_signals() -> None:
    import signal

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)


def entry() -> None:
    """The ``neuroevo`` console command: :func:`main`, then exit without waiting for threads that user code
    left running (a non-daemon thread of a fitness would otherwise keep the process alive after the run)."""
    import threading

    code = None
    try:
        code = main()
        _ignore_signals()  # the command is over: a signal while the interpreter shuts down changes nothing
    except KeyboardInterrupt as e:
        if code is None:  # before main() reached its command: nothing was written
            print("neuroevo: interrupted while starting; nothing was written (run the same command again)",
                  file=sys.stderr)
            code = 128 + getattr(e, "signum", 2)
    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
