"""Writing a shipped model's folder: weights and config, measured figures and the model card."""

from __future__ import annotations

import json
import platform
import shlex
import sys
from pathlib import Path

import torch

from engine.device import describe_device


def command_line(module: str, argv: list[str] | None) -> str:
    """The command that makes this model alone, e.g. ``python -m engine.train.vae --name vae-2d``."""
    return " ".join([f"python -m {module}", *map(shlex.quote, sys.argv[1:] if argv is None else argv)])


def machine() -> str:
    return f"{platform.machine()}, {describe_device()}, torch {torch.__version__}"


def write_model_folder(
    model, folder: Path, title: str, description: str, figures: dict, rows: list[tuple[str, str]]
) -> None:
    """``save_pretrained`` (config.json, model.safetensors), then figures.json and README.md.

    ``rows`` are the card's table of measured figures as (what, value) pairs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    (folder / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    table = "\n".join(f"| {what} | {value} |" for what, value in rows)
    (folder / "README.md").write_text(
        f"""---
library_name: generative-playground
tags: [mnist, pytorch_model_hub_mixin]
---

# {title}

{description}

## Reproduce

```
{figures["command"]}
```

Trained in {figures["training_seconds"]:.0f} s on {figures["machine"]}.
Load it with `engine.pretrained.load_model("{folder.name}", <class>)` (safetensors, `strict=True`).

## Measured on the held-out digits

| figure | value |
|---|---|
{table}
"""
    )
