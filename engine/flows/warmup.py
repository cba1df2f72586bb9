"""Imported once by the trainers' fork server (see engine.live.fork_server): builds and steps one
small flow task, so that torch's one-time first-call costs (about a second) are paid there and
every trainer forked from it starts warm."""

from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.targets import make_target


def warm_up() -> None:
    task = FlowTrainingTask(FlowRunConfig(), make_target("ring8"))
    task.train_step()
    task.metrics()
    task.visuals("all")


warm_up()
