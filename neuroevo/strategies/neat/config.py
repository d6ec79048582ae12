"""NEAT's parameters, under neat-python's key names, read from a neat-python INI file or a TOML table.

Every key keeps the name and meaning it has in neat-python 2.x (``config.py``, ``genome.py``, ``genes.py``,
``attributes.py``, ``species.py``, ``stagnation.py``, ``reproduction.py``), so a neat-python config file
runs unchanged: ``read_ini(path)`` reads its five sections ``[NEAT]``, ``[DefaultGenome]``,
``[DefaultSpeciesSet]``, ``[DefaultStagnation]`` and ``[DefaultReproduction]``, maps every key it supports and
refuses any other key (or a value it does not support) in one line naming the key. In neuroevo's TOML the
same keys go, flat, in one ``[neat]`` table (every key name is unique across the five sections).

A few keys are neuroevo's own (marked "neuroevo" in their help): ``compatibility_mode`` (the paper's distance
or neat-python's) and ``crossover_prob`` (the paper's 25% of offspring made by mutation alone).
:func:`paper_config` gives the settings of Stanley & Miikkulainen (2002), section 4.1 (XOR).
"""

from __future__ import annotations

import configparser
import dataclasses
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from neuroevo.settings import setting
from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS

INITIAL_CONNECTIONS = ("unconnected", "fs_neat_nohidden", "fs_neat", "fs_neat_hidden", "full_nodirect", "full",
                       "full_direct", "partial_nodirect", "partial", "partial_direct")
SPECIES_FITNESS_FUNCS = ("max", "min", "mean", "median", "median2")
_TRUE, _FALSE = ("1", "on", "yes", "true"), ("0", "off", "no", "false")


def _float_attr(name: str, init_mean: float, init_stdev: float, mutate_rate: float, mutate_power: float,
                replace_rate: float, lo: float = -30.0, hi: float = 30.0) -> dict[str, tuple[type, Any]]:
    """The eight neat-python keys of a float gene attribute (``FloatAttribute``) as dataclass fields."""
    return {
        f"{name}_init_mean": (float, setting(init_mean, f"mean of a new {name} (gaussian) or centre (uniform)")),
        f"{name}_init_stdev": (float, setting(init_stdev, f"stdev of a new {name} (uniform: half-width / 2)")),
        f"{name}_init_type": (str, setting("gaussian", f"distribution of a new {name}: gaussian or uniform")),
        f"{name}_mutate_rate": (float, setting(mutate_rate, f"probability that a {name} is perturbed")),
        f"{name}_mutate_power": (float, setting(mutate_power, f"stdev of a {name} perturbation (gaussian)")),
        f"{name}_replace_rate": (float, setting(replace_rate, f"probability that a {name} is drawn anew")),
        f"{name}_min_value": (float, setting(lo, f"lowest {name} (values are clamped)")),
        f"{name}_max_value": (float, setting(hi, f"highest {name} (values are clamped)")),
    }


if TYPE_CHECKING:
    class _Section:
        """A section dataclass made by :func:`_make_section`, as a type checker sees it: its fields are generated
        from the key tables, so they are typed Any."""

        __dataclass_fields__: ClassVar[dict[str, Any]]

        def __init__(self, **values: Any) -> None: ...

        def __getattr__(self, key: str) -> Any: ...

        def __setattr__(self, key: str, value: Any) -> None: ...


def _make_section(cls_name: str, doc: str, spec: dict) -> type[_Section]:
    ns = {"__annotations__": {k: t for k, (t, _) in spec.items()}, "__doc__": doc}
    ns.update({k: f for k, (_, f) in spec.items()})
    return dataclass(type(cls_name, (), ns))


NEATSection = _make_section("NEATSection", "[NEAT]: population and termination.", {
    "pop_size": (int, setting(150, "genomes per generation")),
    "fitness_criterion": (str, setting("max", "what is compared with fitness_threshold: max (only max: fitness "
                                              "is maximised)")),
    "fitness_threshold": (float, setting(math.inf, "stop when the best fitness of a generation reaches this")),
    "reset_on_extinction": (bool, setting(False, "start a new population when every species went extinct "
                                                 "(False: the run stops with an error)")),
    "no_fitness_termination": (bool, setting(False, "ignore fitness_threshold (run every generation)")),
    "seed": (int, setting(-1, "run seed when the command line gives none (-1: none)")),
})

GenomeSection = _make_section("GenomeSection", "[DefaultGenome]: genes, mutation and compatibility distance.", {
    "num_inputs": (int, setting(0, "network inputs (0: from the task)")),
    "num_outputs": (int, setting(0, "network outputs (0: from the task)")),
    "num_hidden": (int, setting(0, "hidden nodes of the first genomes")),
    "feed_forward": (bool, setting(True, "no recurrent connections (False: recurrent, one step per activation)")),
    "initial_connection": (str, setting("full_direct", f"first genomes' connections: {', '.join(INITIAL_CONNECTIONS)}"
                                                       " (partial*: followed by a fraction)")),
    "compatibility_disjoint_coefficient": (float, setting(1.0, "c2: weight of disjoint genes in the distance")),
    "compatibility_excess_coefficient": (str, setting("auto", "c1: weight of excess genes (auto: c2)")),
    "compatibility_weight_coefficient": (float, setting(0.5, "c3: weight of attribute differences")),
    "compatibility_include_node_genes": (bool, setting(True, "node genes count in the distance (neat-python mode)")),
    "compatibility_enable_penalty": (float, setting(1.0, "distance added by a matching connection enabled in one "
                                                         "genome only (neat-python mode)")),
    "compatibility_mode": (str, setting("neat-python", "neuroevo: distance formula, neat-python (genome.py) or "
                                                        "paper (c1*E/N + c2*D/N + c3*mean weight difference)")),
    "mutation_mode": (str, setting("neat-python", "neuroevo: neat-python (every structural mutation by its own "
                                                  "probability, then every gene) or paper (add-node, else "
                                                  "add-connection, else the genes)")),
    "weight_mutate_genome_prob": (float, setting(0.8, "neuroevo: in mutation_mode paper, probability that an "
                                                      "offspring's genes are mutated")),
    "conn_add_prob": (float, setting(0.5, "probability of an add-connection mutation")),
    "conn_delete_prob": (float, setting(0.5, "probability of a delete-connection mutation")),
    "node_add_prob": (float, setting(0.2, "probability of an add-node mutation")),
    "node_delete_prob": (float, setting(0.2, "probability of a delete-node mutation")),
    "single_structural_mutation": (bool, setting(False, "at most one structural mutation per offspring")),
    "structural_mutation_surer": (str, setting("default", "a failed structural mutation does another "
                                                          "(true, false, default: single_structural_mutation)")),
    **_float_attr("bias", 0.0, 1.0, 0.7, 0.5, 0.1),
    **_float_attr("response", 1.0, 0.0, 0.0, 0.0, 0.0),
    **_float_attr("weight", 0.0, 1.0, 0.8, 0.5, 0.1),
    "enabled_default": (str, setting("True", "whether a new connection is enabled (True, False, random)")),
    "enabled_mutate_rate": (float, setting(0.01, "probability that a connection's enabled flag is drawn anew")),
    "enabled_rate_to_true_add": (float, setting(0.0, "extra enabled_mutate_rate for disabled connections")),
    "enabled_rate_to_false_add": (float, setting(0.0, "extra enabled_mutate_rate for enabled connections")),
    "activation_default": (str, setting("sigmoid", "activation of a new node (random: one of the options)")),
    "activation_options": (str, setting("sigmoid", f"activations a mutation may choose: {' '.join(ACTIVATIONS)}")),
    "activation_mutate_rate": (float, setting(0.0, "probability that a node's activation is drawn anew")),
    "aggregation_default": (str, setting("sum", "aggregation of a new node (random: one of the options)")),
    "aggregation_options": (str, setting("sum", f"aggregations a mutation may choose: {' '.join(AGGREGATIONS)}")),
    "aggregation_mutate_rate": (float, setting(0.0, "probability that a node's aggregation is drawn anew")),
})

SpeciesSection = _make_section("SpeciesSection", "[DefaultSpeciesSet]: speciation.", {
    "compatibility_threshold": (float, setting(3.0, "genomes closer than this to a representative join its species")),
    "target_num_species": (str, setting("none", "adjust the threshold each generation toward this many species "
                                                "(none: fixed threshold)")),
    "threshold_adjust_rate": (float, setting(0.1, "threshold step of that adjustment")),
    "threshold_min": (float, setting(0.1, "lowest adjusted threshold")),
    "threshold_max": (float, setting(100.0, "highest adjusted threshold")),
})

StagnationSection = _make_section("StagnationSection", "[DefaultStagnation]: removal of species that stop improving.", {
    "species_fitness_func": (str, setting("mean", f"a species' fitness: {', '.join(SPECIES_FITNESS_FUNCS)}")),
    "max_stagnation": (int, setting(15, "generations without improvement after which a species is removed")),
    "species_elitism": (int, setting(0, "the best this many species are never removed as stagnant")),
})

ReproductionSection = _make_section("ReproductionSection", "[DefaultReproduction]: offspring.", {
    "elitism": (int, setting(0, "best genomes of each species copied unchanged")),
    "survival_threshold": (float, setting(0.2, "fraction of each species (best first) allowed to be parents")),
    "min_species_size": (int, setting(1, "fewest offspring of a surviving species")),
    "fitness_sharing": (str, setting("normalized", "adjusted fitness of a species: normalized (neat-python: "
                                                   "(mean - min) / range) or canonical (the paper: mean fitness)")),
    "spawn_method": (str, setting("smoothed", "offspring per species: smoothed (neat-python: halfway from the "
                                              "previous size) or proportional (the paper)")),
    "interspecies_crossover_prob": (float, setting(0.0, "probability that the second parent comes from another "
                                                        "species")),
    "crossover_prob": (float, setting(1.0, "neuroevo: probability that an offspring is made by crossover (else by "
                                           "mutating a copy of one parent; the paper: 0.75)")),
})

#: INI section name -> (attribute of NEATConfig, section dataclass).
SECTIONS = {"NEAT": ("neat", NEATSection), "DefaultGenome": ("genome", GenomeSection),
            "DefaultSpeciesSet": ("species", SpeciesSection), "DefaultStagnation": ("stagnation", StagnationSection),
            "DefaultReproduction": ("reproduction", ReproductionSection)}

#: neat-python keys accepted only at values that change nothing here (CTRNN time constants).
_INERT = {"time_constant_init_mean": None, "time_constant_init_stdev": 0.0, "time_constant_init_type": None,
          "time_constant_mutate_rate": 0.0, "time_constant_mutate_power": None, "time_constant_replace_rate": 0.0,
          "time_constant_min_value": None, "time_constant_max_value": None}


@dataclass
class NEATConfig:
    """All NEAT parameters, grouped as neat-python's INI sections (attribute ``neat`` is ``[NEAT]``, ...)."""

    neat: _Section = dataclasses.field(default_factory=NEATSection)  # sections made by _make_section
    genome: _Section = dataclasses.field(default_factory=GenomeSection)
    species: _Section = dataclasses.field(default_factory=SpeciesSection)
    stagnation: _Section = dataclasses.field(default_factory=StagnationSection)
    reproduction: _Section = dataclasses.field(default_factory=ReproductionSection)

    # ---- derived values used by the algorithm ----
    @property
    def excess_coefficient(self) -> float:
        c = self.genome.compatibility_excess_coefficient
        return self.genome.compatibility_disjoint_coefficient if c == "auto" else float(c)

    @property
    def target_species(self) -> int | None:
        t = self.species.target_num_species
        return None if t.lower() == "none" else int(t)

    @property
    def connection_fraction(self) -> float:
        parts = self.genome.initial_connection.split()
        return float(parts[1]) if len(parts) > 1 else 1.0

    @property
    def initial_connection_kind(self) -> str:
        return self.genome.initial_connection.split()[0]

    @property
    def structural_surer(self) -> bool:
        s = self.genome.structural_mutation_surer.lower()
        return self.genome.single_structural_mutation if s == "default" else s in _TRUE

    def activation_options(self) -> list[str]:
        return self.genome.activation_options.split()

    def aggregation_options(self) -> list[str]:
        return self.genome.aggregation_options.split()

    # ---- (de)serialisation ----
    def to_flat(self) -> dict:
        """``{key: value}`` over every section (the TOML ``[neat]`` table)."""
        return {k: v for attr, _ in SECTIONS.values() for k, v in dataclasses.asdict(getattr(self, attr)).items()}

    @classmethod
    def from_flat(cls, values: dict, source: str = "[neat]", base: "NEATConfig | None" = None) -> "NEATConfig":
        """A config from ``{key: value}`` (TOML types or INI strings) over ``base`` (default: neat-python's)."""
        config = dataclasses.replace(base) if base is not None else cls()
        config = cls(**{attr: dataclasses.replace(getattr(config, attr)) for attr, _ in SECTIONS.values()})
        owner = {f.name: (attr, f) for attr, sec in SECTIONS.values() for f in fields(sec)}
        for key, value in values.items():
            if key in _INERT:
                _check_inert(key, value, source)
                continue
            if key not in owner:
                raise ConfigError(f"unsupported NEAT key {key!r} in {source} (neuroevo's NEAT has no such option; "
                                  f"see `neuroevo evolve --algorithm neat --help`)")
            attr, f = owner[key]
            setattr(getattr(config, attr), key, _coerce(key, value, f.type, source))
        return config.validate(source)

    def validate(self, source: str = "the NEAT config") -> "NEATConfig":
        """Check every value; raises ConfigError naming the first bad key."""
        n, g, s, st, r = self.neat, self.genome, self.species, self.stagnation, self.reproduction
        _need(n.pop_size >= 2, "pop_size", n.pop_size, "at least 2", source)
        _need(n.fitness_criterion == "max", "fitness_criterion", n.fitness_criterion,
              "max (neuroevo maximises the fitness; negate a cost instead)", source)
        _need(not math.isnan(n.fitness_threshold), "fitness_threshold", n.fitness_threshold, "a number", source)
        _need(g.num_inputs >= 0 and g.num_outputs >= 0 and g.num_hidden >= 0, "num_inputs/num_outputs/num_hidden",
              (g.num_inputs, g.num_outputs, g.num_hidden), ">= 0", source)
        kind = self.initial_connection_kind
        _need(kind in INITIAL_CONNECTIONS, "initial_connection", g.initial_connection,
              f"one of {', '.join(INITIAL_CONNECTIONS)}", source)
        _need(("partial" in kind) == (len(g.initial_connection.split()) == 2), "initial_connection",
              g.initial_connection, "partial* followed by a fraction (e.g. 'partial_direct 0.5'), others alone",
              source)
        _need(0.0 <= self.connection_fraction <= 1.0, "initial_connection", g.initial_connection,
              "a fraction in [0, 1]", source)
        _need(g.mutation_mode in ("neat-python", "paper"), "mutation_mode", g.mutation_mode,
              "neat-python or paper", source)
        _need(0.0 <= g.weight_mutate_genome_prob <= 1.0, "weight_mutate_genome_prob", g.weight_mutate_genome_prob,
              "in [0, 1]", source)
        _need(g.compatibility_mode in ("neat-python", "paper"), "compatibility_mode", g.compatibility_mode,
              "neat-python or paper", source)
        if g.compatibility_excess_coefficient != "auto":
            try:
                float(g.compatibility_excess_coefficient)
            except ValueError:
                _need(False, "compatibility_excess_coefficient", g.compatibility_excess_coefficient,
                      "auto or a number", source)
        _need(g.structural_mutation_surer.lower() in ("default",) + _TRUE + _FALSE, "structural_mutation_surer",
              g.structural_mutation_surer, "true, false or default", source)
        for name in ("bias", "response", "weight"):
            _need(getattr(g, f"{name}_min_value") <= getattr(g, f"{name}_max_value"), f"{name}_min_value",
                  getattr(g, f"{name}_min_value"), f"<= {name}_max_value", source)
            it = getattr(g, f"{name}_init_type").lower()
            _need("gauss" in it or "normal" in it or "uniform" in it, f"{name}_init_type", it,
                  "gaussian or uniform", source)
        _need(g.enabled_default.lower() in _TRUE + _FALSE + ("random", "none"), "enabled_default",
              g.enabled_default, "True, False or random", source)
        for name, table in (("activation", ACTIVATIONS), ("aggregation", AGGREGATIONS)):
            opts = getattr(self, f"{name}_options")()
            bad = [o for o in opts if o not in table]
            _need(opts and not bad, f"{name}_options", getattr(g, f"{name}_options"),
                  f"names from: {' '.join(table)}", source)
            default = getattr(g, f"{name}_default")
            _need(default.lower() in ("random", "none") or default in opts, f"{name}_default", default,
                  f"random or one of {name}_options", source)
        if self.target_species is not None:
            _need(self.target_species >= 1, "target_num_species", s.target_num_species, ">= 1 or none", source)
        _need(s.threshold_min <= s.threshold_max, "threshold_min", s.threshold_min, "<= threshold_max", source)
        _need(st.species_fitness_func in SPECIES_FITNESS_FUNCS, "species_fitness_func", st.species_fitness_func,
              f"one of {', '.join(SPECIES_FITNESS_FUNCS)}", source)
        _need(st.max_stagnation >= 1, "max_stagnation", st.max_stagnation, "at least 1", source)
        _need(r.elitism >= 0 and st.species_elitism >= 0, "elitism", r.elitism, ">= 0", source)
        _need(0.0 < r.survival_threshold <= 1.0, "survival_threshold", r.survival_threshold, "in (0, 1]", source)
        _need(r.min_species_size >= 1, "min_species_size", r.min_species_size, "at least 1", source)
        _need(r.fitness_sharing in ("normalized", "canonical"), "fitness_sharing", r.fitness_sharing,
              "normalized or canonical", source)
        _need(r.spawn_method in ("smoothed", "proportional"), "spawn_method", r.spawn_method,
              "smoothed or proportional", source)
        for key in ("interspecies_crossover_prob", "crossover_prob"):
            _need(0.0 <= getattr(r, key) <= 1.0, key, getattr(r, key), "in [0, 1]", source)
        for key in ("conn_add_prob", "conn_delete_prob", "node_add_prob", "node_delete_prob",
                    "enabled_mutate_rate", "activation_mutate_rate", "aggregation_mutate_rate",
                    "bias_mutate_rate", "weight_mutate_rate", "response_mutate_rate"):
            _need(getattr(g, key) >= 0.0, key, getattr(g, key), ">= 0", source)
        return self


def _need(ok, key, value, what, source):
    if not ok:
        raise ConfigError(f"{key} = {value} in {source} must be {what}")


def _check_inert(key, value, source):
    need = _INERT[key]
    if need is not None and float(value) != need:
        raise ConfigError(f"{key} = {value} in {source} is not supported (neuroevo's NEAT has no CTRNN time "
                          f"constants; use {need})")


def _coerce(key, value, typ, source):
    typ = typ if isinstance(typ, str) else typ.__name__
    try:
        if isinstance(value, str) and typ != "str":
            v = value.strip()
            if typ == "bool":
                if v.lower() not in _TRUE + _FALSE:
                    raise ValueError
                return v.lower() in _TRUE
            if typ == "int":
                return int(v)
            return float(v)
        if typ == "bool":
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
        if isinstance(value, bool):  # enabled_default = true in TOML
            return str(value)
        if isinstance(value, (int, float)):  # target_num_species = 10, excess coefficient 1.0
            return str(value)
        if isinstance(value, list):  # activation_options = ["sigmoid", "tanh"] in TOML
            return " ".join(str(v) for v in value)
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ConfigError(f"{key} = {value!r} in {source} must be {_KIND[typ]}") from None


_KIND = {"bool": "True or False", "int": "an integer", "float": "a number", "str": "a string"}


def read_ini(path: str | Path) -> NEATConfig:
    """Read a neat-python config file (INI) unchanged.

    Raises:
        ConfigError: the file is missing or not INI, lacks the [NEAT] section, has an unknown section, or a key
            that neuroevo's NEAT does not support (one line naming it).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"NEAT config file {p} does not exist")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(p.read_text(), source=str(p))
    except (configparser.Error, UnicodeDecodeError) as e:
        raise ConfigError(f"{p} is not a neat-python config file: {str(e).splitlines()[0]}") from None
    if not parser.has_section("NEAT"):
        raise ConfigError(f"{p} has no [NEAT] section: not a neat-python config file")
    values: dict = {}
    for section in parser.sections():
        if section not in SECTIONS:
            raise ConfigError(f"unsupported section [{section}] in {p}; neuroevo reads "
                              f"{', '.join(f'[{s}]' for s in SECTIONS)}")
        known = {f.name for f in fields(SECTIONS[section][1])}
        for key, value in parser.items(section):
            if key not in known and key not in _INERT:
                where = next((s for s, (_, c) in SECTIONS.items() if key in {f.name for f in fields(c)}), None)
                hint = f" (it belongs in [{where}])" if where else ""
                raise ConfigError(f"unsupported key {key!r} in [{section}] of {p}{hint}")
            values[key] = value
    return NEATConfig.from_flat(values, source=str(p))


def paper_config(**overrides: Any) -> NEATConfig:
    """The parameters of Stanley & Miikkulainen (2002), section 4.1, in neat-python's terms.

    Population 150; c1 = c2 = 1.0, c3 = 0.4, threshold 3.0; a species that has not improved for 15
    generations stops reproducing; the champion of each species is copied unchanged; an offspring gets an
    add-node mutation (0.03), else an add-connection mutation (0.05, the small-population rates), else with
    probability 0.8 its weights mutated, each perturbed (90%, gaussian of sd 1.0: the paper gives no size) or
    replaced (10%); 25% of offspring without crossover; interspecies mating rate 0.001; a gene disabled in
    either parent is disabled with probability 0.75; sigmoid activation; offspring in proportion to the
    species' mean (shared) fitness. The paper's bias input is a node bias here (the same function class).
    """
    values = dict(
        pop_size=150, compatibility_mode="paper", compatibility_disjoint_coefficient=1.0,
        compatibility_excess_coefficient="1.0", compatibility_weight_coefficient=0.4, compatibility_threshold=3.0,
        max_stagnation=15, species_elitism=1, elitism=1, survival_threshold=0.2, min_species_size=1,
        fitness_sharing="canonical", spawn_method="proportional", interspecies_crossover_prob=0.001,
        crossover_prob=0.75, node_add_prob=0.03, conn_add_prob=0.05, node_delete_prob=0.0, conn_delete_prob=0.0,
        mutation_mode="paper", weight_mutate_genome_prob=0.8, weight_mutate_rate=0.9, weight_replace_rate=0.1,
        weight_mutate_power=1.0, weight_init_stdev=1.0, bias_mutate_rate=0.9, bias_replace_rate=0.1,
        bias_mutate_power=1.0, enabled_mutate_rate=0.0,
        species_fitness_func="max", initial_connection="full_direct",
    )
    values.update(overrides)
    return NEATConfig.from_flat(values, source="the paper's settings")
