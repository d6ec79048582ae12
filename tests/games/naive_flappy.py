"""Plain-Python Flappy Bird, written like FlapPyBird's main loop (a list of pipes moved every frame),
as the reference of ``games.flappy_bird.physics`` (STUMPY's tests/naive.py style)."""

import numpy as np

W, H = 288, 512
GROUND = H * 0.79
BX, BW, BH = 57, 34, 24
PW = 52


def rects_collide(a, b):
    """pygame.Rect.colliderect for float (x, y, w, h): touching edges do not collide."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


class NaiveFlappy:
    """One bird; ``gaps`` is the gap-top sequence [px]; pipes appear at 488 px, one every ``spacing`` px."""

    def __init__(self, gaps, gap=100.0, speed=4.0, spacing=144.0):
        self.gaps, self.gap, self.speed, self.spacing = list(gaps), gap, speed, spacing
        self.y, self.vel, self.rot, self.score = 244.0, -9.0, 45.0, 0
        self.pipes = []  # [x, gap_top, passed]
        self.next_pipe = 0
        self._spawn_until(W + spacing + 600)

    def _spawn_until(self, x_max):
        while not self.pipes or self.pipes[-1][0] + self.spacing < x_max:
            x = 488.0 if not self.pipes else self.pipes[-1][0] + self.spacing
            self.pipes.append([x, self.gaps[self.next_pipe], False])
            self.next_pipe += 1

    def step(self, action):
        """Returns the reward; ``self.crashed`` tells a crash."""
        flapped = False
        if action == 1 and self.y > -2 * BH:
            self.vel, flapped = -9.0, True
        if self.rot > -90:
            self.rot -= 3
        if self.vel < 10 and not flapped:
            self.vel += 1
        if flapped:
            self.rot = 45.0
        self.y += min(self.vel, GROUND - self.y - BH)
        for p in self.pipes:
            p[0] -= self.speed
        self.pipes = [p for p in self.pipes if p[0] > -PW - self.spacing]
        self._spawn_until(W + self.spacing + 600)
        passed = 0
        for p in self.pipes:
            if not p[2] and p[0] + PW / 2 <= BX + BW / 2:
                p[2] = True
                passed += 1
        self.score += passed
        bird = (BX, self.y, BW, BH)
        self.crashed = self.y + BH >= GROUND - 1 or any(
            rects_collide(bird, (p[0], p[1] - 1000, PW, 1000)) or
            rects_collide(bird, (p[0], p[1] + self.gap, PW, 1000)) for p in self.pipes)
        return -1.0 if self.crashed else 0.1 + passed

    def observe(self, mode="simple"):
        if mode == "simple":
            p = next(p for p in self.pipes if p[0] + PW > BX)
            return np.array([self.y / H, self.vel / 10, (p[0] - BX) / W, (p[1] + self.gap / 2) / H])
        ahead = [p for p in self.pipes if p[0] + PW > 0][:3]
        out = []
        for x, top, _ in ahead:
            out += [1.0, 0.0, 1.0] if x > W else [x / W, top / H, (top + self.gap) / H]
        return np.array(out + [self.y / H, self.vel / 10, self.rot / 90])
