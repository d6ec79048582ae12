"""Compare the GA with random search, REINFORCE and DQN on CartPole-v1: same network, same step budget.

    python examples/compare_methods.py        # writes runs/compare-example/{summary.md,curves.png,...}

The same as `neuroevo compare --env CartPole-v1 --seeds 3 --budget-steps 60000`.
"""

from neuroevo.compare import compare

if __name__ == "__main__":
    c = compare(env="CartPole-v1", methods=["ga", "random-search", "reinforce", "dqn"], seeds=3,
                budget_steps=60_000, out="runs/compare-example")
    print((c.folder / "summary.md").read_text())
