"""neuroevo's NEAT against neat-python on the same machine, in one run: evaluations per second and wall time to
solve, on XOR (neat-python's own ``examples/xor/config-feedforward``) and CartPole-v1.

Both sides run their own loop (no checkpoints or reports) from a neat-python config file; neuroevo reads the same file through
``--neat-config``. neat-python scores each genome with ``neat.nn.FeedForwardNetwork`` in Python (XOR), and
a Gymnasium ``CartPole-v1`` episode loop (CartPole); neuroevo scores a whole generation at once: XOR with a
batch fitness (one Numba call per chunk), CartPole through its game kernel (the policy seam), or the env
loop when no kernel takes NEAT programs. An evaluation is one genome's fitness (CartPole: one episode, so
evaluations per second are episodes per second); they count every evaluation of the run, breeding included, timed
on both sides from the construction of the first population (neat-python's ``Population``, neuroevo's strategy)
to the last generation. CartPole also counts env steps (agent-steps) per second on both sides, since a
side whose networks balance longer does more work per episode. Both sides run in this one process, one core
each (neat-python's ``ParallelEvaluator`` is not used, nor neuroevo's process pool). Wall time to solve is
until the generation that reaches the config's ``fitness_threshold``. Since CartPole is solved in a few generations of mostly short episodes, its throughput
is also measured over 15 generations without stopping (``cartpole_throughput``), when episodes are long. neat-python is an optional benchmark extra (``pip install neuroevo[benchmarks]``).

Usage::

    python benchmarks/neat_vs_neat_python.py [--seed 0] [--repeats 3] [--out benchmarks/results/neat_vs_neat_python.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
XOR_INI = ROOT / "tests" / "fixtures" / "neat-python-xor-config-feedforward"
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])
MAX_GENERATIONS = 300
THROUGHPUT_GENERATIONS = 15


def cartpole_ini(folder: Path) -> Path:
    """neat-python's XOR config with CartPole-v1's sizes (4 inputs, 2 outputs) and threshold (475)."""
    text = XOR_INI.read_text().replace("num_inputs              = 2", "num_inputs              = 4")
    text = text.replace("num_outputs             = 1", "num_outputs             = 2")
    text = text.replace("fitness_threshold     = 3.9", "fitness_threshold     = 475")
    path = folder / "config-cartpole"
    path.write_text(text)
    return path


# ---------------------------------------------------------------- neat-python

def neat_python_run(ini: Path, evaluate, seed: int, generations: int = MAX_GENERATIONS, stop: bool = True) -> dict:
    import neat

    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, str(ini))
    config.no_fitness_termination = not stop
    counter = {"evaluations": 0, "generations": 0}
    start = time.perf_counter()  # from the first population, as neuroevo_run (its strategy's construction)
    pop = neat.Population(config, seed=seed)

    def eval_genomes(genomes, cfg):
        for _, g in genomes:
            g.fitness = evaluate(neat.nn.FeedForwardNetwork.create(g, cfg))
        counter["evaluations"] += len(genomes)
        counter["generations"] += 1

    counted = getattr(evaluate, "steps", None)  # CartPole's evaluate counts its env steps in steps[0]
    steps0 = counted[0] if counted is not None else 0
    best = pop.run(eval_genomes, generations)
    elapsed = time.perf_counter() - start
    solved = best.fitness >= config.fitness_threshold
    out = {"solved": bool(solved), "generations": counter["generations"], "evaluations": counter["evaluations"],
           "seconds": elapsed, "evaluations_per_second": counter["evaluations"] / elapsed,
           "best_fitness": float(best.fitness)}
    if counted is not None:
        out["env_steps"] = counted[0] - steps0
        out["env_steps_per_second"] = out["env_steps"] / elapsed
    return out


def xor_neat_python(net) -> float:
    return 4.0 - sum((net.activate(list(x))[0] - y) ** 2 for x, y in zip(XOR_X, XOR_Y))


def cartpole_neat_python_factory(seed: int):
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    episode = {"n": 0}
    steps = [0]

    def evaluate(net) -> float:
        obs, _ = env.reset(seed=seed * 100_003 + episode["n"])
        episode["n"] += 1
        total, done = 0.0, False
        while not done:
            action = int(np.argmax(net.activate(list(obs))))
            obs, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        steps[0] += int(total)  # reward 1 per step
        return total

    evaluate.steps = steps  # type: ignore[attr-defined]
    return evaluate


# ---------------------------------------------------------------- neuroevo

def neuroevo_run(ini: Path, seed: int, generations: int = MAX_GENERATIONS, stop: bool = True, **task) -> dict:
    """neuroevo's loop without a run folder (as neat-python's ``Population.run`` without reporters): the
    strategy's ask/tell and the task's evaluation of whole generations, until the config's threshold."""
    from neuroevo.config import resolve
    from neuroevo.evaluation.factory import make_task
    from neuroevo.strategies.registry import make_strategy

    flags = {"run": {"algorithm": "neat", "seed": seed}, "task": {"episodes": 1, **task},
             "strategy": {"neat_config": str(ini)}}
    config = resolve(flags=flags)
    task_ = make_task(config)
    start = time.perf_counter()
    strategy = make_strategy(config, task_.spec)
    evaluations, env_steps, solved, best = 0, 0, False, -np.inf
    for _ in range(generations):
        fitness, steps = task_.evaluate(strategy.ask(), strategy.episode_seeds(1))
        evaluations += len(fitness)
        env_steps += steps
        best = max(best, float(fitness.max()))
        if stop and best >= config.run.target:
            solved = True
            break
        strategy.tell(fitness)
    elapsed = time.perf_counter() - start
    solved = solved or best >= config.run.target
    return {"solved": solved, "generations": strategy.generation + (1 if stop and solved else 0), "evaluations": evaluations,
            "seconds": elapsed, "evaluations_per_second": evaluations / elapsed, "best_fitness": best,
            "task": type(task_).__name__, "env_steps": env_steps, "env_steps_per_second": env_steps / elapsed}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=3, help="alternating runs of each side (medians reported)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "neat_vs_neat_python.json"))
    args = p.parse_args(argv)
    try:
        import neat
    except ImportError:
        print("neat-python is not installed: pip install neuroevo[benchmarks]", file=sys.stderr)
        return 2
    results = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                           "neat_python": neat.__version__ if hasattr(neat, "__version__") else "?"},
               "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fitness = str(ROOT / "tests" / "fixtures" / "neat_fns.py")
        neuroevo_run(XOR_INI, args.seed + 1000, fitness=f"{fitness}:xor_batch")  # load the compiled kernels
        cart = cartpole_ini(tmp)
        neuroevo_run(cart, args.seed + 1000, env="CartPole-v1")
        runs = {
            "xor": (lambda: neuroevo_run(XOR_INI, args.seed, fitness=f"{fitness}:xor_batch"),
                    lambda: neat_python_run(XOR_INI, xor_neat_python, args.seed)),
            "cartpole": (lambda: neuroevo_run(cart, args.seed, env="CartPole-v1"),
                         lambda: neat_python_run(cart, cartpole_neat_python_factory(args.seed), args.seed)),
            # throughput once the networks balance: a fixed number of generations, no early stop
            "cartpole_throughput": (
                lambda: neuroevo_run(cart, args.seed, THROUGHPUT_GENERATIONS, stop=False, env="CartPole-v1"),
                lambda: neat_python_run(cart, cartpole_neat_python_factory(args.seed), args.seed,
                                        THROUGHPUT_GENERATIONS, stop=False)),
        }
        for task, (ours, theirs) in runs.items():
            # the two sides alternate, args.repeats times each, so a change of the machine's load hits both;
            # each side's figures are those of its run with the median evaluations per second
            load = list(os.getloadavg())
            pairs = [(ours(), theirs()) for _ in range(args.repeats)]
            med = lambda rs: sorted(rs, key=lambda r: r["evaluations_per_second"])[len(rs) // 2]  # noqa: E731
            results[task] = {"neuroevo": med([a for a, _ in pairs]), "neat_python": med([b for _, b in pairs]),
                             "repeats": [{"neuroevo": a["evaluations_per_second"],
                                          "neat_python": b["evaluations_per_second"]} for a, b in pairs],
                             "load_average_before": load}
            if task == "cartpole_throughput":
                results[task]["generations"] = THROUGHPUT_GENERATIONS
    results["load_average"] = list(os.getloadavg())
    for task in ("xor", "cartpole", "cartpole_throughput"):
        a, b = results[task]["neuroevo"], results[task]["neat_python"]
        results[task]["evaluations_per_second_ratio"] = a["evaluations_per_second"] / b["evaluations_per_second"]
        results[task]["wall_time_ratio"] = b["seconds"] / a["seconds"]
        if "env_steps_per_second" in b:
            results[task]["env_steps_per_second_ratio"] = a["env_steps_per_second"] / b["env_steps_per_second"]
        print(f"{task:19s} neuroevo {a['evaluations_per_second']:10,.0f} eval/s, solved={a['solved']} in "
              f"{a['seconds']:.2f} s ({a['generations']} gen) | neat-python {b['evaluations_per_second']:8,.0f} "
              f"eval/s, solved={b['solved']} in {b['seconds']:.2f} s ({b['generations']} gen) | "
              f"eval/s x{results[task]['evaluations_per_second_ratio']:.1f}, wall x{results[task]['wall_time_ratio']:.1f}"
              + (f", env steps/s x{results[task]['env_steps_per_second_ratio']:.1f}"
                 if "env_steps_per_second_ratio" in results[task] else "") + f" (medians of {args.repeats})")
    print(f"load average {results['load_average'][0]:.1f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
