"""Train a shipped autoregressive model: ``python -m engine.train.autoregressive --model nade``.

Maximum likelihood (the notes' "Maximum likelihood"): Adam on minibatches of the 4,000 training
digits binarized at intensity 0.5 (:func:`engine.mnist.binarize`, as the VAE page's held-out
digits), minimising the mean -log p(x) in nats. MADE with ``--orderings`` > 1 is trained
order-agnostically: each minibatch uses one of its orderings in turn. Then the held-out NLL (nats,
its standard error and bits per dimension; for several orderings also their mixture's) and the
sampling time are measured and the folder is written with its card.

``--refigure`` measures a shipped model's held-out figures again, without training, and updates
its ``figures.json`` (the Autoregressive page's likelihood table reads them from there).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from engine.autoregressive.explore import held_out_nll
from engine.autoregressive.models import MODELS, bits_per_dim
from engine.autoregressive.shipped import load_shipped
from engine.device import get_device
from engine.mnist import binarize, load_mnist
from engine.pretrained import PRETRAINED_DIR
from engine.train.cards import command_line, machine, write_model_folder

DEFAULTS = {  # model -> (constructor options, epochs, learning rate); epoch times on this 2-core CPU, one thread
    "fvsbn": ({}, 20, 3e-3),  # ~7 s an epoch
    "nade": ({"hidden": 128}, 20, 5e-3),  # ~20 s an epoch: D x hidden activations per digit
    "made": ({"hidden": (500,), "orderings": 1}, 60, 1e-3),  # ~0.4 s an epoch
    "pixelcnn": ({"channels": 32, "layers": 5}, 15, 1e-3),  # ~12 s an epoch
    "transformer": ({"width": 32, "layers": 2, "heads": 2}, 40, 5e-3),  # ~55 s an epoch: 784^2 attention
}


def train(model, images: torch.Tensor, epochs: int, lr: float, seed: int, batch: int = 100) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    orderings = getattr(model, "orderings", 1)
    step = 0
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch):
            x = images[order[start : start + batch]]
            loss = -model.log_prob(x, step % orderings).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            step += 1
        print(f"epoch {epoch + 1}/{epochs}: NLL {total / len(images):.2f} nats", flush=True)
    model.eval()


def held_out_figures(model, images: torch.Tensor) -> dict[str, float]:
    """The card's held-out figures: mean -log p(x) in nats (MADE with several orderings: the
    first), its standard error, bits per dimension; for several orderings also the mixture's NLL
    and standard error (:meth:`MADE.mixture_log_prob`)."""
    nll, se = held_out_nll(model, images)
    figures = {"held_out_nll_nats": round(nll, 2), "held_out_nll_se": round(se, 2)}
    figures["bits_per_dim"] = round(bits_per_dim(nll), 4)
    if getattr(model, "orderings", 1) > 1:
        nll, se = held_out_nll(model, images, mixture=True)
        figures |= {"mixture_held_out_nll_nats": round(nll, 2), "mixture_held_out_nll_se": round(se, 2)}
    return figures


def refigure(name: str, test_images: torch.Tensor) -> None:
    """Measure the shipped ``name`` again on the held-out digits and update its figures.json."""
    path = PRETRAINED_DIR / name / "figures.json"
    model = load_shipped(name)
    figures = json.loads(path.read_text()) | held_out_figures(model, test_images)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"{name}: {figures}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(MODELS), required=True)
    parser.add_argument("--name", default=None, help="folder in pretrained/ (default: ar-<model>)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--orderings", type=int, default=None, help="MADE: orderings trained order-agnostically")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refigure", action="store_true", help="measure the shipped model again; no training")
    args = parser.parse_args(argv)
    options, epochs, lr = DEFAULTS[args.model]
    if args.orderings is not None:
        options = options | {"orderings": args.orderings}
    epochs, lr = args.epochs or epochs, args.lr or lr
    name = args.name or f"ar-{args.model}" + (
        f"-{options['orderings']}-orderings" if options.get("orderings", 1) > 1 else ""
    )

    data = load_mnist()
    train_images, test_images = (
        binarize(data.train_images).reshape(-1, 784),
        binarize(data.test_images).reshape(-1, 784),
    )
    if args.refigure:
        refigure(name, test_images)
        return
    torch.manual_seed(args.seed)
    device = get_device()  # a GPU where there is one (GP_DEVICE=cpu to refuse it); measured on the CPU
    model = MODELS[args.model](**options).to(device)
    started = time.perf_counter()
    train(model, train_images.to(device), epochs, lr, args.seed)
    seconds = time.perf_counter() - started
    trained_on = machine()
    model = model.cpu()
    held_out = held_out_figures(model, test_images)
    sampled = time.perf_counter()
    model.sample(10, torch.Generator().manual_seed(0))
    sample_ms = (time.perf_counter() - sampled) / 10 * 1000
    figures = {
        "command": command_line(__spec__.name, argv),
        "training_seconds": round(seconds, 1),
        "machine": trained_on,
        "data": data.describe(),
        **held_out,
        "sample_ms_per_digit": round(sample_ms, 1),
    }
    rows = [
        ("held-out NLL, -log p(x) (nats per digit, exact)", f"{held_out['held_out_nll_nats']:.2f}"),
        ("standard error of that mean (nats)", f"{held_out['held_out_nll_se']:.2f}"),
        ("bits per dimension", f"{held_out['bits_per_dim']:.4f}"),
        ("sampling, 10 digits at once (ms per digit)", f"{sample_ms:.0f}"),
    ]
    write_model_folder(
        model,
        PRETRAINED_DIR / name,
        f"{args.model.upper() if args.model != 'transformer' else 'Pixel transformer'} on binarized MNIST",
        f"{type(model).__name__}({', '.join(f'{k}={v}' for k, v in options.items())}), Adam (lr {lr:g}, batch 100), "
        f"{epochs} epochs of maximum likelihood on {data.describe()}.",
        figures,
        rows,
    )
    if "mixture_held_out_nll_nats" in held_out:
        rows.insert(
            2, ("the mixture of all orderings: held-out NLL (nats)", f"{held_out['mixture_held_out_nll_nats']:.2f}")
        )
    print(" | ".join(f"{what}: {value}" for what, value in rows))


if __name__ == "__main__":
    main()
