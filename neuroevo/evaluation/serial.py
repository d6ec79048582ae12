"""The serial evaluator: the whole population in this process."""

from __future__ import annotations

import os
import signal
import sys
import threading

from typing import TYPE_CHECKING

import numpy as np

from neuroevo.errors import EvalTimeoutError
from neuroevo.evaluation.base import Evaluator
from neuroevo.evaluation.tasks import Task

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes

#: Seconds between two deadline exceptions once the deadline passed (a fitness may swallow one).
REPEAT = 0.1
#: Seconds after the deadline before the watchdog ends a process whose fitness does not let go.
GRACE = 5.0
#: Longest deadline armed (a year); a longer --eval-timeout is no limit in practice.
MAX_SECONDS = 365 * 86400.0


class _Deadline(BaseException):
    """Raised into the fitness at the deadline: a BaseException, so ``except Exception`` does not catch it."""


class SerialEvaluator(Evaluator):
    """Evaluates every genome in the calling process. A context manager, like every evaluator.

    Args:
        task: what is scored.
        eval_timeout: seconds one generation's evaluation may take (0: no limit). Enforced from the main
            thread only (elsewhere there is no limit), in two steps: at the deadline SIGALRM raises an
            exception that ``except Exception`` does not catch, again every :data:`REPEAT` s until the
            fitness lets it through (then :class:`EvalTimeoutError`); :data:`GRACE` s later, a fitness
            that swallowed every one (a bare ``except:`` in a loop) or a Numba function that never returns
            (compiled code runs no Python signal handler) is ended by a watchdog thread: it writes the
            error line to stderr and the log, and exits the process with status 2 (checkpoints are written
            atomically, so the last one is intact).
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

    def evaluate(self, genomes: Genomes, seeds: np.ndarray, generation: int | None = None) -> tuple[np.ndarray, int]:
        """``(fitness (P,) float64, env_steps)`` of ``genomes`` (P, n_params) on episode ``seeds`` (K,)."""
        if not (self.eval_timeout > 0 and threading.current_thread() is threading.main_thread()):
            fitness, steps = self.task.evaluate(genomes, seeds)
            return np.asarray(fitness, dtype=np.float64), int(steps)
        where = f" of generation {generation}" if generation is not None else ""
        message = f"evaluation{where} took longer than --eval-timeout {self.eval_timeout:g} s (a fitness that hangs?)"

        def expired(signum, frame):
            raise _Deadline

        seconds = min(self.eval_timeout, MAX_SECONDS)  # longer: no limit in practice (and no time_t overflow)
        done = threading.Event()
        watchdog = threading.Thread(target=_watchdog, args=(done, seconds + GRACE, message),
                                    name="neuroevo-eval-watchdog", daemon=True)
        previous = signal.signal(signal.SIGALRM, expired)
        try:
            try:
                watchdog.start()
                signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
                fitness, steps = self.task.evaluate(genomes, seeds)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                done.set()
        except _Deadline:
            raise EvalTimeoutError(message) from None
        return np.asarray(fitness, dtype=np.float64), int(steps)


def _watchdog(done: threading.Event, seconds: float, message: str) -> None:
    """End the process if ``done`` is not set within ``seconds``: the fitness ignored the deadline."""
    if done.wait(seconds):
        return
    import logging

    text = f"{message}; the fitness ignored the deadline for {GRACE:g} s more, so the process exits"
    logging.getLogger("neuroevo").error("run stopped: %s", text)
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:
            pass
    try:
        sys.stderr.write(f"neuroevo: error: {text}\n")
        sys.stderr.flush()
    finally:
        os._exit(2)
