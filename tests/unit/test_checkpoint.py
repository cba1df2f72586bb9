"""engine.checkpoint: a task's state by attribute names, restored exactly."""

import torch

from engine.batches import EpochBatches
from engine.checkpoint import Checkpointed


class Toy(Checkpointed):
    CHECKPOINTED = ("model", "optimizer", "rng", "batches", "steps_done", "figures")

    def __init__(self):
        self.model = torch.nn.Linear(3, 1)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.1)
        self.rng = torch.Generator().manual_seed(0)
        self.batches = EpochBatches(10, self.rng)
        self.steps_done, self.figures = 0, {"loss": 0.0}

    def train_step(self) -> float:
        x = torch.randn(4, 3, generator=self.rng)[self.batches.next(4) % 4]
        loss = self.model(x).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        self.figures["loss"] = loss.item()
        return loss.item()


def test_a_restored_task_goes_on_exactly_as_the_original():
    import copy

    task = Toy()
    for _ in range(3):
        task.train_step()
    saved = copy.deepcopy(task.state_dict())  # as the live runtime keeps it
    later = [task.train_step() for _ in range(5)]
    assert task.steps_done == 8 and task.figures["loss"] == later[-1]

    task.load_state_dict(copy.deepcopy(saved))
    assert task.steps_done == 3 and task.figures["loss"] != later[-1]
    assert [task.train_step() for _ in range(5)] == later  # weights, Adam's moments, RNG and batch order back


def test_the_state_names_each_attribute_and_keeps_the_rng_and_batches_by_their_state():
    task = Toy()
    state = task.state_dict()
    assert set(state) == set(Toy.CHECKPOINTED)
    assert isinstance(state["rng"], torch.Tensor) and state["batches"].keys() == {"order", "position", "seen"}
    assert state["figures"] is not task.figures  # copied, so the task's later figures do not leak into it
