"""The evaluator's life in a run: started interruptibly, guarded while it scores, always closed."""

from __future__ import annotations

import signal

from neuroevo.evaluation.pool import EvalTimeoutError
from neuroevo.evaluation.serial import SerialEvaluator
from neuroevo.signals import SignalGuard


class GuardedEvaluator:
    """Wraps the run's evaluator: makes evaluation interruptible, passes the generation on, and puts the
    --eval-timeout on the serial evaluator (with SIGALRM; the pool and Ray time their workers)."""

    def __init__(self, inner, guard: SignalGuard, eval_timeout: float):
        self.inner, self.guard, self.eval_timeout = inner, guard, eval_timeout
        self.generation = None

    def evaluate(self, genomes, seeds, generation=None):
        self.generation = generation
        serial = isinstance(self.inner, SerialEvaluator)
        alarm = serial and self.eval_timeout > 0 and self.guard.installed  # signals: main thread only
        self.guard.interruptible = True
        try:
            self.guard.check()
            if alarm:
                signal.signal(signal.SIGALRM, self._alarm)
                signal.setitimer(signal.ITIMER_REAL, self.eval_timeout)
            return self.inner.evaluate(genomes, seeds, generation)
        finally:
            self.guard.interruptible = False
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, signal.SIG_DFL)

    def _alarm(self, signum, frame):
        raise EvalTimeoutError(f"evaluation of generation {self.generation} took longer than --eval-timeout "
                               f"{self.eval_timeout:g} s (a fitness that hangs?)")


class Started:
    """``with Started(evaluator, guard):`` starts the evaluator's workers (interruptibly: a Ray cluster takes
    seconds) and closes them on the way out, whatever happens."""

    def __init__(self, evaluator, guard: SignalGuard):
        self.evaluator, self.guard = evaluator, guard

    def __enter__(self):
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

    def __exit__(self, *exc) -> None:
        self.guard.interruptible = False
        self.evaluator.close()
