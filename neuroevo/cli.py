"""The ``neuroevo`` command line: argument parsing only; every subcommand calls the public API.

User mistakes print one line ``neuroevo: error: ...`` on stderr and exit with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from neuroevo.config import SECTIONS, field_type
from neuroevo.errors import NeuroevoError


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
    return key, {"true": True, "false": False}.get(value.lower(), value)


_TYPES = {"int": int, "float": float, "str": str, "list": _int_list}


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per config field (``--mutation-rate``), stored as ``section.key``; defaults come later."""
    for section, cls in SECTIONS.items():
        group = p.add_argument_group(f"[{section}] {cls.__doc__.strip().splitlines()[0]}")
        for f in fields(cls):
            if f.metadata.get("cli", True) is False:
                continue
            flag, dest, typ = f"--{f.name.replace('_', '-')}", f"{section}.{f.name}", field_type(f)
            if typ == "bool":
                group.add_argument(flag, dest=dest, action="store_true", default=argparse.SUPPRESS,
                                   help=f.metadata["help"])
            else:
                group.add_argument(flag, dest=dest, type=_TYPES[typ], default=argparse.SUPPRESS,
                                   metavar=typ.upper() if typ != "list" else "N,N", help=f.metadata["help"])
    p.add_argument("--env-arg", dest="env_args", action="append", type=_env_arg, default=[],
                   metavar="KEY=VALUE", help="keyword argument for gymnasium.make (repeatable)")
    p.add_argument("--track", help="car track: a built-in name, a JSON file, or names joined by commas")


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
    if args.resume:
        if args.config:
            raise NeuroevoError("--config cannot be combined with --resume (the run keeps its config.toml)")
        result, folder = run.resume(args.resume, flags, callbacks=_live_view(flags))
    else:
        config = resolve(args.config, flags)
        result, folder = run.start(config, callbacks=_live_view(flags, config))
    verb = "solved" if result.solved else "finished"
    gens = f"{result.generations} generation{'s' if result.generations != 1 else ''}"
    print(f"{verb} after {gens}: best fitness {result.best_fitness:.6g}, "
          f"{result.evaluations:,} evaluations, {result.env_steps:,} env steps, {result.elapsed:.1f} s")
    print(f"run folder: {folder}  (best.npz, history.csv, fitness.png, config.toml, checkpoint)")
    return 0


def _live_view(flags: dict, config=None) -> list:
    """The ``--watch`` callback, if asked for."""
    run_cfg = config.run if config is not None else None
    watch = run_cfg.watch if run_cfg else flags.get("run", {}).get("watch", False)
    if not watch:
        return []
    from neuroevo.live import LiveView

    every = run_cfg.watch_every if run_cfg else flags.get("run", {}).get("watch_every", 5)
    return [LiveView(every=every)]


def cmd_evaluate(args) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.evaluate import evaluate_agent

    r = evaluate_agent(load_agent(args.path), episodes=args.episodes, seed=args.seed)
    print(r.summary())
    return 0


def cmd_watch(args) -> int:
    from neuroevo.agent import load_agent
    from neuroevo.live import watch_agent

    agent = load_agent(args.path)
    if args.track:
        agent.env_kwargs["track"] = args.track
    watch_agent(agent, episodes=args.episodes, seed=args.seed, record=args.record)
    return 0


def cmd_envs(args) -> int:
    from neuroevo.envs import describe_envs

    print(describe_envs(show_all=args.all))
    return 0


def cmd_play(args) -> int:
    from neuroevo.envs import play

    play(args.game, dict(args.env_args, **({"track": args.track} if args.track else {})))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="neuroevo", description="Evolve neural-network agents with genetic algorithms.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    e = sub.add_parser("evolve", help="evolve agents (default: CartPole-v1)",
                       description="Evolve a population of networks. With no argument: CartPole-v1.")
    e.add_argument("--config", metavar="TOML", help="TOML file with [task] [network] [ga] [run] sections")
    e.add_argument("--resume", metavar="DIR", help="continue the run in DIR from its last checkpoint")
    level = e.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", dest="log_level", action="store_const", const=10, default=20,
                       help="debug records in run.log (workers included)")
    level.add_argument("-q", "--quiet", dest="log_level", action="store_const", const=30,
                       help="only warnings and errors in run.log")
    _add_config_flags(e)
    e.set_defaults(func=cmd_evolve)

    v = sub.add_parser("evaluate", help="mean, std, min return of a saved agent on the real env")
    v.add_argument("path", help="run folder or best.npz")
    v.add_argument("--episodes", type=int, default=100, help="episodes (default 100)")
    v.add_argument("--seed", type=int, default=0, help="evaluation seed (episodes never seen in training)")
    v.set_defaults(func=cmd_evaluate)

    w = sub.add_parser("watch", help="play a saved agent in a pygame window, or record a GIF")
    w.add_argument("path", help="run folder or best.npz")
    w.add_argument("--episodes", type=int, default=1, help="episodes to play (default 1)")
    w.add_argument("--seed", type=int, default=0, help="evaluation seed")
    w.add_argument("--record", metavar="GIF", help="write the frames to this GIF instead of a window")
    w.add_argument("--track", help="car track to drive on (car game)")
    w.set_defaults(func=cmd_watch)

    n = sub.add_parser("envs", help="list the built-in games and Gymnasium environments")
    n.add_argument("--all", action="store_true", help="list every registered Gymnasium id")
    n.set_defaults(func=cmd_envs)

    g = sub.add_parser("play", help="play a built-in game yourself (flappy: space bar; car: arrow keys)")
    g.add_argument("game", help="flappy or car")
    g.add_argument("--env-arg", dest="env_args", action="append", type=_env_arg, default=[],
                   metavar="KEY=VALUE", help="keyword argument of the game's env (repeatable)")
    g.add_argument("--track", help="car track")
    g.set_defaults(func=cmd_play)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("episodes",):
        if getattr(args, name, 1) is not None and getattr(args, name, 1) < 1:
            print(f"neuroevo: error: --{name} must be at least 1", file=sys.stderr)
            return 2
    if getattr(args, "log_level", None) is not None:
        from neuroevo.run import set_log_level

        set_log_level(args.log_level)
    try:
        return args.func(args)
    except NeuroevoError as e:
        print(f"neuroevo: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:  # SIGINT, or SIGTERM (neuroevo.run.Interrupted): exit 128 + signal
        print("neuroevo: interrupted; the last checkpoint is kept (continue with --resume RUN_FOLDER)",
              file=sys.stderr)
        return 128 + getattr(e, "signum", 2)


if __name__ == "__main__":
    sys.exit(main())
