"""Train a shipped autoencoder: ``python -m engine.train.autoencoders --name ae-mlp-8 --kind mlp
--latent-dim 8 [--denoising] [--left-out-digit D]``, or a VQ-VAE: ``--name vqvae-16 --vq
--codebook-size 16``.

Adam on minibatches of grey-level digits (the shipped subset's 4,000 training digits), minimising
the notes' sum_i ||x_i - D(E(x_i))||^2 (the VQ-VAE: its three-term loss). ``--denoising`` feeds
corrupted digits (each one a random corruption of :mod:`engine.autoencoders.denoising` at a
random level) and keeps the clean ones as targets; ``--left-out-digit`` trains without that digit
(for anomaly detection). Then the held-out figures are measured and the folder is written with
its card.
"""

from __future__ import annotations

import argparse
import time

import torch

from engine.autoencoders.anomaly import anomaly_scores, detection
from engine.autoencoders.compression import code_usage
from engine.autoencoders.denoising import CORRUPTIONS, corrupt
from engine.autoencoders.measures import psnr, squared_errors
from engine.autoencoders.models import KINDS, VQVAE, Autoencoder
from engine.autoencoders.pca import fit_pca, principal_angles_deg
from engine.mnist import load_mnist
from engine.pretrained import PRETRAINED_DIR
from engine.train.cards import command_line, machine, write_model_folder

DENOISING_LEVELS = {"gaussian": 0.7, "salt_and_pepper": 0.4, "block": 0.5}  # each corruption's level ~ U(0, this)


def random_corruptions(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each digit corrupted by a random kind of corruption at a random level."""
    kinds = torch.randint(len(CORRUPTIONS), (len(images),), generator=generator)
    levels = torch.rand(len(images), generator=generator)
    return torch.stack(
        [
            corrupt(image[None], CORRUPTIONS[kind], float(level) * DENOISING_LEVELS[CORRUPTIONS[kind]], generator)[0]
            for image, kind, level in zip(images, kinds.tolist(), levels)
        ]
    )


def batch_loss(model, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    if isinstance(model, VQVAE):
        return model.losses(inputs)[0]
    return (model(inputs) - targets).pow(2).sum(dim=(1, 2)).mean()


def train_autoencoder(
    model,
    images: torch.Tensor,
    epochs: int,
    seed: int,
    batch: int = 64,
    lr: float = 1e-3,
    denoising: bool = False,
    log_every: int = 10,
) -> None:
    """Minibatch Adam on ``images`` (n, 28, 28), in a seeded order; corrupted inputs if ``denoising``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch):
            targets = images[order[start : start + batch]]
            inputs = random_corruptions(targets, generator) if denoising else targets
            loss = batch_loss(model, inputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
        if log_every and ((epoch + 1) % log_every == 0 or epoch == 0):
            print(f"epoch {epoch + 1}/{epochs}: loss {total / len(images):.2f}", flush=True)
    model.eval()


@torch.no_grad()
def measure(model, data, left_out_digit: int = -1) -> tuple[dict, list[tuple[str, str]]]:
    """Held-out figures for the card: (figures, table rows)."""
    test = torch.from_numpy(data.test_images)
    normal = data.test_labels != left_out_digit
    error = float(squared_errors(test[normal], model(test[normal])).mean())
    figures = {
        "held_out_squared_error": round(error, 3),
        "held_out_psnr_db": round(psnr(test[normal], model(test[normal])), 2),
    }
    rows = [
        ("squared error per digit, ‖x − x̂‖² (mean)", f"{error:.2f}"),
        ("PSNR (dB)", f"{figures['held_out_psnr_db']:.2f}"),
    ]
    if isinstance(model, VQVAE):
        used, perplexity = code_usage(model.encode(test).numpy(), model.codebook_size)
        figures |= {"bits_per_image": model.bits_per_image, "codes_used": used, "perplexity": round(perplexity, 1)}
        rows += [
            ("rate (bits per image, exactly)", f"{model.bits_per_image:.0f}"),
            ("codes used / perplexity", f"{used} of {model.codebook_size} / {perplexity:.1f}"),
        ]
        return figures, rows
    pca = fit_pca(data.train_images[data.train_labels != left_out_digit])
    pca_error = pca.squared_errors(data.test_images[normal], [model.latent_dim])[model.latent_dim]
    figures["pca_squared_error"] = round(pca_error, 3)
    rows.append((f"PCA with r = {model.latent_dim} (the best linear map)", f"{pca_error:.2f}"))
    if model.kind == "linear":
        angles = principal_angles_deg(model.decoder.weight.numpy(), pca.components[: model.latent_dim].T)
        figures["principal_angles_deg"] = [round(float(a), 2) for a in angles]
        rows.append(("largest principal angle to PCA's subspace (degrees)", f"{angles.max():.2f}"))
    if model.trained_on != "clean":
        noisy = corrupt(test, "gaussian", 0.5, torch.Generator().manual_seed(0))
        figures["psnr_gaussian_0.5"] = {
            "noisy": round(psnr(test, noisy), 2),
            "denoised": round(psnr(test, model(noisy)), 2),
        }
        rows.append(
            (
                "PSNR on Gaussian noise sigma = 0.5: noisy / denoised (dB)",
                f"{figures['psnr_gaussian_0.5']['noisy']:.2f} / {figures['psnr_gaussian_0.5']['denoised']:.2f}",
            )
        )
    if left_out_digit >= 0:
        found = detection(anomaly_scores(model, test[normal]), anomaly_scores(model, test[~normal]))
        figures |= {
            "anomaly_auc": round(found.auc, 4),
            "threshold_5pct": round(found.threshold, 3),
            "detected_at_threshold": round(found.detected_at_threshold, 4),
        }
        rows.append((f"ROC AUC, held-out {left_out_digit}s against the other digits", f"{found.auc:.3f}"))
    return figures, rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--kind", choices=KINDS, default="mlp")
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--denoising", action="store_true")
    parser.add_argument("--left-out-digit", type=int, default=-1)
    parser.add_argument("--vq", action="store_true", help="a VQ-VAE instead of an AE")
    parser.add_argument("--codebook-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=None, help="default: 300 for a linear AE, 60 otherwise")
    parser.add_argument("--lr", type=float, default=None, help="default: 3e-3 for a linear AE, 1e-3 otherwise")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    linear = args.kind == "linear" and not args.vq
    epochs = args.epochs or (300 if linear else 60)
    lr = args.lr or (3e-3 if linear else 1e-3)

    torch.manual_seed(args.seed)
    data = load_mnist()
    keep = data.train_labels != args.left_out_digit
    if args.vq:
        model = VQVAE(args.codebook_size)
    else:
        trained_on = "random corruptions" if args.denoising else "clean"
        model = Autoencoder(args.kind, args.latent_dim, trained_on, args.left_out_digit)
    started = time.perf_counter()
    train_autoencoder(
        model, torch.from_numpy(data.train_images[keep]), epochs, args.seed, lr=lr, denoising=args.denoising
    )
    seconds = time.perf_counter() - started
    figures, rows = measure(model, data, args.left_out_digit)
    figures = {
        "command": command_line(__spec__.name, argv),
        "training_seconds": round(seconds, 1),
        "machine": machine(),
        "data": data.describe().split(";")[0],
    } | figures
    if args.vq:
        title = f"VQ-VAE on MNIST: K = {args.codebook_size} codes on a 7x7 grid"
        what = (
            "Convolutional encoder to a 7x7 grid of 16-D vectors, nearest-code quantisation, straight-through gradient"
        )
    else:
        title = f"{args.kind} autoencoder on MNIST, r = {args.latent_dim}" + (", denoising" if args.denoising else "")
        what = {
            "linear": "Affine encoder and decoder",
            "mlp": "MLP 784-256-64-r and back, sigmoid output",
            "conv": "Two stride-2 convolutions, a linear map to r, and back, sigmoid output",
        }[args.kind]
    extra = (
        " Inputs corrupted at random (Gaussian, salt and pepper, a masked block), clean targets."
        if args.denoising
        else ""
    )
    extra += f" Trained without the digit {args.left_out_digit}." if args.left_out_digit >= 0 else ""
    write_model_folder(
        model,
        PRETRAINED_DIR / args.name,
        title,
        f"{what}. Adam (lr {lr:g}, batch 64), {epochs} epochs on {figures['data']}.{extra}",
        figures,
        rows,
    )
    print(" | ".join(f"{what}: {value}" for what, value in rows))


if __name__ == "__main__":
    main()
