"""The evaluator's life in a run: started interruptibly, guarded while it scores, always closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neuroevo.signals import SignalGuard

if TYPE_CHECKING:
    from neuroevo.evaluation.base import Evaluator
    from neuroevo.strategies.base import Genomes


class GuardedEvaluator:
    """Wraps the run's evaluator: makes its evaluation interruptible by the signal guard."""

    def __init__(self, inner: Evaluator, guard: SignalGuard):
        self.inner, self.guard = inner, guard

    def evaluate(self, genomes: Genomes, seeds: np.ndarray,
                 generation: int | None = None) -> tuple[np.ndarray, int]:
        self.guard.interruptible = True
        try:
            self.guard.check()
            return self.inner.evaluate(genomes, seeds, generation)
        finally:
            self.guard.interruptible = False


class Started:
    """``with Started(evaluator, guard):`` starts the evaluator's workers (interruptibly: a Ray cluster takes
    seconds) and closes them on the way out, whatever happens."""

    def __init__(self, evaluator: Evaluator, guard: SignalGuard):
        self.evaluator, self.guard = evaluator, guard

    def __enter__(self) -> Evaluator:
        self.guard.install()
        self.guard.interruptible = True
        try:
            self.guard.check()
            self.evaluator.__enter__()
        except BaseException:
            self.guard.interruptible = False
            self.evaluator.close()
            raise
        self.guard.interruptible = False
        self.guard.install()  # again: ray.init replaces the SIGTERM handler
        self.guard.check()
        return self.evaluator

    def __exit__(self, *exc: object) -> None:
        self.guard.interruptible = False
        self.evaluator.close()
