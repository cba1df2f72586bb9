"""Train the Style Mixing page's generator: ``python -m engine.train.stylegan [--minutes M] [--kimg K] ...``.

StyleGAN2's recipe (Karras et al., 2020), scaled down for 32 x 32 coloured digits
(:mod:`engine.stylegan.data`) on a CPU, or on CUDA when present:

* non-saturating logistic loss, softplus(-D(G(z))) for G and softplus(D(G(z))) + softplus(-D(x))
  for D, with the R1 penalty gamma/2 E||grad_x D(x)||^2 on real images every 16 steps (lazy,
  scaled by 16; Mescheder et al., 2018);
* style-mixing regularisation: with probability ``--mixing`` an image takes the ws of a second z
  from a random layer on, so the layers cannot rely on sharing one w;
* random per-pixel noise while training; w_avg tracked as a running mean of w (for truncation);
* Adam (lr 0.0025, betas 0 and 0.99) for both networks, and an exponential moving average of G's
  weights (half-life ``--ema-kimg`` thousand images) which is the model shipped.

The data are rendered afresh for every batch from a seeded generator, so a run is reproducible
from its seed (up to the nondeterminism of the device's kernels).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from engine.mnist import load_mnist
from engine.pretrained import PRETRAINED_DIR, load_model
from engine.sample_metrics import frechet_distance
from engine.stylegan.data import color_digits, to_uint8
from engine.stylegan.explore import tile
from engine.stylegan.models import Discriminator, Generator
from engine.train.cards import command_line, write_model_folder

R1_INTERVAL = 16
W_AVG_BETA = 0.995


def sample_grid(images: torch.Tensor, columns: int) -> Image.Image:
    """Images (n, 3, H, W) in [-1, 1] tiled ``columns`` to a row, at their own size."""
    pixels = list(to_uint8(images))
    return Image.fromarray(
        tile([pixels[i : i + columns] for i in range(0, len(pixels), columns)], cell=images.shape[-1], gap=0)
    )


def mixed_ws(generator: Generator, z: torch.Tensor, mixing: float, rng: torch.Generator) -> torch.Tensor:
    """ws of ``z``; with probability ``mixing`` each sample takes a second z's ws from a random layer on."""
    ws = generator.map(z)
    if mixing > 0 and torch.rand((), generator=rng).item() < mixing:
        cutoff = int(torch.randint(1, generator.num_ws, (), generator=rng))
        other = generator.map(torch.randn(z.shape, generator=rng).to(z.device))
        ws = torch.cat([ws[:, :cutoff], other[:, cutoff:]], dim=1)
    return ws


def train(
    minutes: float,
    kimg: float,
    batch: int = 32,
    seed: int = 0,
    lr: float = 0.0025,
    r1_gamma: float = 0.1,
    mixing: float = 0.9,
    ema_kimg: float = 10.0,
    device: str = "auto",
    snapshots: Path | None = None,
    log_every: int = 200,
) -> tuple[Generator, dict]:
    """Train until ``minutes`` of wall clock or ``kimg`` thousand real images, whichever comes
    first; returns the EMA generator and the training record."""
    device = torch.device(
        "cuda" if device == "auto" and torch.cuda.is_available() else "cpu" if device == "auto" else device
    )
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    digits = torch.as_tensor(load_mnist().train_images)
    generator, discriminator = Generator().to(device), Discriminator().to(device)
    ema = copy.deepcopy(generator).eval().requires_grad_(False)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.0, 0.99), eps=1e-8)
    # lazy R1: D's Adam is set for the penalty's interval (StyleGAN2, appendix B)
    ratio = R1_INTERVAL / (R1_INTERVAL + 1)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=lr * ratio, betas=(0.0, 0.99**ratio), eps=1e-8)
    ema_beta = 0.5 ** (batch / (ema_kimg * 1000))
    fixed_z = torch.randn(64, generator.z_dim, generator=torch.Generator().manual_seed(123)).to(device)
    started, step, images_seen, record = time.perf_counter(), 0, 0, {"log": []}
    while time.perf_counter() - started < minutes * 60 and images_seen < kimg * 1000:
        real, _ = color_digits(digits[torch.randint(len(digits), (batch,), generator=rng)], rng)
        real = real.to(device)
        # generator step
        z = torch.randn(batch, generator.z_dim, generator=rng).to(device)
        ws = mixed_ws(generator, z, mixing, rng)
        g_loss = F.softplus(-discriminator(generator.synthesize(ws, "random"))).mean()
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        g_optimizer.step()
        with torch.no_grad():
            generator.w_avg.lerp_(ws[:, 0].mean(0), 1 - W_AVG_BETA)
        # discriminator step (with the lazy R1 penalty)
        with torch.no_grad():
            fake = generator.synthesize(
                mixed_ws(generator, torch.randn(batch, generator.z_dim, generator=rng).to(device), mixing, rng),
                "random",
            )
        r1_step = step % R1_INTERVAL == 0
        real.requires_grad_(r1_step)
        real_logits = discriminator(real)
        d_loss = F.softplus(discriminator(fake)).mean() + F.softplus(-real_logits).mean()
        penalty = torch.zeros((), device=device)
        if r1_step:
            (gradient,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            penalty = gradient.square().sum(dim=(1, 2, 3)).mean() * (r1_gamma / 2) * R1_INTERVAL
        d_optimizer.zero_grad(set_to_none=True)
        (d_loss + penalty).backward()
        d_optimizer.step()
        # the shipped weights: an exponential moving average of G's
        with torch.no_grad():
            for averaged, current in zip(ema.parameters(), generator.parameters(), strict=True):
                averaged.lerp_(current, 1 - ema_beta)
            for averaged, current in zip(ema.buffers(), generator.buffers(), strict=True):
                averaged.copy_(current)
        step += 1
        images_seen += batch
        if step % log_every == 0:
            entry = {
                "step": step,
                "kimg": images_seen / 1000,
                "seconds": time.perf_counter() - started,
                "g_loss": g_loss.item(),
                "d_loss": d_loss.item(),
                "r1": penalty.item() / R1_INTERVAL if r1_step else None,
            }
            record["log"].append(entry)
            print(json.dumps(entry), flush=True)
            if snapshots is not None and step % (log_every * 10) == 0:
                snapshots.mkdir(parents=True, exist_ok=True)
                with torch.no_grad():
                    sample_grid(ema(fixed_z).cpu(), 8).save(snapshots / f"ema-{images_seen // 1000:05d}kimg.png")
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    record |= {
        "steps": step,
        "kimg": images_seen / 1000,
        "training_seconds": time.perf_counter() - started,
        "device": device_name,
        "batch": batch,
        "seed": seed,
        "lr": lr,
        "r1_gamma": r1_gamma,
        "mixing": mixing,
        "ema_kimg": ema_kimg,
    }
    return ema.cpu(), record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.train.stylegan", description=__doc__.split("\n")[0])
    parser.add_argument("--name", default="stylegan-color-digits")
    parser.add_argument("--minutes", type=float, default=110.0, help="wall-clock budget (default 110)")
    parser.add_argument("--kimg", type=float, default=10_000.0, help="stop after this many thousand real images")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--r1-gamma", type=float, default=0.1)
    parser.add_argument("--mixing", type=float, default=0.9)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default {PRETRAINED_DIR}/<name>)")
    parser.add_argument("--snapshots", type=Path, default=None, help="write EMA sample grids here while training")
    parser.add_argument("--card-only", action="store_true", help="only measure the folder's model and rewrite its card")
    args = parser.parse_args(argv)
    folder = args.out or PRETRAINED_DIR / args.name
    if args.card_only:
        record = json.loads((folder / "training.json").read_text())
        generator = Generator.from_pretrained(folder)
    else:
        generator, record = train(
            args.minutes,
            args.kimg,
            args.batch,
            args.seed,
            r1_gamma=args.r1_gamma,
            mixing=args.mixing,
            device=args.device,
            snapshots=args.snapshots,
        )
        record["command"] = command_line("engine.train.stylegan", argv)
        folder.mkdir(parents=True, exist_ok=True)
        generator.save_pretrained(folder)  # the weights first: a failure while measuring must not lose the run
        (folder / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    write_card(generator.eval(), folder, record)
    print(
        f"wrote {folder}: {record['kimg']:.0f} kimg in {record['training_seconds'] / 60:.1f} min on {record['device']}"
    )
    return 0


def write_card(generator: Generator, folder: Path, record: dict) -> None:
    """Measure the generator (:mod:`engine.stylegan.evaluate`) and write its folder and model card."""
    from engine.mnist_classifier import CLASSIFIER, MnistClassifier
    from engine.stylegan import evaluate

    classifier = load_model(CLASSIFIER, MnistClassifier)
    real = evaluate.real_held_out()
    scores = evaluate.mixing_scores(generator, classifier, list(range(20)), list(range(100, 120)))
    influence = evaluate.style_influence(generator)
    fid = evaluate.classifier_fid(generator, classifier, real)
    floor = frechet_distance(
        evaluate.classifier_features(classifier, evaluate.real_held_out(seed=2)[:500]),
        evaluate.classifier_features(classifier, real[500:]),
    )
    figures = {
        "command": record["command"],
        "training_seconds": record["training_seconds"],
        "machine": record["device"],
        "kimg": record["kimg"],
        "steps": record["steps"],
        "classifier_fid": fid,
        "classifier_fid_real_halves": floor,
        "mixing": vars(scores),
        "style_influence": dict(zip(generator.layer_names, influence.round(4).tolist(), strict=True)),
    }
    rows = [
        ("images seen / steps (batch 32)", f"{record['kimg']:.0f} thousand / {record['steps']:,}"),
        (
            "classifier-feature FID, 5,000 generated vs the 1,000 held-out digits in colour",
            f"{fid:.1f} (500 real vs 500 other real: {floor:.1f})",
        ),
        (
            "B's coarse styles (layers 0-2): cells showing B's digit, 20 x 20 seeds",
            f"{100 * scores.coarse_takes_b_digit:.1f}%",
        ),
        ("B's fine styles (layers 5-6): cells keeping A's digit", f"{100 * scores.fine_keeps_a_digit:.1f}%"),
        ("... whose stroke colour is nearer B's than A's", f"{100 * scores.fine_colour_to_b:.1f}%"),
        (
            "mean absolute pixel change when one layer's style is swapped",
            ", ".join(f"{n} {v:.3f}" for n, v in figures["style_influence"].items()),
        ),
    ]
    if "cpu_seconds_per_step" in record:  # trained elsewhere: what this run costs on the project's CPU machine
        minutes = record["cpu_seconds_per_step"] * record["steps"] / 60
        rows.append(
            (
                "the same run on the project's 2-core CPU machine",
                f"{record['cpu_seconds_per_step']:.2f} s/step x {record['steps']:,} steps = {minutes:.0f} min ({record['cpu_note']})",
            )
        )
        figures["cpu_minutes_estimate"] = minutes
    write_model_folder(
        generator,
        folder,
        "A small StyleGAN for coloured digits (32 x 32)",
        "A StyleGAN2-like generator (mapping 64 -> 64, 7 style layers at 4 to 32 pixels, modulated convolutions, "
        "per-layer noise; `engine.stylegan.models.Generator`) trained on the shipped MNIST subset rendered in colour "
        "(`engine.stylegan.data`): the digit's shape, size and slant are coarse factors, stroke and background colours "
        "fine ones. Shipped weights are the exponential moving average of the generator's.",
        figures,
        rows,
    )


if __name__ == "__main__":
    raise SystemExit(main())
