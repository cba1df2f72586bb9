"""Minibatches over a fixed training set, epoch after epoch (the image families' live tasks)."""

from __future__ import annotations

from typing import Any

import torch


class EpochBatches:
    """Indices of minibatches over ``size`` examples: each epoch visits every example once, in a
    fresh order drawn from ``generator``; the last batch of an epoch holds what is left. ``seen``
    counts the examples served over all epochs, so ``epochs`` = seen / size."""

    def __init__(self, size: int, generator: torch.Generator):
        self.size, self.generator = size, generator
        self.order = torch.randperm(size, generator=generator)
        self.position = 0  # in the current epoch's order
        self.seen = 0

    @property
    def epochs(self) -> float:
        return self.seen / self.size

    def next(self, batch_size: int) -> torch.Tensor:
        """The next minibatch's indices; a new order when an epoch is done."""
        if self.position >= len(self.order):
            self.order = torch.randperm(self.size, generator=self.generator)
            self.position = 0
        batch = self.order[self.position : self.position + batch_size]
        self.position += len(batch)
        self.seen += len(batch)
        return batch

    def state_dict(self) -> dict[str, Any]:
        """The order, the position and the count (the generator's state is its owner's to keep)."""
        return {"order": self.order.clone(), "position": self.position, "seen": self.seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order, self.position, self.seen = state["order"].clone(), state["position"], state["seen"]
