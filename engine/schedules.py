"""Learning-rate schedules shared by the live tasks."""

from __future__ import annotations


def halving_factor(step: int, half_life: int, floor: float) -> float:
    """2^(-step / half_life), never below ``floor``; 1 when ``half_life`` is 0 (a constant rate).

    Multiplies a task's learning rate so that late steps settle (a flow's density, a GAN's samples
    onto their modes) instead of jittering at a constant step size.
    """
    if half_life == 0:
        return 1.0
    return max(floor, 0.5 ** (step / half_life))
