"""Train a shipped VAE: ``python -m engine.train.vae --name vae-2d [--beta B] [--importance-samples K] ...``.

Adam on minibatches of *dynamically* binarized digits (each pixel drawn as Bernoulli(intensity)
afresh for every batch, as in Burda et al., 2016: on 4,000 digits this is the regulariser that
keeps the test ELBO close to the training one), minimising -(E_q log p(x|z) - beta KL) (a beta-VAE;
beta = 1 is the plain VAE) or, with ``--importance-samples k`` > 1, the IWAE loss -L_k
(:mod:`engine.vae.bounds`). The KL weight is warmed up linearly from 0 over the first
``--warmup`` epochs (Bowman et al., 2016; Sonderby et al., 2016), which keeps latent units from
collapsing early. Then the held-out figures are measured, on the held-out digits binarized at 0.5
(:func:`engine.mnist.binarize`, as the page does), and the folder is written with its card.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from engine.mnist import binarize, load_mnist
from engine.mnist_classifier import MnistClassifier
from engine.pretrained import PRETRAINED_DIR, load_model
from engine.train.cards import command_line, machine, write_model_folder
from engine.vae.bounds import test_figures, training_loss
from engine.vae.latent import active_units, digits_in_grid, encode_means, knn_accuracy
from engine.vae.models import VAE

LOG_LIKELIHOOD_SAMPLES = 5000


def train_vae(
    model: VAE, images: torch.Tensor, epochs: int, seed: int, batch: int = 100, lr: float = 1e-3, warmup: int = 10
) -> None:
    """Minibatch Adam on grey-level ``images`` binarized afresh for every batch, with the KL weight warmed up."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        warm = min(1.0, (epoch + 1) / warmup) if warmup else 1.0
        order = torch.randperm(len(images), generator=generator)
        totals = np.zeros(3)
        for start in range(0, len(order), batch):
            x = torch.bernoulli(images[order[start : start + batch]], generator=generator)
            terms = training_loss(model, x, model.beta * warm, model.importance_samples)
            optimizer.zero_grad()
            terms["loss"].backward()
            optimizer.step()
            totals += [terms["loss"].item(), terms["reconstruction"].item(), terms["kl"].item()]
        if (epoch + 1) % 10 == 0 or epoch == 0:
            loss, reconstruction, kl = totals / len(range(0, len(order), batch))
            print(
                f"epoch {epoch + 1}/{epochs}: loss {loss:.1f}  reconstruction {reconstruction:.1f}  KL {kl:.2f}",
                flush=True,
            )
    model.eval()


def measure(model: VAE, data, classifier: MnistClassifier | None) -> dict:
    """Held-out figures: bounds (nats), and for 2-D models the grid's digits and 5-NN accuracy."""
    test = binarize(data.test_images)
    measured = test_figures(model, test, LOG_LIKELIHOOD_SAMPLES)
    figures = {name: round(value, 2) for name, value in measured.items() if name != "iwae_curve"}
    figures["iwae_curve"] = [round(value, 2) for value in measured["iwae_curve"]]
    test_means, _ = encode_means(model, data.test_images)
    train_means, _ = encode_means(model, data.train_images)
    variance, active = active_units(test_means)
    figures["active_units"] = active
    figures["latent_variance"] = [round(float(v), 4) for v in variance]
    figures["knn5_accuracy"] = round(knn_accuracy(train_means, data.train_labels, test_means, data.test_labels), 4)
    if model.latent_dim == 2 and classifier is not None:
        counts = digits_in_grid(model, classifier)
        figures["grid20_digit_counts"] = counts.tolist()
        figures["grid20_digits_present"] = int((counts > 0).sum())
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 256])
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--importance-samples", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", choices=["subset", "full"], default="subset")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    data = load_mnist(args.data)
    model = VAE(args.latent_dim, args.hidden, args.beta, args.importance_samples)
    started = time.perf_counter()
    train_vae(model, torch.from_numpy(data.train_images), args.epochs, args.seed, lr=args.lr, warmup=args.warmup)
    seconds = time.perf_counter() - started
    try:
        classifier = load_model("mnist-classifier", MnistClassifier)
    except Exception as error:  # the card says so; the model is still written
        print(f"No classifier for the grid figure: {error}")
        classifier = None
    figures = {
        "command": command_line(__spec__.name, argv),
        "training_seconds": round(seconds, 1),
        "machine": machine(),
        "data": data.describe(),
    }
    figures |= measure(model, data, classifier)

    warmup = f"KL warm-up {args.warmup} epochs, " if args.importance_samples == 1 and args.warmup else ""
    objective = (
        f"IWAE bound with k = {args.importance_samples}"
        if args.importance_samples > 1
        else f"beta-VAE objective, beta = {args.beta:g}"
    )
    rows = [
        ("ELBO (nats)", f"{figures['elbo']:.2f}"),
        ("  reconstruction E_q log p(x|z)", f"{figures['reconstruction']:.2f}"),
        ("  KL(q(z|x) ‖ p(z))", f"{figures['kl']:.2f}"),
        (f"log p(x), IWAE bound k = {LOG_LIKELIHOOD_SAMPLES:,}", f"{figures['log_likelihood']:.2f}"),
        ("active units (Cov E_q[z] > 0.01)", f"{figures['active_units']} of {args.latent_dim}"),
        ("5-NN accuracy of test encodings", f"{figures['knn5_accuracy']:.1%}"),
    ]
    if "grid20_digits_present" in figures:
        rows.append(("digits in the decoded 20 x 20 grid (classifier)", f"{figures['grid20_digits_present']} of 10"))
    write_model_folder(
        model,
        PRETRAINED_DIR / args.name,
        f"VAE on MNIST: {args.latent_dim}-D latent, {objective}",
        f"MLP encoder and decoder (hidden {args.hidden}), Gaussian q(z|x), N(0, I) prior, Bernoulli decoder. "
        f"Trained for {args.epochs} epochs ({warmup}digits binarized afresh each batch) with Adam (lr {args.lr:g}, batch 100) on "
        f"{data.describe()}.",
        figures,
        rows,
    )
    print(" | ".join(f"{what.strip()}: {value}" for what, value in rows))


if __name__ == "__main__":
    main()
