"""Train the MNIST classifier that labels decoded digits: ``python -m engine.train.classifier``.

Adam on cross-entropy, with each training digit randomly shifted by up to 2 pixels and shown
either in grey levels or binarized, so that the network also reads a VAE decoder's blurry means.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from engine.mnist import binarize, load_mnist
from engine.mnist_classifier import MnistClassifier
from engine.pretrained import PRETRAINED_DIR
from engine.train.cards import command_line, machine, write_model_folder

MAX_SHIFT = 2


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random shifts of up to MAX_SHIFT pixels; half the batch binarized."""
    padded = F.pad(images, (MAX_SHIFT,) * 4)
    shifted = torch.empty_like(images)
    offsets = torch.randint(0, 2 * MAX_SHIFT + 1, (len(images), 2), generator=generator)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        shifted[i] = padded[i, dy : dy + 28, dx : dx + 28]
    binary = torch.rand(len(images), generator=generator) < 0.5
    shifted[binary] = binarize(shifted[binary])
    return shifted


@torch.no_grad()
def accuracy(model: MnistClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (model.predict(images)[0] == labels).float().mean().item()


def train_classifier(epochs: int = 30, seed: int = 0, batch: int = 64, lr: float = 2e-3, source: str = "subset"):
    torch.manual_seed(seed)
    data = load_mnist(source)
    images, labels = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
    model = MnistClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            loss = F.cross_entropy(model(augment(images[rows], generator)), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
        print(f"epoch {epoch + 1}/{epochs}: loss {loss.item():.3f}", flush=True)
    model.eval()
    return model, data


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="mnist-classifier")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", choices=["subset", "full"], default="subset")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    model, data = train_classifier(args.epochs, args.seed, source=args.data)
    seconds = time.perf_counter() - started
    test_images, test_labels = torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
    grey = accuracy(model, test_images, test_labels)
    binary = accuracy(model, binarize(test_images), test_labels)
    figures = {
        "command": command_line(__spec__.name, argv),
        "training_seconds": round(seconds, 1),
        "machine": machine(),
        "data": data.describe(),
        "test_accuracy": round(grey, 4),
        "test_accuracy_binarized": round(binary, 4),
        "test_digits": int(len(test_labels)),
    }
    write_model_folder(
        model,
        PRETRAINED_DIR / args.name,
        "MNIST digit classifier (small CNN)",
        "Labels the digits a VAE decodes, and gives 64-D features for FID-style scores of generated "
        f"digits. Trained on {data.describe()}, with random shifts of up to {MAX_SHIFT} pixels and "
        "half of each batch binarized.",
        figures,
        [
            ("test accuracy (grey levels)", f"{grey:.1%}"),
            ("test accuracy (binarized)", f"{binary:.1%}"),
            ("held-out digits", f"{len(test_labels):,}"),
        ],
    )
    print(f"test accuracy {grey:.1%} (binarized {binary:.1%}); saved to {PRETRAINED_DIR / args.name}")


if __name__ == "__main__":
    main()
