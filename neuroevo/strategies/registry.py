"""Strategies by name (``--algorithm NAME``) and their TOML sections.

Adding a strategy: subclass :class:`~neuroevo.strategies.base.Strategy` with ``name``, ``section`` and a
``Config`` dataclass (fields made with :func:`neuroevo.settings.setting`), and list it in :data:`STRATEGIES`.
Strategies may share a section (``cmaes`` and ``sep-cmaes`` read ``[cmaes]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuroevo.errors import ConfigError
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.cmaes import CMAES, SepCMAES
from neuroevo.strategies.cosyne import CoSyNE
from neuroevo.strategies.ga import GeneticAlgorithm
from neuroevo.strategies.neat.strategy import NEATStrategy
from neuroevo.strategies.openai_es import OpenAIES

if TYPE_CHECKING:
    from neuroevo.config import Config
    from neuroevo.networks.spec import NetworkSpec

#: ``--algorithm`` name -> Strategy subclass.
STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in (GeneticAlgorithm, CoSyNE, CMAES, SepCMAES,
                                                                    OpenAIES, NEATStrategy)}

#: TOML section -> config dataclass of the strategies reading it (in registry order).
SECTIONS: dict[str, type] = {}
for _cls in STRATEGIES.values():
    SECTIONS.setdefault(_cls.section, _cls.Config)


def get_strategy(name: str) -> type[Strategy]:
    """The Strategy class registered as ``name``; ConfigError (one line) for an unknown name."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ConfigError(f"unknown --algorithm {name!r}; choose from {', '.join(STRATEGIES)}") from None


def section_of(name: str) -> str:
    """The TOML section of strategy ``name`` (``"sep-cmaes"`` -> ``"cmaes"``)."""
    return get_strategy(name).section


def attribute(section: str) -> str:
    """The attribute of :class:`neuroevo.config.Config` holding ``section`` (``"openai-es"`` -> ``openai_es``)."""
    return section.replace("-", "_")


def make_strategy(config: Config, spec: NetworkSpec, seed: int | None = None) -> Strategy:
    """The strategy of a :class:`~neuroevo.config.Config` (``run.algorithm`` and its section) for ``spec``."""
    cls = get_strategy(config.run.algorithm)
    return cls(spec, getattr(config, attribute(cls.section)), config.run.seed if seed is None else seed)
