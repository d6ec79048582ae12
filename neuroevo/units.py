"""A built-in game's own unit (Flappy Bird: pipes; the car: laps) beside a fitness: the evolve summary's line.

A run's fitness on a game is not what a player counts: Flappy Bird's is frames alive + 25 x pipes, the
car's is laps of progress plus a small time bonus. :func:`best_agent_scores` replays the run's best genome
on the very training episodes it was scored on (the episode seeds of the generation that found it) with the
game's population kernel, checks that this gives the recorded best fitness again, and returns the score of
each episode; :func:`describe` turns that into one line.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroevo.evaluation.registry import SCORE_KERNELS, SCORES, resolve_env_id
from neuroevo.network import NetworkSpec
from neuroevo.strategies.base import EPISODES, TRAIN_SEED_BOUND, Genomes, generation_rng


#: Env id -> what its fitness is, for a plot's axis (games whose fitness is not what a player counts).
FITNESS_LABELS = {
    "neuroevo/FlappyBird-v0": "frames alive + 25 x pipes, mean over the episodes",
    "neuroevo/CarTrack-v0": "laps + time bonus (at most 0.1 a lap), mean over the episodes",
}


@dataclass(frozen=True)
class GameScores:
    """The best agent's score in the game's unit.

    Attributes:
        env_id: the game. unit: "pipes" or "laps". scores: (episodes,) float64, one per training episode
        (per (track, seed) for the car). generation: the generation (numbered from 1) that found the genome.
        target: the run's target fitness (NaN: none); ``target_text`` says it in the game's unit ("" if not).
    """

    env_id: str
    unit: str
    scores: np.ndarray
    generation: int
    target_text: str = ""
    tracks: int = 1  # the car: episodes are (track, seed) pairs

    def line(self) -> str:
        """``best agent: 3 laps in each of its 2 training episodes; target 3.2 = ...``."""
        s, n = self.scores, len(self.scores)
        unit = self.unit[:-1] if self.unit.endswith("s") and s.mean() == 1 else self.unit
        episodes = f"{n} training episode{'s' if n != 1 else ''}"
        if self.tracks > 1:
            episodes += f" ({self.tracks} tracks x {n // self.tracks})"
        if s.min() == s.max():
            text = f"best agent: {s[0]:,.0f} {unit} in {'each of its' if n > 1 else 'its'} {episodes}"
        else:
            text = (f"best agent: {s.mean():,.4g} {unit} an episode on average over its {episodes} "
                    f"(min {s.min():,.0f}, max {s.max():,.0f})")
        return text + (f"; {self.target_text}" if self.target_text else "")

    def to_dict(self) -> dict:
        return {"unit": self.unit, f"mean_{self.unit}": float(self.scores.mean()),
                f"min_{self.unit}": float(self.scores.min()), f"max_{self.unit}": float(self.scores.max())}


def target_in_unit(env_id: str, target: float, env_kwargs: dict) -> str:
    """The target fitness said in the game's unit, or "" (no target, or no exact translation)."""
    if target is None or not math.isfinite(target):
        return ""
    if env_id == "neuroevo/FlappyBird-v0":
        from games.flappy_bird import PERFECT_FITNESS

        cap = env_kwargs.get("score_cap", 1000)
        if target == PERFECT_FITNESS and cap == 1000 and set(env_kwargs) <= {"score_cap", "observation"}:
            return f"target {target:,.0f} = the {cap:,}-pipe cap in every episode"
        return f"target {target:,.6g} is a fitness (frames alive + 25 x pipes, mean over the episodes)"
    if env_id == "neuroevo/CarTrack-v0":
        laps = math.floor(target)
        return (f"target {target:g} = {laps} lap{'s' if laps != 1 else ''} + {target - laps:.2g} of time bonus "
                f"(at most 0.1 a lap)")
    return ""


def best_agent_scores(folder: str | Path, spec: NetworkSpec, genome: Genomes,
                      best_fitness: float) -> GameScores | None:
    """The score in the game's unit of a run's best genome, or None (not a built-in game with a score, a
    NEAT genome, or the generation that found it cannot be told from ``history.csv``).

    Args:
        folder: the run folder (its ``config.toml`` and ``history.csv`` are read).
        spec: the network spec; genome: (n_params,) float64 the best genome; ``best_fitness`` its fitness.
    """
    from neuroevo.config import read_toml, resolve
    from neuroevo.schema import read_history

    folder = Path(folder)
    if not isinstance(genome, np.ndarray) or not (folder / "config.toml").exists():
        return None
    recorded = read_toml(folder / "config.toml")  # the resolved config, read as a resume reads it
    task = recorded.get("task", {})
    env_id = resolve_env_id(task.get("env", ""))
    if task.get("fitness") or env_id not in SCORE_KERNELS:
        return None
    config = resolve(base=recorded)
    rows = read_history(folder / "history.csv")
    found = [int(r[0]) for r in rows if float(r[1]) == best_fitness]
    if not found:
        return None
    module, _, name = SCORE_KERNELS[env_id].partition(":")
    fn = getattr(importlib.import_module(module), name)
    seeds = generation_rng(config.run.seed, found[0] - 1, EPISODES).integers(0, TRAIN_SEED_BOUND,
                                                                            config.task.episodes)
    fitness, scores = fn(spec, genome[None, :], seeds, **config.task.env_kwargs)
    if float(fitness[0]) != best_fitness:  # not the episodes it was scored on: say nothing rather than guess
        return None
    track = config.task.env_kwargs.get("track", "")
    tracks = len(str(track).split(",")) if isinstance(track, str) and track else 1
    return GameScores(env_id, SCORES[env_id][1], scores[0], found[0],
                      target_in_unit(env_id, config.run.target, config.task.env_kwargs), tracks)
