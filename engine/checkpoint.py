"""A live task's whole state by the names of its attributes: what rollback, Reset and parking keep.

A task lists the attributes that change as it trains; :class:`Checkpointed` gives it
``state_dict`` and ``load_state_dict`` over them, each kept the way its kind keeps itself:

- a module, an optimiser, an :class:`engine.batches.EpochBatches` (anything with ``state_dict`` /
  ``load_state_dict``): its state dict (so Adam's moments and step count are kept, and a
  restored run goes on exactly);
- a ``torch.Generator``: its state (the batches and noise to come);
- anything else (a step count, a dict of figures): a shallow copy.

The live runtime deep-copies what it keeps, so the state here may share tensors with the task.
"""

from __future__ import annotations

import copy
from typing import Any

import torch


def capture(owner: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """``{name: state}`` of ``owner``'s attributes ``names``."""
    state = {}
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, torch.Generator):
            state[name] = value.get_state()
        elif hasattr(value, "state_dict") and hasattr(value, "load_state_dict"):
            state[name] = value.state_dict()
        else:
            state[name] = copy.copy(value)
    return state


def restore(owner: Any, state: dict[str, Any]) -> None:
    """Put :func:`capture`'s ``state`` back into ``owner``'s attributes."""
    for name, saved in state.items():
        value = getattr(owner, name)
        if isinstance(value, torch.Generator):
            value.set_state(saved)
        elif hasattr(value, "state_dict") and hasattr(value, "load_state_dict"):
            value.load_state_dict(saved)
        else:
            setattr(owner, name, copy.copy(saved))


class Checkpointed:
    """Mixin for a live task: ``state_dict`` / ``load_state_dict`` over the attributes named in
    ``CHECKPOINTED`` (see the module's docstring)."""

    CHECKPOINTED: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, Any]:
        """Everything to roll back to (a NaN), reset to (step 0) or park and resume from."""
        return capture(self, self.CHECKPOINTED)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        restore(self, state)
