"""Agent-steps per second on Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1, two ways:

1. neuroevo's Numba population kernel (``games.classic_control.kernel``), 1 core;
2. Gymnasium's loop: the standard Python episode loop over ``gymnasium.make(id)`` (with its default
   wrappers: TimeLimit, OrderEnforcing, PassiveEnvChecker), ``obs = env.step(action)`` once per step, the
   action from the same jitted network (neuroevo's ``EnvTask``, one ``policy_step`` per step), 1 core;
3. the same loop over the bare env (``.unwrapped``, no wrappers), for reference.

Both evaluate the same 6-16-A tanh networks (random weights, episodes to the time limit or the goal) on the
same seeds. The two sides alternate in short rounds (``--rounds`` of ``--seconds`` each) and each side's best
round counts, timed in process CPU seconds, so both see the same machine and other processes' load
cancels out of the ratio (wall-clock rates are written too). Usage::

    python benchmarks/classic_control.py [--population 200] [--rounds 5] [--against COMMIT]
                                         [--out benchmarks/results/classic_control.json]

``--against COMMIT`` also times each kernel against the same kernel at that earlier commit
(``benchmarks/_baseline.py``: fresh pinned subprocesses, alternating rounds, the same fitness checked).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from games.classic_control import physics as ph  # noqa: E402
from games.classic_control.kernel import population_episodes  # noqa: E402
from neuroevo.evaluation.env_task import EnvTask  # noqa: E402
from neuroevo.networks import NetworkSpec  # noqa: E402

EPISODES = 5


def spec_for(env_id: str) -> NetworkSpec:
    _, _, n_obs, n_act = ph.ENVS[env_id]
    return NetworkSpec.build(n_obs, (16,), max(n_act, 1), "tanh", "linear" if n_act > 0 else "tanh")


def _best_rate(calls, seconds: float, rounds: int) -> list[dict]:
    """For each ``fn() -> steps`` in ``calls``: its best steps per CPU-second (and per wall second) over
    ``rounds`` rounds of about ``seconds`` CPU-seconds, the calls alternating round by round."""
    best = [{"cpu": 0.0, "wall": 0.0} for _ in calls]
    for _ in range(rounds):
        for b, fn in zip(best, calls):
            c0, w0, steps = time.process_time(), time.perf_counter(), 0
            while time.process_time() - c0 < seconds or steps == 0:
                steps += fn()
            b["cpu"] = max(b["cpu"], steps / (time.process_time() - c0))
            b["wall"] = max(b["wall"], steps / (time.perf_counter() - w0))
    return best


def kernel_call(env_id, genomes):
    spec = spec_for(env_id)
    population_episodes(env_id, spec, genomes[:2], [0])  # compile outside the timing
    r = [0]

    def call():
        seeds = np.arange(r[0] * EPISODES, (r[0] + 1) * EPISODES)
        r[0] += 1
        return int(population_episodes(env_id, spec, genomes, seeds)[1].sum())

    return call


def loop_call(env_id, genomes):
    task = EnvTask(env_id, spec_for(env_id))
    task.warmup()
    i = [0]

    def call():
        i[0] += 1
        return task.evaluate(genomes[i[0] % len(genomes)][None], np.arange(EPISODES))[1]

    return call


def bare_loop_call(env_id, genomes):
    """The same loop over the bare env (``gymnasium.make(id).unwrapped``: no wrappers, the time limit
    counted here): Gymnasium's physics alone, the most favourable reading of its loop."""
    import gymnasium as gym

    from neuroevo.networks import policy_reset, policy_step
    from neuroevo.policy import observation_to_input, output_to_action

    spec = spec_for(env_id)
    env = gym.make(env_id).unwrapped
    limit = ph.ENVS[env_id][1]
    to_input, to_action = observation_to_input(env.observation_space), output_to_action(env.action_space)
    ints, memory, buf = spec.program_ints[0], np.zeros(max(spec.n_state, 1)), np.zeros((2, max(spec.sizes)))
    i = [0]

    def call():
        i[0] += 1
        g, steps = genomes[i[0] % len(genomes)], 0
        for seed in range(EPISODES):
            policy_reset(ints, memory)
            obs, _ = env.reset(seed=seed)
            for t in range(limit):
                obs, _, terminated, _, _ = env.step(to_action(policy_step(ints, g, memory, to_input(obs), buf)))
                steps += 1
                if terminated:
                    break
        return steps

    call()  # compile outside the timing
    return call


#: The kernel's fitness function of each env (``neuroevo.evaluation.registry``), for ``--against``.
FITNESS = {"Acrobot-v1": "acrobot_fitness", "MountainCar-v0": "mountain_car_fitness",
           "MountainCarContinuous-v0": "mountain_car_continuous_fitness", "Pendulum-v1": "pendulum_fitness"}


def against(commit: str, population: int, rounds: int) -> list[dict]:
    """Each env's kernel today against the kernel at ``commit`` (:func:`_baseline.compare`), printed."""
    import _baseline

    rows = []
    for env_id, fn in FITNESS.items():
        _, _, n_obs, n_act = ph.ENVS[env_id]
        layers = (n_obs, (16,), max(n_act, 1), "tanh", "linear" if n_act > 0 else "tanh")
        genomes = spec_for(env_id).init_genomes(np.random.default_rng(0), population) * 2.0
        r = _baseline.compare("games.classic_control.kernel", layers, genomes, np.arange(EPISODES), {},
                              commit=commit, rounds=rounds, function=fn)
        print(f"{env_id:>26} vs {commit}: {r['old_steps_per_cpu_s'] / 1e6:.2f} M -> "
              f"{r['new_steps_per_cpu_s'] / 1e6:.2f} M steps/CPU-s, best rates {r['ratio']:.2f}x, median of "
              f"{rounds} paired rounds {r['median_round_ratio']:.2f}x; same fitness: {r['same_fitness']}")
        rows.append({"env": env_id, **r})
    return rows


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=200, help="genomes per kernel call")
    ap.add_argument("--seconds", type=float, default=0.4, help="CPU-seconds of each timed round")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per side (the best counts)")
    ap.add_argument("--against", metavar="COMMIT", help="also time each kernel against it at this commit")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "classic_control.json"))
    args = ap.parse_args(argv)
    rows = []
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores; steps per CPU-second:")
    print(f"{'env':>26} {'kernel steps/s':>15} {'env loop':>10} {'kernel/loop':>11} {'bare env':>10} {'kernel/bare':>11}")
    for env_id in ph.ENVS:
        genomes = spec_for(env_id).init_genomes(np.random.default_rng(0), args.population) * 2.0
        k, lp, bare = _best_rate([kernel_call(env_id, genomes), loop_call(env_id, genomes),
                                  bare_loop_call(env_id, genomes)], args.seconds, args.rounds)
        rows.append({"env": env_id, "kernel_steps_per_s": k["cpu"], "loop_steps_per_s": lp["cpu"],
                     "kernel_over_loop": k["cpu"] / lp["cpu"], "kernel_steps_per_wall_s": k["wall"],
                     "loop_steps_per_wall_s": lp["wall"], "bare_env_loop_steps_per_s": bare["cpu"],
                     "kernel_over_bare_env_loop": k["cpu"] / bare["cpu"]})
        print(f"{env_id:>26} {k['cpu']:>15,.0f} {lp['cpu']:>10,.0f} {k['cpu'] / lp['cpu']:>11.1f} "
              f"{bare['cpu']:>10,.0f} {k['cpu'] / bare['cpu']:>11.1f}")
    out = {"benchmark": "classic_control_kernels", "network": "obs-16-actions tanh", "episodes_per_agent": EPISODES,
           "cores": 1, "timing": "best of alternating rounds, steps per process CPU-second",
           "load_average_start": load, "load_average_end": os.getloadavg(),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "processor": platform.processor() or platform.machine()},
           "rows": rows}
    if args.against:
        out["against"] = against(args.against, args.population, args.rounds)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(f"written {args.out}")
    return out


if __name__ == "__main__":
    main()
