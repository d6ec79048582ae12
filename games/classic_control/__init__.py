"""Population kernels for Gymnasium's classic-control envs other than CartPole (Acrobot-v1, MountainCar-v0,
MountainCarContinuous-v0, Pendulum-v1): the same episodes as the Gymnasium envs, used automatically for
those ids (``neuroevo.evaluation.registry.KERNELS``). The envs themselves are Gymnasium's."""
