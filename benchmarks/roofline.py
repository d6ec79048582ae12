"""How close each population kernel runs to this machine's floating-point limit (a roofline, compute side).

1. Measures, on one pinned core (``os.sched_setaffinity``), the rate of packed FMA instructions' element
   operations (``x = x * b + c`` on 64 independent chains kept in registers, compiled with FMA
   contraction: one "slot" per element) and of packed divisions (``x = c / x`` likewise), best of a few
   short runs of process CPU time; the assembly's packed-instruction counts are recorded as evidence.
2. Counts each kernel's floating-point slots and divisions per agent-step (:func:`cartpole_ops`,
   :func:`flappy_ops`, :func:`car_ops`: the network from its layer sizes, the physics counted by hand from
   the source, the car's ray work from the cells and wall tests its rays really visit). Without fastmath a
   multiply and an add are two slots, a fused multiply-add (the networks' sums and polynomials,
   ``neuroevo.networks.simd.fma``) one; libm ``sin``/``cos``/``tan`` count ``TRIG_SLOTS`` each, the packed
   ``games.trig.sin_cos`` ``SIN_COS_SLOTS`` for both. Both rates are measured with 512-bit vectors where the
   CPU has them (``prefer_wide_vectors``), as the kernels run.
3. The limit is ``1 / max(slots / slot_rate, divisions / division_rate)`` steps/s (every slot and division
   in packed SIMD, the two units overlapped: an upper bound, not a prediction).
4. Records the assembly evidence that CartPole's physics runs packed (:func:`physics_assembly`: the
   instructions of its lane step, ``zmm`` = 8 lanes per instruction).
5. Measures each kernel on the same pinned core, per CPU-second (robust to other processes on a loaded
   machine) and per wall second, and Gymnasium's ``CartPoleVectorEnv`` (NumPy, batched 4-16-2 forward pass)
   as a peer; other peers (gymnax, evosax, envpool) are listed when installed. The kernel alternates with
   the machine rates in rounds (:func:`_rounds`): each round's fraction has both of its sides measured
   within a second, so the machine's drift cancels; the medians over the rounds are reported.
6. Measures CartPole-v1 on both cores at once (:func:`two_core_cartpole`: two pinned processes), in rounds
   alternating with the machine rates measured on both cores at once: the two-core limit is from those
   summed rates (it is below twice one core's here; both fractions are printed).

Prints a table (the README's) and writes ``benchmarks/results/roofline.json``::

    PYTHONPATH=. python benchmarks/roofline.py [--seconds 0.5] [--rounds 7] [--cpu N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from neuroevo.networks.simd import prefer_wide_vectors  # noqa: E402
OUT = ROOT / "benchmarks" / "results" / "roofline.json"

CHAINS = 64
TRIG_SLOTS = 25  # slots of one libm sin/cos/tan (a reduction and a degree ~11 polynomial, mul + add each)
SIN_COS_SLOTS = 80  # games.trig.sin_cos: reduction 20, k_sin 20, k_cos 23, quadrant and selects 16, 1 check
TANH_SLOTS = 27  # networks.exp (2 clamps, 2 for k, 2 for r, 14 FMA, 1 scale, 3 for 2**k) + 2z, +1, 1 - q
TANH_DIVS = 1


REPEAT = 16  # operations per chain between a load and a store: the chains stay in registers


@numba.njit(fastmath={"contract"}, cache=True)
def _fma_loop(x, b, c, n):
    prefer_wide_vectors()
    for _ in range(n):
        for i in range(CHAINS):
            v = x[i]
            for _r in range(REPEAT):
                v = v * b + c
            x[i] = v
    return x


@numba.njit(cache=True, error_model="numpy")
def _div_loop(x, c, n):
    prefer_wide_vectors()
    for _ in range(n):
        for i in range(CHAINS):
            v = x[i]
            for _r in range(REPEAT):
                v = c / v
            x[i] = v
    return x


OPS = ("vfmadd", "vdiv")
PHYSICS_OPS = ("vmul", "vadd", "vsub", "vdiv", "vcmp")


def _count(asm: str, ops) -> dict:
    """Counts of packed (zmm/ymm/xmm ``...pd``) and scalar (``...sd``) float64 instructions ``ops`` in ``asm``."""
    import re

    out = {}
    for op in ops:
        for reg in ("zmm", "ymm", "xmm"):
            out[f"{op} packed {reg}"] = len(re.findall(rf"\t{op}\w*pd\s[^\n]*%{reg}", asm))
        out[f"{op} scalar"] = len(re.findall(rf"\t{op}\w*sd\s", asm))
    return out


def assembly(fn, *args) -> str:
    """The x86 assembly of jitted ``fn`` for ``args`` (compiled afresh: cached code keeps no assembly)."""
    import warnings

    fresh = numba.njit(fn.py_func, fastmath=fn.targetoptions.get("fastmath", False),
                       error_model=fn.targetoptions.get("error_model", "python"))
    fresh(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fresh.inspect_asm(fresh.signatures[0])


def packed_instructions(fn, *args) -> dict:
    """Counts of packed (zmm/ymm/xmm) and scalar FMA and division instructions in ``fn``'s assembly."""
    return _count(assembly(fn, *args), OPS)


def physics_assembly() -> dict:
    """Evidence that CartPole's physics runs packed: the instructions of ``games.cartpole.kernel._step_lanes``
    (the Euler step of all lanes, inlined into the kernel), compiled alone for 32 lanes. Its 4 divisions,
    multiplies, adds and compares per lane appear as ``zmm`` (8 lanes) instructions; the scalar ones are
    LLVM's remainder loop for a lane count not divisible by 8 (not run: 32 lanes)."""
    from games.cartpole.kernel import _step_lanes
    from neuroevo.networks import LANES

    args = (np.zeros((2, LANES)), np.zeros((4, LANES)), np.zeros(LANES), np.ones(LANES),
            np.zeros(LANES, dtype=np.int64), 500, np.zeros(LANES, dtype=np.bool_))
    return {"function": "games.cartpole.kernel._step_lanes", **_count(assembly(_step_lanes, *args), PHYSICS_OPS)}


def _rate(fn, ops_per_call, seconds: float) -> float:
    """Best operations/s of ``fn()`` over runs of about ``seconds`` each (process CPU time)."""
    fn()
    best, spent = 0.0, 0.0
    while spent < 3 * seconds:
        c0, calls = time.process_time(), 0
        while time.process_time() - c0 < seconds:
            fn()
            calls += 1
        dt = time.process_time() - c0
        spent += dt
        best = max(best, calls * ops_per_call / dt)
    return best


def machine_rates(seconds: float) -> dict:
    """``{"slots_per_s", "divisions_per_s"}`` of one core (element operations of packed instructions)."""
    n = 2000
    x = np.full(CHAINS, 1.5)
    slots = _rate(lambda: _fma_loop(x, 0.9999999, 1e-7, n), CHAINS * REPEAT * n, seconds)
    y = np.full(CHAINS, 1.5)
    divs = _rate(lambda: _div_loop(y, 2.0, n // 4), CHAINS * REPEAT * (n // 4), seconds)
    asm = {"fma loop": packed_instructions(_fma_loop, np.full(CHAINS, 1.5), 0.9999999, 1e-7, 1),
           "division loop": packed_instructions(_div_loop, np.full(CHAINS, 1.5), 2.0, 1)}
    asm["CartPole physics loop"] = physics_assembly()
    return {"slots_per_s": slots, "divisions_per_s": divs, "assembly": asm}


def _network_ops(sizes, activations) -> tuple[int, int]:
    slots, divs = 0, 0
    for n_in, n_out, act in zip(sizes[:-1], sizes[1:], activations):
        slots += n_in * n_out  # one fused multiply-add per weight (the bias starts the sum)
        if act in ("tanh", "sigmoid"):
            slots += TANH_SLOTS * n_out
            divs += TANH_DIVS * n_out
    slots += 2 * sizes[0]  # observation cast to float32 and back
    return slots, divs


def cartpole_ops(spec) -> dict:
    """Slots and divisions of one CartPole-v1 agent-step (``games.cartpole.physics.dynamics_sc``): the
    packed sin and cos; 25 multiplies/adds/compares (the packed lane step's assembly), the force's select,
    the step count and its test (5); 4 divisions (3 by TOTAL_MASS, 1 for thetaacc); argmax over 2 outputs."""
    slots, divs = _network_ops(spec.sizes, spec.activations)
    return {"slots": slots + SIN_COS_SLOTS + 30 + 1, "divisions": divs + 4}


def flappy_ops(spec) -> dict:
    """One Flappy Bird bird-step (``games.flappy_bird.physics.step_bird`` + ``observe``): ~20 for the bird,
    ~12 for two pipe collision boxes, ~10 for the observation; no division."""
    slots, divs = _network_ops(spec.sizes, spec.activations)
    return {"slots": slots + 42 + 1, "divisions": divs}


def _ray_walk_counts(track, n_rays: int = 4000) -> tuple[float, float]:
    """Mean cells visited and wall tests per ray of ``physics.ray_cast`` from points on the track."""
    from games.car_track import physics as ph

    arrays = ph.track_arrays(track, ph.DEFAULT_SENSOR_RANGE)
    walls, meta, start = arrays[2], arrays[3], arrays[4]
    rng = np.random.default_rng(0)
    i = rng.integers(len(track.centreline), size=n_rays)
    f = rng.uniform(-0.4, 0.4, n_rays)[:, None]
    pts = track.centreline[i] + f * (track.left[i] - track.right[i])
    cells = tests = 0
    x0, y0, cell, nx = meta[0], meta[1], meta[2], int(meta[3])
    for (px, py), h in zip(pts, rng.uniform(-math.pi, math.pi, n_rays)):
        d = ph.ray_cast(px, py, h, ph.DEFAULT_SENSOR_RANGE, *arrays[2:6])
        # the cells of the walk are those the ray crosses before the exit beyond d (sampled finely)
        seen = set()
        for t in np.linspace(0.0, d, 64):
            seen.add(int((py + t * math.sin(h) - y0) // cell) * nx + int((px + t * math.cos(h) - x0) // cell))
        cells += len(seen)
        tests += sum(int(start[c + 1] - start[c]) for c in seen)
    return cells / n_rays, tests / n_rays


def car_ops(spec, track, n_sensors: int = 5) -> dict:
    """One car-step: the network; the heading's cos and sin once, then per ray 6 slots to rotate the
    sensor's precomputed direction, 12 slots and 2 divisions (one reciprocal per axis) to start the walk,
    8 slots per cell, 14 slots and 1 division per wall test; 6 divisions to scale the observation; advance:
    tan, cos, sin, ~30 slots, 1 division; projection on 9 centreline segments (15 slots, 1 division each);
    collision: 8 slots per listed wall (box test) and 4 edge tests (20 slots each) for ~1 wall."""
    from games.car_track import physics as ph

    slots, divs = _network_ops(spec.sizes, spec.activations)
    cells, tests = _ray_walk_counts(track)
    ray_slots = 6 + 12 + 8 * cells + 14 * tests
    ray_divs = 2 + tests
    near = np.diff(ph.track_arrays(track, ph.DEFAULT_SENSOR_RANGE)[6]).mean()
    window = 2 * ph.PROJECTION_WINDOW + 1
    slots += n_sensors * ray_slots + 2 * TRIG_SLOTS + 3 * TRIG_SLOTS + 30 + 15 * window + 8 * near + 80
    divs += n_sensors * ray_divs + n_sensors + 1 + 1 + window
    return {"slots": slots, "divisions": divs, "cells_per_ray": cells, "tests_per_ray": tests}


def _one_rate(fn, ops_per_call, seconds: float) -> float:
    """Operations per CPU-second of ``fn()`` over one run of about ``seconds``."""
    c0, calls = time.process_time(), 0
    while time.process_time() - c0 < seconds:
        fn()
        calls += 1
    return calls * ops_per_call / (time.process_time() - c0)


def _rounds(kernel, rounds: int, seconds: float, sync) -> list:
    """``rounds`` x ``(slots/s, divisions/s, steps per CPU-second, steps per wall second)``: the machine
    rates and ``kernel() -> steps`` (called for about ``seconds`` of CPU time) alternating, so that the
    machine's drift (up to +-25 % here from minute to minute) moves both sides of a round's fraction
    together. ``sync()`` is called before each phase (a barrier when both cores run it at once)."""
    n, x, y = 2000, np.full(CHAINS, 1.5), np.full(CHAINS, 1.5)
    kernel()
    out = []
    for _ in range(rounds):
        sync()
        slots = _one_rate(lambda: _fma_loop(x, 0.9999999, 1e-7, n), CHAINS * REPEAT * n, seconds)
        divs = _one_rate(lambda: _div_loop(y, 2.0, n // 4), CHAINS * REPEAT * (n // 4), seconds)
        sync()
        c0, w0, steps = time.process_time(), time.perf_counter(), 0
        while time.process_time() - c0 < seconds:
            steps += kernel()
        out.append((slots, divs, steps / (time.process_time() - c0), steps / (time.perf_counter() - w0)))
    return out


def _limit(ops: dict, slots: float, divs: float) -> float:
    """Steps/s when every slot and division runs at the machine's rates, the two units overlapped."""
    return 1.0 / max(ops["slots"] / slots, ops["divisions"] / divs)


def _summary(ops: dict, rounds: list) -> dict:
    """Medians over the rounds of :func:`_rounds`: the limit, the kernel's rates, and their ratio."""
    fractions = [k / _limit(ops, s, d) for s, d, k, _ in rounds]
    return {"limit_steps_per_s": float(np.median([_limit(ops, s, d) for s, d, _, _ in rounds])),
            "steps_per_cpu_s": float(np.median([r[2] for r in rounds])),
            "steps_per_wall_s": float(np.median([r[3] for r in rounds])),
            "fraction_of_limit": float(np.median(fractions)), "fractions": fractions}


def _cartpole_steps():
    import throughput
    from games.cartpole.kernel import population_returns

    genomes = throughput.population(1000)
    return lambda half=None: population_returns(
        throughput.SPEC, genomes if half is None else genomes[half * 500:(half + 1) * 500], np.arange(10))[1]


def _two_core_worker(core: int, rounds: int, seconds: float, barrier: Any, queue: Any) -> None:
    """Worker of :func:`two_core_cartpole`: pinned to ``core``, its half of the genomes, in step with the other."""
    os.sched_setaffinity(0, {core})
    steps = _cartpole_steps()
    queue.put((core, _rounds(lambda: steps(core), rounds, seconds, barrier.wait)))


def two_core_cartpole(rounds: int, seconds: float) -> dict:
    """CartPole-v1 at population 1,000 on both cores at once: two processes (forked after the kernel is
    compiled), each pinned to one core and scoring 500 genomes x 10 episodes, alternating with the machine
    rates measured on both cores at once (a barrier starts each phase on both). The two-core limit comes
    from both cores' summed rates: on this virtual machine two cores running 512-bit FMAs together run each
    slower than one alone (about 0.8 of twice one core measured), as CPUs lower their clock when more cores
    run wide vectors. Returns :func:`_summary` of the summed rounds and the rounds themselves."""
    import multiprocessing as mp

    _cartpole_steps()(0)  # compile before forking
    _fma_loop(np.full(CHAINS, 1.5), 0.9999999, 1e-7, 1)
    _div_loop(np.full(CHAINS, 1.5), 2.0, 1)
    ctx = mp.get_context("fork")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_two_core_worker, args=(core, rounds, seconds, barrier, queue)) for core in (0, 1)]
    for p in procs:
        p.start()
    per_core = dict(queue.get() for _ in procs)
    for p in procs:
        p.join()
    summed = [tuple(a + b for a, b in zip(r0, r1)) for r0, r1 in zip(per_core[0], per_core[1])]
    return {"processes": len(procs), **_summary(cartpole_ops(_spec()), summed),
            "rounds": summed}


def _spec():
    import throughput

    return throughput.SPEC


def measure_kernels(rounds: int, seconds: float) -> dict:
    """Each kernel's :func:`_summary` on this core (its rounds alternating with the machine rates)."""
    from games.car_track.kernel import population_episodes as car_episodes
    from games.car_track.track import load_track
    from games.flappy_bird.kernel import population_fitness as flappy_fitness
    from neuroevo.network import NetworkSpec
    import flappy_throughput
    import throughput

    cp = throughput.population(1000)
    fl_spec = flappy_throughput.SPEC
    fl = flappy_throughput.population(100)
    car_spec = NetworkSpec.build(6, (8,), 2, "tanh", "tanh")
    cars = car_spec.init_genomes(np.random.default_rng(0), 200) * 2.0
    kernels = {
        "CartPole-v1 kernel": (cartpole_ops(_spec()), _cartpole_steps(), "1,000 x 10 episodes"),
        "Flappy Bird kernel": (flappy_ops(fl_spec), lambda: flappy_fitness(fl_spec, fl, np.arange(2) + 1000)[1],
                               "100 x 2 episodes"),
        "car (oval) kernel": (car_ops(car_spec, load_track("oval")),
                              lambda: car_episodes(car_spec, cars, np.arange(3), track="oval").env_steps,
                              "200 x 3 episodes"),
        "Gymnasium CartPoleVectorEnv": (cartpole_ops(_spec()), lambda: throughput._vector_worker(cp, 200)[0],
                                        "1,000, NumPy forward pass"),
    }
    return {name: {"ops": ops, "agents": agents, **_summary(ops, _rounds(fn, rounds, seconds, lambda: None))}
            for name, (ops, fn, agents) in kernels.items()}


def _print_two_cores(two: dict, one_core_limit: float) -> None:
    """Prints the two-core figures; adds ``fraction_of_twice_one_core`` (against twice ``one_core_limit``)."""
    two["limit_twice_one_core"] = 2 * one_core_limit
    two["fraction_of_twice_one_core"] = two["steps_per_cpu_s"] / two["limit_twice_one_core"]
    print(f"CartPole-v1 on two cores (two pinned processes, 500 genomes x 10 episodes each, alternating with "
          f"both cores' machine rates): {two['steps_per_cpu_s'] / 1e6:.2f} M steps per CPU-second (summed), "
          f"{100 * two['fraction_of_limit']:.1f} % of the two-core limit {two['limit_steps_per_s'] / 1e6:.1f} M "
          f"(median of {len(two['fractions'])} rounds; {100 * two['fraction_of_twice_one_core']:.1f} % of twice "
          f"the one-core limit); {two['steps_per_wall_s'] / 1e6:.2f} M per wall second")


def _print_table(rates: dict, rows: list, cpu: int, load: float, cores: int) -> None:
    print(f"one core (cpu {cpu}, load average {load:.1f} on {cores} cores): "
          f"{rates['slots_per_s'] / 1e9:.1f} G FMA/s ({2e-9 * rates['slots_per_s']:.0f} GFLOP/s), "
          f"{rates['divisions_per_s'] / 1e9:.2f} G divisions/s (best of 3 runs); each kernel's fraction is the "
          f"median over rounds alternating with the rates")
    print(f"| {'kernel':28s} | slots/step | div/step | limit, 1 core | per CPU-s | fraction |")
    print(f"|{'-' * 30}|-----------:|---------:|--------------:|----------:|---------:|")
    for r in rows:
        print(f"| {r['kernel']:28s} | {r['slots_per_step']:10d} | {r['divisions_per_step']:8d} | "
              f"{r['limit_steps_per_s_1core'] / 1e6:10.1f} M | {r['steps_per_cpu_s'] / 1e6:7.2f} M | "
              f"{100 * r['fraction_of_limit']:7.1f} % |")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.5, help="length of each machine-rate run (3 runs)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of kernel and machine rates alternating")
    ap.add_argument("--cpu", type=int, default=None, help="core to pin to (default: the current one)")
    args = ap.parse_args(argv)
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    load = os.getloadavg()[0]
    rates = machine_rates(args.seconds)
    kernels = measure_kernels(args.rounds, args.seconds / 2)
    cores = os.cpu_count() or 1
    os.sched_setaffinity(0, set(range(cores)))
    two = two_core_cartpole(args.rounds, args.seconds / 2) if cores >= 2 else None
    os.sched_setaffinity(0, {cpu})
    rows = [{"kernel": name, "agents": k["agents"], "slots_per_step": round(k["ops"]["slots"]),
             "divisions_per_step": round(k["ops"]["divisions"]), "limit_steps_per_s_1core": k["limit_steps_per_s"],
             "steps_per_cpu_s": k["steps_per_cpu_s"], "steps_per_wall_s": k["steps_per_wall_s"],
             "fraction_of_limit": k["fraction_of_limit"], "fractions": k["fractions"],
             **{key: k["ops"][key] for key in ("cells_per_ray", "tests_per_ray") if key in k["ops"]}}
            for name, k in kernels.items()]
    peers = {m: importlib.util.find_spec(m) is not None for m in ("gymnax", "evosax", "envpool")}
    _print_table(rates, rows, cpu, load, cores)
    if two is not None:
        _print_two_cores(two, rows[0]["limit_steps_per_s_1core"])
    result = {"benchmark": "roofline", "pinned_cpu": cpu, "cores": cores, "load_average_1min": load,
              "fma_gflops": 2e-9 * rates["slots_per_s"], **rates, "kernels": rows,
              "other_peers_installed": peers, "cartpole_two_cores": two,
              "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                         f"numba {numba.__version__}"}
    phys = rates["assembly"]["CartPole physics loop"]
    print("CartPole physics loop (_step_lanes) assembly: " + ", ".join(
        f"{op} {phys[f'{op} packed zmm']} zmm / {phys[f'{op} packed ymm']} ymm / {phys[f'{op} scalar']} scalar"
        for op in PHYSICS_OPS))
    absent = [m for m, ok in peers.items() if not ok]
    if absent:
        print("not installed here: " + ", ".join(absent))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, OUT)
    return result


if __name__ == "__main__":
    main()
