"""What may change when a run is resumed: the diff between the run's config and the one asked for.

A resumed run must continue the same run. Only the settings in :data:`RESUMABLE` (how long, where and how
fast genomes are scored: one seed gives one run on every backend) may change, whether through a flag or by
editing ``config.toml``: the checkpoint records the config it was written with (covered by its SHA-256),
and an edit of any other setting in ``config.toml`` is refused like the same change given as a flag.
"""

from __future__ import annotations

from pathlib import Path

from neuroevo.config import Config, resolve
from neuroevo.errors import ConfigError

#: Settings that may change when a run is resumed; any other change is refused.
RESUMABLE = {("run", k) for k in ("generations", "target", "workers", "checkpoint_every", "watch",
                                   "watch_every", "out", "backend", "address", "eval_timeout", "max_retries",
                                   "nan_fitness")}


def _flag(key: str) -> str:
    return "--env-arg/--track" if key == "env_kwargs" else f"--{key.replace('_', '-')}"


def changes(before: Config, after: Config) -> list[tuple[str, str, object, object]]:
    """``(section, key, before, after)`` of every setting outside :data:`RESUMABLE` that differs."""
    a, b = before.to_dict(), after.to_dict()
    found = [(section, key, a.get(section, {}).get(key), value) for section, values in b.items()
             for key, value in values.items()
             if (section, key) not in RESUMABLE and value != a.get(section, {}).get(key)]
    return sorted(found, key=lambda c: c[0] not in a)  # a section the run did not have (another strategy's) last


def check_edits(folder: Path, on_disk: Config, recorded: dict | None) -> None:
    """Refuse a ``config.toml`` edited, outside :data:`RESUMABLE`, since the checkpoint was written."""
    if recorded is None:  # a checkpoint from before configs were recorded
        return
    try:
        run_config = resolve(base=recorded)
    except ConfigError as e:
        raise ConfigError(f"{folder / 'checkpoint.json'}: field 'config' is not a valid config: {e}") from None
    for section, key, used, edited in changes(run_config, on_disk):
        raise ConfigError(f"{folder / 'config.toml'} was edited: [{section}] {key} is {edited!r} but the run "
                          f"used {used!r}, and it cannot change when resuming; put it back, or start a new run "
                          f"with --out")


def check_flags(on_disk: Config, asked: Config) -> None:
    """Refuse a flag that changes a setting outside :data:`RESUMABLE`."""
    for _, key, used, _ in changes(on_disk, asked):
        raise ConfigError(f"{_flag(key)} cannot change when resuming (the run used {used!r}); start a new run "
                          f"with --out instead")


def check_out(folder: Path, flags: dict) -> None:
    """``--out`` with ``--resume`` must name the run's own folder (a resumed run stays where it is)."""
    out = (flags.get("run") or {}).get("out")
    if out and Path(out).resolve() != folder.resolve():
        raise ConfigError(f"--out {out} cannot be combined with --resume {folder}: a resumed run stays in its "
                          f"folder (copy the folder first to continue it elsewhere)")
