"""The process pool's shared items (neuroevo/evaluation/shared_items.py): every worker claims one
generation's (genome, episode) items from a counter in shared memory; the fitness keeps a serial run's bits,
and a dead or hung worker changes nothing but the time taken."""

import logging
import os
import signal
import threading

import numpy as np
import pytest

from games.cartpole.kernel import population_returns, shared_returns
from neuroevo.errors import EvalTimeoutError
from neuroevo.evaluation import KernelTask, ProcessPoolEvaluator, SerialEvaluator
from neuroevo.network import NetworkSpec

SPEC = NetworkSpec((4, 16, 2), ("tanh", "linear"))


def _task(spec=SPEC) -> KernelTask:
    return KernelTask("CartPole-v1", spec, "games.cartpole.kernel:population_fitness")


def _genomes(n: int, seed: int = 0) -> np.ndarray:
    return SPEC.init_genomes(np.random.default_rng(seed), n) * 4.0  # episodes of 8 to 500 steps


def test_a_kernel_call_plays_exactly_the_items_it_claims():
    genomes, seeds = _genomes(40), np.arange(3)
    ref, ref_steps = population_returns(SPEC, genomes, seeds)
    returns = np.full((40, 3), np.nan)
    counter = np.array([50], dtype=np.int64)  # items 0-49 claimed by somebody else
    steps = shared_returns(SPEC, genomes, seeds, counter, returns)
    flat = returns.ravel()
    assert np.isnan(flat[:50]).all()
    np.testing.assert_array_equal(flat[50:], ref.ravel()[50:])
    assert steps == ref.ravel()[50:].sum()  # CartPole: a return is its episode's steps
    assert counter[0] >= 120  # every item claimed; a lane that found none claimed past the end
    counter[0] = 0
    assert shared_returns(SPEC, genomes, seeds, counter, returns) == ref_steps
    np.testing.assert_array_equal(returns, ref)


@pytest.mark.parametrize("workers", [1, 2])
def test_pool_claiming_items_gives_the_serial_fitness_and_steps(workers):
    genomes = _genomes(300, seed=1)
    with SerialEvaluator(_task()) as serial, ProcessPoolEvaluator(_task(), workers) as pool:
        assert pool._shared_returns is not None  # CartPole's kernel claims items: this is the path under test
        for g in range(3):
            seeds = np.arange(10 * g, 10 * g + 10)
            fitness, steps = pool.evaluate(genomes, seeds, generation=g)
            ref, ref_steps = serial.evaluate(genomes, seeds)
            np.testing.assert_array_equal(fitness, ref)
            assert steps == ref_steps


def test_a_worker_killed_in_the_generation_changes_nothing(caplog):
    genomes, seeds = _genomes(3000, seed=2), np.arange(10)  # ~20 ms of kernel per worker
    with SerialEvaluator(_task()) as serial:
        ref = serial.evaluate(genomes, seeds)
    with ProcessPoolEvaluator(_task(), 2) as pool, caplog.at_level(logging.WARNING):
        pool.evaluate(genomes[:8], seeds)  # warm
        victim = pool.pids[0]
        threading.Timer(0.005, os.kill, (victim, signal.SIGKILL)).start()
        fitness, steps = pool.evaluate(genomes, seeds)
        np.testing.assert_array_equal(fitness, ref[0])
        assert steps == ref[1]
        assert victim not in pool.pids
        assert "scoring it again in chunks" in caplog.text
        fitness, steps = pool.evaluate(genomes, seeds)  # the new worker claims items like the others
        np.testing.assert_array_equal(fitness, ref[0])


def test_a_generation_past_its_timeout_names_the_population_and_the_pool_recovers():
    genomes, seeds = _genomes(3000, seed=3), np.arange(10)
    with ProcessPoolEvaluator(_task(), 2) as pool:
        pool.evaluate(genomes[:4], np.arange(1))
        pool.eval_timeout = 0.002  # ~20 ms of kernel per worker: past it
        with pytest.raises(EvalTimeoutError, match="genomes 0-2999"):
            pool.evaluate(genomes, seeds)
        pool.eval_timeout = 0.0
        with SerialEvaluator(_task()) as serial:
            np.testing.assert_array_equal(pool.evaluate(genomes[:50], seeds)[0], serial.evaluate(genomes[:50], seeds)[0])


def _state(pid: int) -> str:
    """The process's scheduler state letter from /proc (R running or runnable, S asleep, T stopped)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_the_parent_plays_a_share_so_one_worker_is_never_needed():
    genomes, seeds = _genomes(200, seed=4), np.arange(5)
    with SerialEvaluator(_task()) as serial:
        ref = serial.evaluate(genomes, seeds)
    with ProcessPoolEvaluator(_task(), 1) as pool:
        pool.evaluate(genomes[:8], seeds)
        (worker,) = pool.pids
        pool.eval_timeout = 30.0  # a pool waiting for that worker fails here, not hangs
        os.kill(worker, signal.SIGSTOP)  # a worker that never runs: the parent plays every item
        try:
            fitness, steps = pool.evaluate(genomes, seeds)
        finally:
            os.kill(worker, signal.SIGCONT)
        np.testing.assert_array_equal(fitness, ref[0])
        assert steps == ref[1]


def test_a_worker_polls_for_the_next_generation_then_sleeps():
    from neuroevo.evaluation.pool import SPIN_SECONDS
    genomes, seeds = _genomes(100, seed=5), np.arange(3)
    with ProcessPoolEvaluator(_task(), 2) as pool:
        pool.evaluate(genomes, seeds)
        (worker, _) = pool.pids  # slot 0 plays beside the parent; slot 1 is kept for chunks
        assert len(os.listdir(f"/proc/{worker}/task")) == 1  # no thread of its own: its state is its loop's
        pool.evaluate(genomes, seeds)
        assert _state(worker) == "R"  # polling its pipe, not asleep in recv
        threading.Event().wait(SPIN_SECONDS + 0.1)
        assert _state(worker) == "S"
        fitness, _ = pool.evaluate(genomes, seeds)  # woken from sleep by the pipe as before
        with SerialEvaluator(_task()) as serial:
            np.testing.assert_array_equal(fitness, serial.evaluate(genomes, seeds)[0])
