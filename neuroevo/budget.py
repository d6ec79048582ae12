"""Holding a population method to an env-step budget (``neuroevo compare``, ``neuroevo bench``).

Two rules, the same for every strategy (``neuroevo.strategies``):

1. **Sizing.** Before the run, the episodes per genome and then the population are lowered until
   :data:`MIN_GENERATIONS` generations fit in the budget even if every episode ran to the env's step limit
   (``max_episode_steps``): ``population x episodes x max_episode_steps x MIN_GENERATIONS <= budget``.
   Episodes go first (down to 1), then the population (down to :data:`MIN_POPULATION`), for strategies
   whose config has a ``population`` field; others keep theirs. An automatic population (CMA-ES's 0, i.e.
   4 + 3 ln n) is left as it is, but its episodes are sized for the population the strategy will use
   (``auto_population``). An env without a step limit is not sized.
2. **Truncation.** A generation is scored whole, so the one that crosses the budget is not counted: the run
   ends at the last generation within the budget, its env steps are those, and a method whose first
   generation alone exceeds the budget *cannot fit* it (it is reported so, and has no curve).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: Generations that must fit in the budget when every episode runs to the step limit.
MIN_GENERATIONS = 4
#: The population is never sized below this.
MIN_POPULATION = 10


@dataclass(frozen=True)
class Sizing:
    """The population and episodes a run uses under a budget, and whether they were changed.

    Attributes:
        population, episodes: per generation. sized: True if the budget lowered either.
        generation_cap: env steps of one generation if every episode ran to the step limit (None: no limit).
    """

    population: int
    episodes: int
    sized: bool
    generation_cap: int | None
    with_episodes: bool = True

    def describe(self) -> str:
        """``"population 50 x 1 episode (sized to the budget)"``."""
        ep = f" x {self.episodes} episode{'s' if self.episodes != 1 else ''}" if self.with_episodes else ""
        return f"population {self.population}{ep}" + (" (sized to the budget)" if self.sized else "")


def size_to_budget(strategy_config: Any, episodes: int, budget: int, max_episode_steps: int | None,
                   unit_cost: int | None = None, field: str = "population",
                   auto_population: int | None = None) -> tuple[Any, Sizing]:
    """``(strategy_config, Sizing)``: the config with its population lowered (if it has one) and the sizing.

    Args:
        strategy_config: the strategy's config dataclass (a ``population`` field is sized when present).
        episodes: episodes per genome per generation (the task's).
        budget: env steps (or examples) per run.
        max_episode_steps: the env's step limit (None: unknown, nothing is sized).
        unit_cost: exact cost of one genome-episode instead (the examples of a supervised task).
        field: the config field holding the population (random search: ``batch_size``).
        auto_population: the population an automatic one (0) resolves to; its episodes are then sized.
    """
    population = getattr(strategy_config, field, None)
    cap = unit_cost if unit_cost is not None else max_episode_steps
    with_episodes = unit_cost is None
    per_genome_episode = (cap or 0) * MIN_GENERATIONS
    if cap is not None and population == 0 and auto_population:  # automatic: keep it, size the episodes
        new_episodes = max(1, min(episodes, budget // (auto_population * per_genome_episode)))
        return strategy_config, Sizing(int(auto_population), new_episodes, new_episodes != episodes,
                                       auto_population * new_episodes * cap, with_episodes)
    if cap is None or not population:  # no population, or an automatic one (CMA-ES's 0: 4 + 3 ln n, small)
        return strategy_config, Sizing(int(population or 0), int(episodes), False, None, with_episodes)
    new_episodes = max(1, min(episodes, budget // (population * per_genome_episode)))
    new_population = max(MIN_POPULATION, min(population, budget // (new_episodes * per_genome_episode)))
    sized = (new_population, new_episodes) != (population, episodes)
    if new_population != population:
        strategy_config = dataclasses.replace(strategy_config, **{field: new_population})
    return strategy_config, Sizing(new_population, new_episodes, sized, new_population * new_episodes * cap,
                                   with_episodes)
