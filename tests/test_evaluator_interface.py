"""One Evaluator interface: every backend implements it, the serial one times out too, and nothing outside
the factory asks which backend it has."""

import re
import time
from pathlib import Path

import numpy as np
import pytest

from neuroevo.errors import EvalTimeoutError
from neuroevo.evaluation import Evaluator, FunctionTask, make_evaluator
from neuroevo.evaluation.scheduler import ChunkedEvaluator
from neuroevo.network import NetworkSpec

SPEC = NetworkSpec.build(2, (3,), 1)
ROOT = Path(__file__).resolve().parents[1]


def total(network):
    return float(network(np.ones(2)).sum())


def hangs(network):
    time.sleep(30)
    return 0.0


@pytest.mark.parametrize("backend, workers", [("serial", 1), ("process", 2)])
def test_every_backend_is_an_evaluator_and_gives_the_same_fitness(backend, workers):
    genomes = SPEC.init_genomes(np.random.default_rng(0), 9)
    want = np.array([total(__import__("neuroevo").Network(SPEC, g)) for g in genomes])
    with make_evaluator(FunctionTask(total, SPEC), workers, backend) as ev:
        assert isinstance(ev, Evaluator)
        fitness, steps = ev.evaluate(genomes, np.zeros(1, dtype=np.int64), generation=3)
    np.testing.assert_array_equal(fitness, want)
    assert steps == 0


def test_pool_and_ray_share_the_scheduler():
    from neuroevo.evaluation.pool import ProcessPoolEvaluator
    from neuroevo.evaluation.ray_backend import RayEvaluator

    assert issubclass(ProcessPoolEvaluator, ChunkedEvaluator) and issubclass(RayEvaluator, ChunkedEvaluator)
    for cls in (ProcessPoolEvaluator, RayEvaluator):
        assert "_schedule" not in vars(cls)  # the retry/deadline loop is written once


def test_serial_evaluation_times_out_naming_the_generation():
    with make_evaluator(FunctionTask(hangs, SPEC), 1, "serial", eval_timeout=0.3) as ev:
        with pytest.raises(EvalTimeoutError, match="evaluation of generation 4 took longer than --eval-timeout 0.3 s"):
            ev.evaluate(np.zeros((2, SPEC.n_params)), np.zeros(1, dtype=np.int64), generation=4)


def test_no_isinstance_on_a_backend_outside_the_factory():
    pattern = re.compile(r"isinstance\([^)]*(SerialEvaluator|ProcessPoolEvaluator|RayEvaluator)")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "neuroevo").rglob("*.py")
                 if p.name != "factory.py" and pattern.search(p.read_text())]
    assert offenders == []
