"""Train a shipped autoregressive model: ``python -m engine.train.autoregressive --model nade``.

Maximum likelihood (the notes' "Maximum likelihood"): Adam on minibatches of the 4,000 training
digits binarized at intensity 0.5 (:func:`engine.mnist.binarize`, as the VAE page's held-out
digits), minimising the mean -log p(x) in nats. MADE with ``--orderings`` > 1 is trained
order-agnostically: each minibatch uses one of its orderings in turn. Then the held-out NLL (nats
and bits per dimension) and the sampling time are measured and the folder is written with its card.
"""

from __future__ import annotations

import argparse
import time

import torch

from engine.autoregressive.models import MODELS, bits_per_dim
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


@torch.no_grad()
def held_out_nll(model, images: torch.Tensor, batch: int = 100) -> float:
    """Mean -log p(x) over ``images`` in nats (MADE with several orderings: the first)."""
    return float(torch.cat([-model.log_prob(images[i : i + batch]) for i in range(0, len(images), batch)]).mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(MODELS), required=True)
    parser.add_argument("--name", default=None, help="folder in pretrained/ (default: ar-<model>)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--orderings", type=int, default=None, help="MADE: orderings trained order-agnostically")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    options, epochs, lr = DEFAULTS[args.model]
    if args.orderings is not None:
        options = options | {"orderings": args.orderings}
    epochs, lr = args.epochs or epochs, args.lr or lr
    name = args.name or f"ar-{args.model}" + (
        f"-{options['orderings']}-orderings" if options.get("orderings", 1) > 1 else ""
    )

    torch.manual_seed(args.seed)
    data = load_mnist()
    train_images, test_images = (
        binarize(data.train_images).reshape(-1, 784),
        binarize(data.test_images).reshape(-1, 784),
    )
    device = get_device()  # a GPU where there is one (GP_DEVICE=cpu to refuse it); measured on the CPU
    model = MODELS[args.model](**options).to(device)
    started = time.perf_counter()
    train(model, train_images.to(device), epochs, lr, args.seed)
    seconds = time.perf_counter() - started
    trained_on = machine()
    model = model.cpu()
    nll = held_out_nll(model, test_images)
    sampled = time.perf_counter()
    model.sample(10, torch.Generator().manual_seed(0))
    sample_ms = (time.perf_counter() - sampled) / 10 * 1000
    figures = {
        "command": command_line(__spec__.name, argv),
        "training_seconds": round(seconds, 1),
        "machine": trained_on,
        "data": data.describe(),
        "held_out_nll_nats": round(nll, 2),
        "bits_per_dim": round(bits_per_dim(nll), 4),
        "sample_ms_per_digit": round(sample_ms, 1),
    }
    rows = [
        ("held-out NLL, -log p(x) (nats per digit, exact)", f"{nll:.2f}"),
        ("bits per dimension", f"{figures['bits_per_dim']:.4f}"),
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
    print(" | ".join(f"{what}: {value}" for what, value in rows))


if __name__ == "__main__":
    main()
