"""The ``neuroevo`` command line: argument parsing only; every subcommand calls the public API.

User mistakes print one line ``neuroevo: error: ...`` on stderr and exit with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from neuroevo.config import SECTIONS, STRATEGY_SECTIONS, field_type
from neuroevo.errors import NeuroevoError
from neuroevo.strategies.registry import STRATEGIES


class _Parser(argparse.ArgumentParser):
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


_TYPES = {"int": int, "float": float, "str": str, "list": _int_list}


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per config field (``--mutation-rate``), stored as ``section.key``; defaults come later.

    A strategy's fields are stored as ``strategy.key``: they set the section of the chosen ``--algorithm``
    (see ``config.resolve``). A flag that several strategies have (``--population``) is listed once, under
    the first; the later sections name it."""
    added: set[str] = set()
    for section, cls in SECTIONS.items():
        title = f"[{section}] {cls.__doc__.strip().splitlines()[0]}"
        if section in STRATEGY_SECTIONS:
            names = [n for n, c in STRATEGIES.items() if c.section == section]
            title = f"[{section}] --algorithm {' / '.join(names)}: {cls.__doc__.strip().splitlines()[0]}"
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
                group.add_argument(flag, dest=dest, type=_TYPES[typ], default=argparse.SUPPRESS,
                                   metavar=typ.upper() if typ != "list" else "N,N", help=f.metadata["help"])
    _add_env_kwargs_flags(p)


def _flags(args) -> dict:
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


def cmd_evolve(args) -> int:
    from neuroevo import run
    from neuroevo.config import resolve

    flags = _flags(args)
    progress = args.log_level < 30  # -q hides the progress bar
    if args.resume:
        if args.config:
            raise NeuroevoError("--config cannot be combined with --resume (the run keeps its config.toml)")
        result, folder = run.resume(args.resume, flags, show_progress=progress)
    else:
        config = resolve(args.config, flags)
        result, folder = run.start(config, show_progress=progress)
    verb = "solved" if result.solved else "finished"
    gens = f"{result.generations} generation{'s' if result.generations != 1 else ''}"
    print(f"{verb} after {gens}: best fitness {result.best_fitness:.6g}, "
          f"{result.evaluations:,} evaluations, {result.env_steps:,} env steps, {result.elapsed:.1f} s")
    print(f"run folder: {folder}  (best.npz, history.csv, fitness.png, config.toml, checkpoint)")
    return 0


def cmd_evaluate(args) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.evaluate import evaluate_agent

    agent = load_agent(args.path)
    agent.env_kwargs.update(_game_kwargs(args))
    r = evaluate_agent(agent, episodes=args.episodes, seed=args.seed)
    print(r.summary())
    return 0


def cmd_watch(args) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.live import watch_agent, watch_population

    if args.flock:
        watch_population(args.path, episodes=args.episodes, seed=args.seed, record=args.record,
                         env_kwargs=_game_kwargs(args))
        return 0
    agent = load_agent(args.path)
    agent.env_kwargs.update(_game_kwargs(args))
    watch_agent(agent, episodes=args.episodes, seed=args.seed, record=args.record)
    return 0


def cmd_show(args) -> int:
    from neuroevo.strategies.neat.show import show_run

    topo, species = show_run(args.path)
    print(f"wrote {topo} (the best genome) and {species} (species sizes per generation)")
    return 0


def cmd_envs(args) -> int:
    from neuroevo.envs import describe_envs

    print(describe_envs(show_all=args.all))
    return 0


def cmd_play(args) -> int:
    from neuroevo.envs import play

    play(args.game, _game_kwargs(args))
    return 0


def _game_kwargs(args) -> dict:
    return dict(args.env_args, **({"track": args.track} if args.track else {}))


def cmd_train(args) -> int:
    from neuroevo.baselines.run import train_run

    result, folder = train_run(args.method, env=args.env, task=args.task, config=dict(args.set), seed=args.seed,
                               out=args.out, env_kwargs=_game_kwargs(args) or None)
    reached = (f"reached {result.threshold:g} after {result.steps_to_threshold:,} steps, "
               f"{result.seconds_to_threshold:.1f} s" if result.solved else "did not reach the threshold")
    print(f"{args.method}: best evaluation {result.best_eval:.6g}; {reached}; {result.env_steps:,} steps in "
          f"{result.seconds:.1f} s")
    print(f"run folder: {folder}  (best.npz, history.csv, curve.png, config.toml)")
    return 0


def cmd_compare(args) -> int:
    from neuroevo.compare import compare

    methods = [m for m in args.methods.split(",") if m] if args.methods else None
    c = compare(env=args.env, task=args.task, methods=methods, seeds=args.seeds, budget_steps=args.budget_steps,
                hidden=tuple(args.hidden), activation=args.activation, out=args.out,
                env_kwargs=_game_kwargs(args) or None)
    print(f"results in {c.folder}  (summary.md, summary.csv, results.csv, curves.png)")
    return 0


def _add_env_kwargs_flags(p) -> None:
    p.add_argument("--env-arg", dest="env_args", action="append", type=_env_arg, default=[],
                   metavar="KEY=VALUE", help="keyword argument for gymnasium.make (repeatable)")
    p.add_argument("--track", help="car track: a built-in name, a JSON file, or names joined by commas")


def _add_agent_args(p, episodes: int) -> None:
    """Arguments of the commands that play a saved agent: path, episodes, seed, env keyword arguments."""
    p.add_argument("path", help="run folder or best.npz")
    p.add_argument("--episodes", type=int, default=episodes, help=f"episodes (default {episodes})")
    p.add_argument("--seed", type=int, default=0, help="evaluation seed (episodes never seen in training)")
    _add_env_kwargs_flags(p)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="neuroevo", description="Evolve neural-network agents with genetic algorithms.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    e = sub.add_parser("evolve", help="evolve agents (default: CartPole-v1)",
                       description="Evolve a population of networks. With no argument: CartPole-v1.")
    e.add_argument("--config", metavar="TOML", help="TOML file with [task] [network] [run] sections and one per "
                                                    "strategy ([ga] [cosyne] [cmaes] [openai-es])")
    e.add_argument("--resume", metavar="DIR", help="continue the run in DIR from its last checkpoint")
    level = e.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", dest="log_level", action="store_const", const=10, default=20,
                       help="debug records in run.log (workers included)")
    level.add_argument("-q", "--quiet", dest="log_level", action="store_const", const=30,
                       help="no progress bar; only warnings and errors in run.log")
    _add_config_flags(e)
    e.set_defaults(func=cmd_evolve)

    v = sub.add_parser("evaluate", help="mean, std, min return of a saved agent on the real env")
    _add_agent_args(v, episodes=100)
    v.set_defaults(func=cmd_evaluate)

    w = sub.add_parser("watch", help="play a saved agent in a pygame window, or record a GIF")
    _add_agent_args(w, episodes=1)
    w.add_argument("--record", metavar="GIF", help="write the frames to this GIF instead of a window")
    w.add_argument("--flock", action="store_true",
                   help="fly the whole population of the run's last checkpoint at once (built-in games)")
    w.set_defaults(func=cmd_watch)

    s = sub.add_parser("show", help="draw a NEAT run: the best genome's topology and the species sizes (PNG)")
    s.add_argument("path", metavar="RUN", help="a run folder of --algorithm neat")
    s.set_defaults(func=cmd_show)

    n = sub.add_parser("envs", help="list the built-in games and Gymnasium environments")
    n.add_argument("--all", action="store_true", help="list every registered Gymnasium id")
    n.set_defaults(func=cmd_envs)

    g = sub.add_parser("play", help="play a built-in game yourself (flappy: space bar; car: arrow keys)")
    g.add_argument("game", help="flappy or car")
    _add_env_kwargs_flags(g)
    g.set_defaults(func=cmd_play)

    t = sub.add_parser("train", help="train a network with a gradient baseline (or random search)",
                       description="Train the same kind of network with backprop, REINFORCE, DQN or random "
                                   "search; the run folder works with `evaluate` and `watch`.")
    t.add_argument("--method", required=True, choices=["backprop", "reinforce", "dqn", "random-search"])
    what = t.add_mutually_exclusive_group(required=True)
    what.add_argument("--env", help="Gymnasium env id or alias (reinforce, dqn, random-search)")
    what.add_argument("--task", help="supervised task for backprop: xor, sin, or a CSV / .npz file")
    t.add_argument("--seed", type=int, default=0, help="random seed")
    t.add_argument("--out", help="run folder (default: runs/<env or task>-<method>-seed<seed>)")
    t.add_argument("--set", action="append", type=_env_arg, default=[], metavar="KEY=VALUE",
                   help="a setting of the method's config, e.g. learning_rate=0.001 hidden=64,64 (repeatable)")
    _add_env_kwargs_flags(t)
    t.set_defaults(func=cmd_train)

    c = sub.add_parser("compare", help="run several methods on one task and budget; table and plot",
                       description="Every method trains the same network for the same budget over several "
                                   "seeds; writes summary.md, CSV tables and curves.png.")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--env", help="Gymnasium env id or alias")
    what.add_argument("--task", choices=["xor", "sin"], help="supervised task (methods ga, backprop)")
    c.add_argument("--methods", help=f"comma-separated: the strategies {', '.join(STRATEGIES)} and random-search, "
                                     f"reinforce, dqn (env) or backprop (task); default ga and the baselines")
    c.add_argument("--seeds", type=int, default=5, help="seeds per method (default 5)")
    c.add_argument("--budget-steps", type=int, default=100_000, help="env steps (or examples) per run")
    c.add_argument("--hidden", type=_int_list, default=[32], metavar="N,N", help="hidden layers (default 32)")
    c.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    c.add_argument("--out", help="output folder (default runs/compare-<env or task>)")
    _add_env_kwargs_flags(c)
    c.set_defaults(func=cmd_compare)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("episodes", "seeds", "budget_steps"):
        if getattr(args, name, 1) < 1:
            print(f"neuroevo: error: --{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    if getattr(args, "log_level", None) is not None:
        from neuroevo.run import set_log_level

        set_log_level(args.log_level)
    try:
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


def _interrupted(e: KeyboardInterrupt, args) -> str:
    """The truthful one-line message of an interrupt: resumable or not, and what to run next."""
    folder = getattr(e, "folder", None)
    if folder is not None and getattr(e, "resumable", False):
        return f"interrupted; the last checkpoint is kept (continue with: neuroevo evolve --resume {folder})"
    if args.command == "evolve" and not getattr(args, "resume", None):
        return "interrupted before the run folder held a checkpoint; nothing to resume: run the same command again"
    if args.command == "evolve":
        return f"interrupted; the run folder {args.resume} is unchanged (continue with: neuroevo evolve --resume " \
               f"{args.resume})"
    return "interrupted"

if __name__ == "__main__":
    sys.exit(main())
