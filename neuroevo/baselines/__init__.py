"""Gradient and trivial baselines trained on the project's own flat genome: backprop, REINFORCE, DQN and
random search. Each is one module with a config dataclass and ``train(...) -> TrainResult``.
"""
