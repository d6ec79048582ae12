"""Progress display of a run: a rich progress bar on a terminal, one line per generation otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from neuroevo.callbacks import Callback, GenerationRecord


def format_stats(record: GenerationRecord, evals_per_s: float) -> str:
    return (f"best {record.best:10.3f}  mean {record.mean:10.3f}  std {record.std:9.3f}  "
            f"{evals_per_s:9,.0f} eval/s")


class ProgressBar(Callback):
    """Shows generation / total, best, mean and std fitness, and evaluations per second.

    Args:
        generations: total generations of the run.
        console: a rich Console (default: stderr).
    """

    def __init__(self, generations: int, console: Console | None = None):
        self.generations = int(generations)
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None

    def on_run_start(self, run) -> None:
        self._last = (time.perf_counter(), run.evaluations)
        if self.console.is_terminal:
            self._progress = Progress(TextColumn("generation"), MofNCompleteColumn(), BarColumn(),
                                      TimeElapsedColumn(), TextColumn("{task.fields[stats]}"),
                                      console=self.console, transient=False)
            self._progress.start()
            self._task = self._progress.add_task("", total=self.generations, completed=run.ga.generation,
                                                 stats="")

    def on_generation_end(self, record) -> None:
        now = time.perf_counter()
        rate = (record.evaluations - self._last[1]) / max(now - self._last[0], 1e-9)
        self._last = (now, record.evaluations)
        stats = format_stats(record, rate)
        if self._progress is not None:
            self._progress.update(self._task, completed=record.generation + 1, stats=stats)
        else:
            self.console.print(f"generation {record.generation + 1:>4}/{self.generations}  {stats}",
                               highlight=False, soft_wrap=True)

    def on_run_end(self, result) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
