"""issue 13 point 5: the built-in games report in their own units. The evolve summary states the best agent's
pipes (Flappy Bird) or laps (the car) beside its fitness, checked here against the real Gymnasium env played
on the same training episodes; CartPole and double pole, whose fitness is already the return, get no extra line."""

import json

import gymnasium as gym
import numpy as np
import pytest

import games
from neuroevo.agent import load_agent
from neuroevo.cli import main
from neuroevo.policy import observation_to_input, output_to_action
from neuroevo.strategies.base import EPISODES, TRAIN_SEED_BOUND, generation_rng
from neuroevo.units import GameScores, target_in_unit

gym.register_envs(games)


def env_scores(folder, key, seeds, env_kwargs):
    """The naive reference: the best agent played on gymnasium.make(...) episode by episode; info[key] at the end."""
    agent = load_agent(folder)
    env = gym.make(agent.env_id, **env_kwargs)
    to_input, to_action = observation_to_input(env.observation_space), output_to_action(env.action_space)
    out = []
    for s in seeds:
        obs, info = env.reset(seed=int(s))
        done = False
        while not done:
            obs, _, term, trunc, info = env.step(to_action(agent.network(to_input(obs))))
            done = term or trunc
        out.append(info[key])
    return out


def run_evolve(capsys, *argv):
    assert main(["evolve", *argv, "--json"]) == 0
    out = capsys.readouterr()
    return (out.out + out.err).splitlines(), json.loads(out.out.strip().splitlines()[-1])


def found_in(folder, best):
    import csv

    with open(folder / "history.csv", newline="") as f:
        return next(int(r[0]) for r in list(csv.reader(f))[1:] if float(r[1]) == best)


@pytest.mark.parametrize("argv,key,unit,kwargs", [
    (["--env", "flappy", "--generations", "4", "--population", "30", "--episodes", "3"], "score", "pipes", {}),
    (["--env", "car", "--generations", "3", "--population", "30"], "laps", "laps", {"track": "oval"}),
    (["--env", "car", "--track", "sbend", "--generations", "2", "--population", "20", "--episodes", "2"],
     "laps", "laps", {"track": "sbend"}),
], ids=["flappy", "car", "car-sbend"])
def test_evolve_summary_states_the_game_unit(tmp_path, capsys, argv, key, unit, kwargs):
    folder = tmp_path / "run"
    lines, obj = run_evolve(capsys, *argv, "--out", str(folder), "-q")
    best = obj["best_agent"]
    episodes = 3 if "flappy" in argv else 2
    seeds = generation_rng(0, found_in(folder, obj["best_fitness"]) - 1, EPISODES).integers(
        0, TRAIN_SEED_BOUND, episodes)
    ref = env_scores(folder, key, seeds, kwargs)
    assert best["unit"] == unit
    assert best[f"mean_{unit}"] == pytest.approx(np.mean(ref)) and best[f"max_{unit}"] == max(ref)


def test_the_summary_line_in_the_console(tmp_path, capsys):
    assert main(["evolve", "--env", "car", "--population", "30", "--generations", "2",
                 "--out", str(tmp_path / "car")]) == 0
    out = capsys.readouterr()
    line = next(x for x in (out.out + out.err).splitlines() if x.startswith("best agent:"))
    assert " laps " in line and "target 3.2 = 3 laps + 0.2 of time bonus" in line


FITNESS = str(__import__("pathlib").Path(__file__).parent / "fixtures" / "fitness_fns.py")


@pytest.mark.parametrize("argv", [["--env", "cartpole"], ["--env", "double-pole"],
                                  ["--fitness", f"{FITNESS}:sum_of_outputs", "--network", "3,4,2"]],
                         ids=["cartpole", "double-pole", "user-fitness"])
def test_no_unit_line_where_the_fitness_is_the_return(tmp_path, capsys, argv):
    lines, obj = run_evolve(capsys, *argv, "--generations", "1", "--population", "10", "--out", str(tmp_path / "r"))
    assert not any(x.startswith("best agent:") for x in lines) and "best_agent" not in obj


def test_the_line_reads_well():
    one = GameScores("neuroevo/FlappyBird-v0", "pipes", np.array([1.0, 1.0]), 3)
    assert one.line() == "best agent: 1 pipe in each of its 2 training episodes"
    mixed = GameScores("neuroevo/FlappyBird-v0", "pipes", np.array([0.0, 1000.0]), 3, "x")
    assert mixed.line() == ("best agent: 500 pipes an episode on average over its 2 training episodes "
                            "(min 0, max 1,000); x")
    car = GameScores("neuroevo/CarTrack-v0", "laps", np.full(4, 3.0), 8, "", tracks=2)
    assert car.line() == "best agent: 3 laps in each of its 4 training episodes (2 tracks x 2)"
    assert target_in_unit("neuroevo/FlappyBird-v0", 61074.0, {}) == "target 61,074 = the 1,000-pipe cap in every episode"
    assert "fitness" in target_in_unit("neuroevo/FlappyBird-v0", 5000.0, {})
    assert target_in_unit("neuroevo/CarTrack-v0", float("nan"), {}) == ""
