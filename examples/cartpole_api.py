"""The Python API version of `neuroevo evolve` on CartPole-v1, then an evaluation on fresh seeds.

    python examples/cartpole_api.py
"""

import neuroevo
from neuroevo.evaluate import evaluate_agent

if __name__ == "__main__":
    config = neuroevo.resolve(flags={"task": {"env": "CartPole-v1"}})  # the CLI's default configuration
    task = neuroevo.make_task(config)  # CartPole-v1 -> its Numba population kernel, automatically
    ga = neuroevo.GeneticAlgorithm(task.spec, config.ga, seed=config.run.seed)
    with neuroevo.make_evaluator(task, workers=2) as evaluator:
        population = neuroevo.Population(task, ga, evaluator, episodes=config.task.episodes)
        result = population.run(generations=config.run.generations, target=config.run.target)
    print(f"{result.stopped_by}: generation {result.generations}, best fitness {result.best_fitness}")
    agent = neuroevo.Agent(task.spec, result.best_genome, task.env_id)
    print(evaluate_agent(agent, episodes=100).summary())
