"""The model families, read from the folders: every package under ``engine/`` but the shared
layers is a family, so a new family is its own files and nothing here.

What follows from the list: the trainers import every family's live task before the first run
(:func:`trainer_preload`), and ``tests/unit/test_layout.py`` holds each family to the
house rules (the same module names for the same roles; no family imports another, but the
aggregators).
"""

from __future__ import annotations

from pathlib import Path

ENGINE = Path(__file__).resolve().parent
SHARED_PACKAGES = ("live", "targets", "train")  # the runtime, the data, the scripts that rebuild pretrained/
AGGREGATORS = ("arena", "evaluation")  # they compare other families, so they may import them
ROLE_MODULES = {
    "models": "the networks (and their validated architecture config)",
    "task": "the run config, the frames and the live training task",
    "views": "frames and results -> images and figures (numpy, PIL, plotly; no Streamlit)",
    "explore": "a page's non-live computations and its view config",
    "shipped": "the models shipped in pretrained/, with the arguments that made them",
}


def families() -> tuple[str, ...]:
    """Every family package's name, sorted."""
    return tuple(
        sorted(path.parent.name for path in ENGINE.glob("*/__init__.py") if path.parent.name not in SHARED_PACKAGES)
    )


def live_task_modules() -> tuple[str, ...]:
    """``engine.<family>.task`` of every family that trains live."""
    return tuple(f"engine.{family}.task" for family in families() if (ENGINE / family / "task.py").exists())


def trainer_preload() -> tuple[str, ...]:
    """What a trainer imports before its first run (the fork server; the Ray backend's warm actors):
    every live family's task, then ``engine.flows.warmup``, which steps one small flow so that torch's
    first-call costs are paid once, not at each Train."""
    return (*live_task_modules(), "engine.flows.warmup")
