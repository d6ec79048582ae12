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
