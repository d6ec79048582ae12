"""Every built-in kernel gives the same fitness as the Gymnasium env loop, and evaluators agree."""

import numpy as np
import pytest

from neuroevo.config import resolve
from neuroevo.evaluation import EnvTask, KernelTask, ProcessPoolEvaluator, SerialEvaluator, make_task
from neuroevo.evaluation.registry import KERNELS
from neuroevo.evaluation.pool import split


@pytest.mark.parametrize("env_id", sorted(KERNELS))
def test_kernel_fitness_equals_env_loop_fitness(env_id):
    config = resolve(flags={"task": {"env": env_id}, "network": {"hidden": [6]}})
    task = make_task(config)
    assert isinstance(task, KernelTask)
    genomes = task.spec.init_genomes(np.random.default_rng(1), 8) * 2.0
    seeds = np.array([3, 11])
    kernel, k_steps = task.evaluate(genomes, seeds)
    loop, l_steps = EnvTask(env_id, task.spec, task.env_kwargs).evaluate(genomes, seeds)
    np.testing.assert_array_equal(kernel, loop)
    assert k_steps == l_steps


def test_pool_and_serial_give_identical_fitness():
    task = make_task(resolve())
    genomes = task.spec.init_genomes(np.random.default_rng(2), 37) * 3.0
    seeds = np.array([5, 6, 7])
    with SerialEvaluator(task) as serial, ProcessPoolEvaluator(task, 2) as pool:
        a, b = serial.evaluate(genomes, seeds), pool.evaluate(genomes, seeds)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]


def test_split_covers_everything_in_balanced_chunks():
    for n, k in [(10, 3), (3, 8), (100, 4), (1, 1)]:
        chunks = split(n, k)
        assert chunks[0][0] == 0 and chunks[-1][1] == n
        assert all(a < b for a, b in chunks) and all(c[1] == d[0] for c, d in zip(chunks, chunks[1:]))
        sizes = [b - a for a, b in chunks]
        assert max(sizes) - min(sizes) <= 1


def test_shared_genomes_round_trip_and_growth():
    import mmap

    from neuroevo.evaluation.shared_genomes import SharedGenomes, is_shared_rows, read_rows

    shared = SharedGenomes()
    g = np.random.default_rng(0).normal(size=(7, 5))
    assert SharedGenomes.shareable(g) and not SharedGenomes.shareable([g]) and not SharedGenomes.shareable(g[0])
    with pytest.raises(ValueError, match="do not fit"):
        shared.write(g)
    shared.grow(g.nbytes)
    assert shared.capacity >= max(g.nbytes, mmap.PAGESIZE)
    shared.write(g)
    message = shared.rows(2, 6)
    assert is_shared_rows(message) and not is_shared_rows((1, 2))
    rows = read_rows(shared.buffer, message)
    np.testing.assert_array_equal(rows, g[2:6])
    rows[0, 0] = 99.0  # the worker's own copy: the shared block keeps the population
    np.testing.assert_array_equal(read_rows(shared.buffer, message), g[2:6])
    first = shared.capacity
    shared.grow(10 * first)
    assert shared.capacity == 10 * first


def test_pool_sends_genomes_through_shared_memory_and_grows_with_the_population():
    """A population that outgrows the shared block re-forks the (idle) workers: results stay the serial ones."""
    from neuroevo.network import NetworkSpec

    spec = NetworkSpec.build(4, (6,), 2)
    task = KernelTask("CartPole-v1", spec, "games.cartpole.kernel:population_fitness")
    small = spec.init_genomes(np.random.default_rng(1), 6) * 3.0
    big = spec.init_genomes(np.random.default_rng(2), 400) * 3.0
    with SerialEvaluator(task) as serial:
        want_small, want_big = serial.evaluate(small, np.arange(3)), serial.evaluate(big, np.arange(3))
    with ProcessPoolEvaluator(task, 2, 2) as pool:
        got_small = pool.evaluate(small, np.arange(3))
        pids = set(pool.pids)
        got_big = pool.evaluate(big, np.arange(3))
        assert set(pool.pids).isdisjoint(pids)  # new workers, inheriting the larger block
        assert pool._shared.capacity >= big.nbytes
        again = pool.evaluate(small, np.arange(3))
    for got, want in ((got_small, want_small), (got_big, want_big), (again, want_small)):
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1] == want[1]
