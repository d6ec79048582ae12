"""Progress display: a rich progress bar on a terminal, plain lines otherwise (logs, CI, pipes)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from neuroevo.callbacks import Callback, GenerationRecord

if TYPE_CHECKING:
    from neuroevo.population import Population, RunResult


class Bar:
    """A progress bar over ``total`` units labelled ``label``, with a free text of statistics.

    On a terminal it is a live rich bar; elsewhere :meth:`update` prints one line when ``line`` is True.
    """

    def __init__(self, label: str, total: int, completed: int = 0, console: Console | None = None):
        self.label, self.total = label, int(total)
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        if self.console.is_terminal:
            self._progress = Progress(TextColumn(label), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
                                      TextColumn("{task.fields[stats]}"), console=self.console)
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total, completed=completed, stats="")

    def update(self, completed: int, stats: str, line: bool = True) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, stats=stats)
        elif line:
            width = len(f"{self.total:,}")
            self.console.print(f"{self.label} {completed:>{width},}/{self.total:,}  {stats}", highlight=False,
                               soft_wrap=True)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def format_stats(record: GenerationRecord, evals_per_s: float) -> str:
    """One line of a generation's fitness statistics and the evaluation rate (genomes per second)."""
    return (f"best {record.best:10.3f}  mean {record.mean:10.3f}  std {record.std:9.3f}  "
            f"{evals_per_s:9,.0f} eval/s")


class ProgressBar(Callback):
    """Shows generation / total, best, mean and std fitness, and evaluations per second.

    Args:
        generations: total generations of the run.
        console: a rich Console (default: stderr).
    """

    def __init__(self, generations: int, console: Console | None = None):
        self.generations, self.console = int(generations), console
        self._bar: Bar | None = None

    def on_run_start(self, run: Population) -> None:
        self._last = (time.perf_counter(), run.evaluations)
        self._bar = Bar("generation", self.generations, run.strategy.generation, self.console)

    def on_generation_end(self, record: GenerationRecord) -> None:
        now = time.perf_counter()
        rate = (record.evaluations - self._last[1]) / max(now - self._last[0], 1e-9)
        self._last = (now, record.evaluations)
        if self._bar is not None:  # always set by on_run_start
            self._bar.update(record.generation, format_stats(record, rate))

    def on_run_end(self, result: RunResult) -> None:
        if self._bar is not None:
            self._bar.stop()
