"""CartPole-v1 kernels matching Gymnasium's environment (the env itself is Gymnasium's own).

``DEFAULT_CONFIG``: the settings of ``neuroevo evolve`` on CartPole-v1 (below TOML files and flags):
stop when a generation's best genome balances the pole for all 500 steps of all 10 episodes.
"""

DEFAULT_CONFIG = {"task": {"episodes": 10}, "run": {"target": 500.0, "generations": 100}}
