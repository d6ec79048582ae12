"""Run configuration: one dataclass per component, read from TOML and CLI flags, written back resolved.

Precedence: dataclass defaults < the env's built-in defaults (a game's ``DEFAULT_CONFIG``) < TOML file <
CLI flags. TOML sections are ``[task]``, ``[network]``, one per search strategy (``[ga]``, ``[cosyne]``,
``[cmaes]`` (also read by sep-cmaes), ``[openai-es]``: see ``neuroevo.strategies.registry``) and ``[run]``;
the keys are the field names, and each CLI flag is its key with dashes (``mutation_rate`` ->
``--mutation-rate``). A strategy's flags (``--population``, ``--sigma``...) set the section of the strategy
chosen with ``--algorithm`` (``run.algorithm``); only that section is written to a run's ``config.toml``.
Unknown sections or keys are an error (neat-python's config does the same). Each field's ``help`` drives
``--help``.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a dependency there)
    import tomli as tomllib

from neuroevo.errors import ConfigError
from neuroevo.network import ACTIVATIONS
from neuroevo.networks.spec import DTYPES
from neuroevo.settings import setting
from neuroevo.strategies.registry import SECTIONS as STRATEGY_SECTIONS
from neuroevo.strategies.registry import STRATEGIES, attribute, section_of
from neuroevo.strategies.ga import GAConfig

__all__ = ["Config", "GAConfig", "NetworkConfig", "RunConfig", "TaskConfig", "resolve", "setting"]


@dataclass
class TaskConfig:
    """What is scored."""

    env: str = setting("CartPole-v1", "Gymnasium env id or alias (cartpole, flappy, car) to evolve on")
    env_kwargs: dict = setting({}, "keyword arguments for gymnasium.make (TOML table)", cli=False)
    fitness: str = setting("", "user fitness MODULE:FN or path/to/file.py:FN (replaces --env)")
    network: list = setting([], "full layer sizes for a user fitness, e.g. 2,8,1")
    inputs: int = setting(0, "number of network inputs for a user fitness (with --outputs and --hidden)")
    outputs: int = setting(0, "number of network outputs for a user fitness")
    episodes: int = setting(5, "episodes per genome per generation (fitness = mean return)")

    def validate(self) -> None:
        _positive(self, "episodes")
        if self.episodes > MAX_EPISODES:
            raise ConfigError(f"--episodes must be at most {MAX_EPISODES:,}, got {self.episodes}")
        if self.fitness and ":" not in self.fitness:
            raise ConfigError(f"--fitness must be MODULE:FN or path/to/file.py:FN, got {self.fitness!r}")
        if self.fitness and not (self.network or (self.inputs > 0 and self.outputs > 0)):
            raise ConfigError("a user fitness needs the network size: --network 2,8,1 or --inputs N --outputs M")
        if self.network and (len(self.network) < 2 or min(self.network) < 1):
            raise ConfigError(f"--network needs two or more positive sizes, got {self.network}")
        if self.network and (self.inputs or self.outputs):
            raise ConfigError("give either --network (every layer size) or --inputs/--outputs, not both")


@dataclass
class NetworkConfig:
    """Hidden layers of the evolved networks (inputs and outputs come from the task)."""

    hidden: list = setting([16], "hidden layer sizes, e.g. 16,16 (empty: no hidden layer)")
    activation: str = setting("tanh", f"hidden activation: {', '.join(ACTIVATIONS)}")
    output_activation: str = setting("auto", "output activation (auto: tanh for Box actions, else linear)")
    recurrent: bool = setting(False, "make every hidden layer an Elman recurrent layer (memory over an episode)")
    recurrent_layers: list = setting([], "per hidden layer 1 (Elman recurrent) or 0 (feed-forward), e.g. 1,0")
    dtype: str = setting("float64", "precision of the forward pass: float64, or float32 (about 2x the agents "
                                    "per second in the kernels; genomes stay float64 on disk)")

    def validate(self) -> None:
        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"--hidden sizes must be positive, got {self.hidden}")
        if self.recurrent_layers and (len(self.recurrent_layers) != len(self.hidden)
                                      or not set(self.recurrent_layers) <= {0, 1}):
            raise ConfigError(f"recurrent_layers needs one 0 or 1 per hidden layer ({len(self.hidden)}), "
                              f"got {self.recurrent_layers}")
        if self.recurrent_layers and self.recurrent:
            raise ConfigError("give either recurrent = true (every hidden layer) or recurrent_layers, not both")
        if self.dtype not in DTYPES:
            raise ConfigError(f"unknown --dtype {self.dtype!r}; choose from {', '.join(DTYPES)}")
        for key in ("activation", "output_activation"):
            v = getattr(self, key)
            if v not in ACTIVATIONS and not (key == "output_activation" and v == "auto"):
                raise ConfigError(f"unknown {key} {v!r}; choose from {', '.join(ACTIVATIONS)}")


    def recurrent_flags(self) -> tuple[bool, ...]:
        """One flag per hidden layer: True for an Elman recurrent layer."""
        if self.recurrent_layers:
            return tuple(bool(r) for r in self.recurrent_layers)
        return (bool(self.recurrent),) * len(self.hidden)


@dataclass
class RunConfig:
    """How long, where, and with how many workers."""

    algorithm: str = setting("ga", f"search strategy: {', '.join(STRATEGIES)} (its settings: the strategy's "
                                   f"section below)")
    generations: int = setting(100, "maximum number of generations")
    seed: int = setting(0, "random seed: one seed gives one result, whatever the workers")
    target: float = setting(math.nan, "stop when a generation's best fitness reaches this (nan: never)")
    workers: int = setting(0, "worker processes (0: one per core, 1: serial in this process)")
    out: str = setting("", "run folder (default: runs/<env>-seed<seed>)")
    checkpoint_every: int = setting(1, "write a checkpoint every N generations")
    watch: bool = setting(False, "show every --watch-every-th generation live in a pygame window")
    watch_every: int = setting(5, "generations between live views")
    backend: str = setting("auto", "where genomes are scored: serial, process (forked workers), ray (a Ray cluster), "
                              "auto (serial for --workers 1, else process)")
    address: str = setting("", "Ray cluster to join with --backend ray: auto or HOST:PORT (empty: start a local one)")
    eval_timeout: float = setting(0.0, "seconds one generation's evaluation may take before it is stopped as hung "
                                  "(0: no limit)")
    max_retries: int = setting(2, "times a chunk of genomes is retried after its worker process died")
    nan_fitness: str = setting("error", "a NaN or infinite fitness: error (stop the run) or worst (rank it below "
                                   "every finite fitness)")

    def validate(self) -> None:
        for key in ("generations", "checkpoint_every", "watch_every"):
            _positive(self, key)
        if self.seed < 0:
            raise ConfigError(f"--seed must be >= 0, got {self.seed}")
        if not 0 <= self.workers <= MAX_WORKERS:
            raise ConfigError(f"--workers must be in [0, {MAX_WORKERS}], got {self.workers}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown --backend {self.backend!r}; choose from {', '.join(BACKENDS)}")
        if self.address and self.backend != "ray":
            raise ConfigError(f"--address {self.address} needs --backend ray (got --backend {self.backend})")
        if self.address:
            from neuroevo.evaluation.ray_address import parse_address

            parse_address(self.address)
        if not (self.eval_timeout >= 0 and math.isfinite(self.eval_timeout)):
            raise ConfigError(f"--eval-timeout must be a number of seconds >= 0, got {self.eval_timeout}")
        if self.max_retries < 0:
            raise ConfigError(f"--max-retries must be >= 0, got {self.max_retries}")
        if self.nan_fitness not in ("error", "worst"):
            raise ConfigError(f"--nan-fitness must be error or worst, got {self.nan_fitness!r}")
        section_of(self.algorithm)  # an unknown strategy: one line naming the known ones


#: Values of ``--backend``.
BACKENDS = ("auto", "serial", "process", "ray")


#: Upper bound of --episodes (episode seeds are drawn as one array per generation).
MAX_EPISODES = 1_000_000

#: Upper bound of --workers (a typo like 99999 would fork until the machine runs out of memory).
MAX_WORKERS = 1024

#: TOML section -> config dataclass. A strategy's section is the Config attribute ``attribute(section)``.
SECTIONS = {"task": TaskConfig, "network": NetworkConfig, **STRATEGY_SECTIONS, "run": RunConfig}


def _config_fields() -> list[tuple[str, type, Any]]:
    return [(attribute(name), cls, field(default_factory=cls)) for name, cls in SECTIONS.items()]


def _validate(self: Config) -> Config:
    strategy = self.strategy
    strategy.validate()
    if hasattr(strategy, "complete"):  # a strategy may fill task/run defaults (NEAT: a neat-python file's sizes)
        strategy.complete(self)
    for name in SECTIONS:
        getattr(self, attribute(name)).validate()
    return self


def _to_dict(self: Config) -> dict:
    """Plain dict of the sections of the run: task, network, the chosen strategy's section, run (NaN target
    left out, so the TOML stays portable)."""
    chosen = section_of(self.run.algorithm)
    d = {name: dataclasses.asdict(getattr(self, attribute(name))) for name in SECTIONS
         if name not in STRATEGY_SECTIONS or name == chosen}
    if math.isnan(d["run"]["target"]):
        del d["run"]["target"]
    return d


def _strategy(self: Config) -> Any:
    """The config dataclass of the chosen strategy (``run.algorithm``)."""
    return getattr(self, attribute(section_of(self.run.algorithm)))


if TYPE_CHECKING:
    class Config:
        """What type checkers see of the dataclass made below (its sections come from the registry)."""

        task: TaskConfig
        network: NetworkConfig
        run: RunConfig
        ga: GAConfig

        def __init__(self, **sections: Any) -> None: ...
        def validate(self) -> Config: ...
        def to_dict(self) -> dict: ...
        def to_toml(self) -> str: ...
        @property
        def strategy(self) -> Any: ...
        def __getattr__(self, section: str) -> Any: ...  # the other strategies' sections (cosyne, cmaes...)
else:
    #: The whole configuration of a run: one attribute per section (``config.task``, ``config.ga``,
    #: ``config.openai_es``, ``config.run``...); ``config.strategy`` is the chosen strategy's section.
    Config = dataclasses.make_dataclass(
        "Config", _config_fields(),
        namespace={"__module__": __name__, "validate": _validate, "to_dict": _to_dict,
                   "strategy": property(_strategy), "to_toml": lambda self: tomli_w.dumps(self.to_dict()),
                   "__doc__": "The whole configuration of a run: one attribute per TOML section."})


def _positive(obj: object, key: str) -> None:
    if getattr(obj, key) < 1:
        raise ConfigError(f"--{key.replace('_', '-')} must be at least 1, got {getattr(obj, key)}")


def coerce(where: str, value: Any, typ: str) -> Any:
    """``value`` converted to a config field's type (``field_type``), or a ConfigError naming ``where``.

    Strings from the command line are parsed ("16,16" for a list, "true"/"false" for a bool); a single
    integer becomes a one-element list; a float that is not whole is not an integer.
    """
    try:
        if typ == "list":
            if isinstance(value, int) and not isinstance(value, bool):
                value = [value]
            if isinstance(value, str):
                value = [int(v) for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                      for v in value):
                raise ValueError
            return list(value)
        if typ == "dict":
            if not isinstance(value, dict):
                raise ValueError
            return dict(value)
        if typ == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise ValueError
            return value
        if typ == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if typ == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be {_KIND[typ]}, got {value!r}") from None


_KIND = {"list": "a list of integers (e.g. 16,16)", "dict": "a table", "bool": "true or false",
         "int": "an integer", "float": "a number", "str": "a string"}


def field_type(f: dataclasses.Field) -> str:
    return f.type if isinstance(f.type, str) else f.type.__name__


def apply(config: Config, overrides: dict, source: str) -> Config:
    """Apply ``{section: {key: value}}`` to ``config`` in place; unknown names raise ConfigError."""
    for section, values in overrides.items():
        if section not in SECTIONS:
            raise ConfigError(f"unknown section [{section}] in {source}; expected one of "
                              f"{', '.join(f'[{s}]' for s in SECTIONS)}")
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] in {source} must be a table")
        obj = getattr(config, attribute(section))
        known = {f.name: f for f in fields(obj)}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"unknown key {key!r} in [{section}] of {source}; known keys: "
                                  f"{', '.join(known)}")
            setattr(obj, key, coerce(f"[{section}] {key}", value, field_type(known[key])))
    return config


def read_toml(path: str | Path) -> dict:
    """Parse a TOML file; a missing or malformed file raises ConfigError with the line."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p} is not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p} is not a text file") from None
    except RecursionError:
        raise ConfigError(f"{p} is nested too deeply to be a neuroevo config") from None
    except OSError as e:
        raise ConfigError(f"cannot read {p}: {e.strerror or e}") from None


def env_defaults(env_id: str) -> dict:
    """The built-in defaults of an env (see ``registry.DEFAULT_CONFIGS``), or {} for other envs."""
    from neuroevo.evaluation.registry import DEFAULT_CONFIGS

    module, _, name = DEFAULT_CONFIGS.get(env_id, "").partition(":")
    if not module:
        return {}
    try:
        return getattr(importlib.import_module(module), name, {})
    except ImportError:
        return {}


def _strategy_flags(flags: dict, file: dict, base: dict | None) -> dict:
    """``flags`` with its ``"strategy"`` pseudo-section moved to the chosen strategy's section."""
    values = flags.pop("strategy", None)
    if not values:
        return flags
    algorithm = next((src["run"]["algorithm"] for src in (flags, file, base or {})
                      if isinstance(src.get("run"), dict) and "algorithm" in src["run"]), "ga")
    section = section_of(algorithm)
    known = [f.name for f in fields(SECTIONS[section])]
    for key in values:
        if key not in known:
            raise ConfigError(f"--{key.replace('_', '-')} does not apply to --algorithm {algorithm}; its settings: "
                              f"{', '.join('--' + k.replace('_', '-') for k in known)}")
    return {**flags, section: {**flags.get(section, {}), **values}}


def resolve(toml_path: str | None = None, flags: dict | None = None, base: dict | None = None) -> Config:
    """Build and validate a Config from defaults, the env's defaults, a TOML file and CLI flags.

    Args:
        toml_path: optional TOML file.
        flags: ``{section: {key: value}}`` from the command line (only the flags given); the pseudo-section
            ``"strategy"`` goes to the section of the chosen ``--algorithm``.
        base: a resolved config dict to start from instead of the defaults (resume).

    Raises:
        ConfigError: on a missing or malformed file, an unknown key or an invalid value.
    """
    from neuroevo.evaluation.registry import resolve_env_id

    file = read_toml(toml_path) if toml_path else {}
    flags = _strategy_flags(dict(flags or {}), file, base)
    probe = apply(apply(Config(), file, str(toml_path)), flags, "the command line")  # names checked here
    config = Config()
    if base is not None:
        apply(config, base, "the run's config.toml")
    elif not probe.task.fitness:  # a user fitness takes no env defaults
        apply(config, env_defaults(resolve_env_id(probe.task.env)), f"the defaults of {probe.task.env}")
    apply(config, file, str(toml_path))
    apply(config, flags, "the command line")
    given = {k for src in (file, flags) for k in src.get("network", {})}
    if config.task.network and "hidden" in given:
        raise ConfigError("--network gives every layer size; drop --hidden (or use --inputs/--outputs with it)")
    return config.validate()
