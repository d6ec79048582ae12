"""The README's comparison on CartPole-v1: GA, random search, REINFORCE and DQN, 5 seeds, 100,000 env steps.

    PYTHONPATH=. python benchmarks/compare_cartpole.py   # = neuroevo compare --env CartPole-v1 --seeds 5 \
                                                          #     --budget-steps 100000 --out benchmarks/results/compare_cartpole
"""

from neuroevo.compare import compare

if __name__ == "__main__":
    c = compare(env="CartPole-v1", methods=["ga", "random-search", "reinforce", "dqn"], seeds=5,
                budget_steps=100_000, out="benchmarks/results/compare_cartpole")
    print((c.folder / "summary.md").read_text())
