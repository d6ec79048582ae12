"""NEAT behind the Strategy seam: ``--algorithm neat``, TOML section ``[neat]``.

The ``[neat]`` table takes every neat-python key (flat: ``conn_add_prob = 0.3``, ``compatibility_threshold =
3.0``...) with the paper's settings as defaults (:func:`~neuroevo.strategies.neat.config.paper_config`), plus
``population`` (``--population``; neat-python's ``pop_size`` is the same) and ``neat_config``
(``--neat-config FILE``): a neat-python INI file read unchanged, whose keys replace every key the table and
flags leave at its default. The resolved keys are what a run folder's ``config.toml`` keeps, so a run resumes
without the INI file. The networks' inputs and outputs come from the task.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from neuroevo.errors import ConfigError
from neuroevo.settings import setting
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.neat.batch import NEATGenomes
from neuroevo.strategies.neat.config import NEATConfig, paper_config, read_ini
from neuroevo.strategies.neat.neat import NEAT

if TYPE_CHECKING:
    from neuroevo.config import Config

_PAPER = paper_config().to_flat()
_IO_KEYS = ("num_inputs", "num_outputs")


def _fields():
    out = [("population", int, setting(150, "genomes per generation (neat-python's pop_size)")),
           ("neat_config", str, setting("", "a neat-python config file (INI), read unchanged; its keys replace "
                                            "the [neat] defaults"))]
    base = NEATConfig()
    for attr in ("neat", "genome", "species", "stagnation", "reproduction"):
        for f in dataclasses.fields(getattr(base, attr)):
            if f.name in _IO_KEYS:
                continue
            default = 0 if f.name == "pop_size" else _PAPER[f.name]
            help_ = f.metadata["help"] if f.name != "pop_size" else "same as population (0: use population)"
            typ = f.type if not isinstance(f.type, str) else {"int": int, "float": float, "str": str,
                                                              "bool": bool}[f.type]
            out.append((f.name, typ, setting(default, help_, cli=False)))
    return out


def _validate(self: Any) -> None:
    if self.neat_config:
        ini = read_ini(self.neat_config).to_flat()
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for k, v in ini.items():
            if k in _IO_KEYS:
                if v:
                    setattr(self, "_io", {**getattr(self, "_io", {}), k: v})
                continue
            if k == "pop_size":
                if self.population == defaults["population"]:
                    self.population = v
                continue
            if k in defaults and getattr(self, k) == defaults[k]:
                setattr(self, k, v)
        self.neat_config = ""
    if self.pop_size:
        self.population = self.pop_size
    if self.population < 2:
        raise ConfigError(f"--population must be at least 2, got {self.population}")
    self.neat_config_object()


def _neat_config(self: Any) -> NEATConfig:
    """The :class:`NEATConfig` of these settings (ConfigError on a bad value, naming the key)."""
    flat = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("population",
                                                                                           "neat_config")}
    flat["pop_size"] = self.population
    flat.update(getattr(self, "_io", {}))
    return NEATConfig.from_flat(flat, source="[neat]")


#: A dataclass made from neat-python's key tables (its fields are generated, so type checkers see Any).
NEATSettings: Any = dataclasses.make_dataclass(
    "NEATSettings", _fields(),
    namespace={"__module__": __name__, "validate": _validate, "neat_config_object": _neat_config,
               "__doc__": "NEAT's settings: neat-python's keys (flat), population and neat_config."})


class NEATStrategy(Strategy):
    """NEAT (Stanley & Miikkulainen 2002) as a Strategy: genomes are :class:`NEATGenomes` batches.

    The networks' inputs and outputs are the spec's first and last sizes; a neat-python config's
    ``num_inputs`` / ``num_outputs`` must match them. Hidden layers of the spec are ignored: NEAT grows its own.
    """

    name, section = "neat", "neat"
    Config = NEATSettings
    genome_type = NEATGenomes

    def _setup(self, rng):
        cfg = self.config.neat_config_object()
        n_in, n_out = int(self.spec.sizes[0]), int(self.spec.sizes[-1])
        for key, want in (("num_inputs", n_in), ("num_outputs", n_out)):
            given = getattr(cfg.genome, key)
            if given and given != want:
                raise ConfigError(f"{key} = {given} in the NEAT config, but the task's networks have {want}")
        cfg.genome.num_inputs, cfg.genome.num_outputs = n_in, n_out
        self.neat = NEAT(cfg, self.seed)
        self.best_genome = self._ask(rng)[0:1]

    @property
    def fitness_threshold(self) -> float:
        """neat-python's fitness_threshold (nan when none or no_fitness_termination)."""
        t = self.config.fitness_threshold
        return math.nan if self.config.no_fitness_termination or not math.isfinite(t) else float(t)

    def species_sizes(self) -> list[dict[int, int]]:
        """{species id: size} of every evaluated generation."""
        return list(self.neat.species_history)

    def _ask(self, rng):
        return NEATGenomes(self.neat.population, self.neat.n_in, self.neat.n_out, self.neat.recurrent)

    def _tell(self, genomes, fitness, rng):
        self.neat.tell(fitness, rng)

    def _state(self):
        arrays, meta = self.neat.state()
        return {f"neat.{k}": v for k, v in arrays.items()}, meta

    def _restore(self, arrays, state):
        try:
            self.neat.restore({k.partition(".")[2]: v for k, v in arrays.items() if k.startswith("neat.")}, state)
        except Exception as e:
            raise ValueError(str(e)) from None


def _complete(self: Any, config: Config) -> None:
    """Fill what a neat-python file says about the run: a user fitness's inputs and outputs (num_inputs,
    num_outputs) when the command line gives no network size, and the target (fitness_threshold) when none."""
    t, io = config.task, getattr(self, "_io", {})
    if t.fitness and not t.network and not (t.inputs or t.outputs) and io:
        t.inputs, t.outputs = int(io.get("num_inputs", 0)), int(io.get("num_outputs", 0))
    if math.isnan(config.run.target) and not self.no_fitness_termination and math.isfinite(self.fitness_threshold):
        config.run.target = float(self.fitness_threshold)


NEATSettings.complete = _complete
