"""The serial evaluator: the whole population in this process."""

from __future__ import annotations

import signal
import threading

import numpy as np

from neuroevo.errors import EvalTimeoutError
from neuroevo.evaluation.base import Evaluator
from neuroevo.evaluation.tasks import Task


class SerialEvaluator(Evaluator):
    """Evaluates every genome in the calling process. A context manager, like every evaluator.

    Args:
        task: what is scored.
        eval_timeout: seconds one generation's evaluation may take (0: no limit). Enforced with SIGALRM,
            so only when called from the main thread (elsewhere there is no limit).
        max_retries: unused (no worker to lose); accepted for the common signature.

    Raises (from :meth:`evaluate`): FitnessError/GenomeFitnessError from the task; EvalTimeoutError.
    """

    workers = 1

    def __init__(self, task: Task, eval_timeout: float = 0.0, max_retries: int = 0):
        super().__init__(task, eval_timeout, max_retries)

    def start(self) -> None:
        self.task.warmup()

    def close(self) -> None:
        pass

    def evaluate(self, genomes, seeds, generation=None) -> tuple[np.ndarray, int]:
        """``(fitness (P,) float64, env_steps)`` of ``genomes`` (P, n_params) on episode ``seeds`` (K,)."""
        alarm = self.eval_timeout > 0 and threading.current_thread() is threading.main_thread()
        if alarm:
            def expired(signum, frame):
                where = f" of generation {generation}" if generation is not None else ""
                raise EvalTimeoutError(f"evaluation{where} took longer than --eval-timeout {self.eval_timeout:g} s "
                                       f"(a fitness that hangs?)")

            previous = signal.signal(signal.SIGALRM, expired)
            signal.setitimer(signal.ITIMER_REAL, self.eval_timeout)
        try:
            fitness, steps = self.task.evaluate(genomes, seeds)
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return np.asarray(fitness, dtype=np.float64), int(steps)
