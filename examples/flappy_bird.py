"""Evolve a flock of Flappy birds from Python, then record the best bird as a GIF (works headless).

    python examples/flappy_bird.py            # about half a minute on 2 cores

The same as `neuroevo evolve --env flappy` followed by `neuroevo watch RUN --record flappy.gif`.
"""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no window needed to record

import neuroevo  # noqa: E402
from neuroevo.evaluate import evaluate_agent  # noqa: E402
from neuroevo.live import watch_agent  # noqa: E402

if __name__ == "__main__":
    config = neuroevo.resolve(flags={"task": {"env": "flappy"}})  # the game's tuned defaults
    task = neuroevo.make_task(config)  # -> the Flappy Bird population kernel
    ga = neuroevo.GeneticAlgorithm(task.spec, config.ga, seed=0)
    with neuroevo.make_evaluator(task, workers=2) as evaluator:
        result = neuroevo.Population(task, ga, evaluator, episodes=config.task.episodes).run(
            generations=config.run.generations, target=config.run.target)
    print(f"{result.stopped_by} after {result.generations} generations, best fitness {result.best_fitness:,.0f}")
    agent = neuroevo.Agent(task.spec, result.best_genome, task.env_id, task.env_kwargs)
    print(evaluate_agent(agent, episodes=5).summary())
    watch_agent(agent, episodes=1, record="flappy.gif")
