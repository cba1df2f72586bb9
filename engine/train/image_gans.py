"""Train a shipped image GAN: ``python -m engine.train.image_gans --model dcgan|projection|acgan|infogan [--steps N]``.

The four kinds of :mod:`engine.image_gans.models` on the 4,000 training digits of the MNIST subset
(grey levels in [0, 1]), with the DCGAN paper's recipe: the non-saturating loss (binary
cross-entropy on D's logit), Adam (lr 2e-4, betas 0.5 and 0.999) for both players (InfoGAN's G:
lr 1e-3, as Chen et al.), one D step per G step, batch 64. ACGAN adds the class cross-entropy of
real digits to D's loss and of fake ones to G's (Odena et al. also train D to name the fakes' classes: after 5 min that gave 39% class
accuracy, D learning to name early blobs); InfoGAN adds CE(Q_c, c) + lambda_u ||Q_u - u||^2 to
both (Q shares D's features), c ~ Cat(10), u ~ U(-1, 1)^2, lambda_u = 0.1 (Chen et al. weigh the
continuous codes less). The generator is shipped with its card: training time,
classifier-feature FID and Inception score on 5,000 samples against the 1,000 held-out digits,
and for the conditional kinds the class accuracy read by the shipped classifier; for InfoGAN the
agreement of its categorical code with the classifier's digit, up to the best permutation
(Hungarian matching on the confusion matrix), and each continuous code's correlation with the
digits' slant and width (:func:`engine.image_gans.explore.code_effects`).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from engine.evaluation.metrics import inception_score
from engine.evaluation.table import RealDigits
from engine.image_gans.explore import code_agreement, code_effects, draw_inputs, sample
from engine.image_gans.models import CLASSES, INFOGAN_Z_DIM, KINDS, ImageDiscriminator, ImageGenerator
from engine.mnist import load_mnist
from engine.mnist_classifier import classifier_outputs
from engine.pretrained import PRETRAINED_DIR
from engine.sample_metrics import frechet_distance
from engine.train.cards import command_line, machine, write_model_folder

CONTINUOUS_WEIGHT = 0.1  # lambda_u
EVALUATION_SAMPLES = 5000


def _info_loss(q: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    categorical = F.cross_entropy(q[:, :CLASSES], codes[:, :CLASSES].argmax(dim=1))
    return categorical + CONTINUOUS_WEIGHT * (q[:, CLASSES:] - codes[:, CLASSES:]).pow(2).sum(1).mean()


def train(
    kind: str, steps: int, seed: int = 0, batch: int = 64, minutes: float | None = None, log_every: int = 250
) -> tuple[ImageGenerator, dict]:
    torch.manual_seed(seed)
    generator = ImageGenerator(kind, z_dim=INFOGAN_Z_DIM) if kind == "infogan" else ImageGenerator(kind)
    discriminator = ImageDiscriminator(kind)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=1e-3 if kind == "infogan" else 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = load_mnist()
    images, labels = (
        torch.as_tensor(data.train_images, dtype=torch.float32),
        torch.as_tensor(data.train_labels, dtype=torch.long),
    )
    rng = torch.Generator().manual_seed(seed)
    started, step = time.perf_counter(), 0
    while step < steps and (minutes is None or time.perf_counter() - started < 60 * minutes):
        rows = torch.randint(0, len(images), (batch,), generator=rng)
        real, real_labels = images[rows], labels[rows]
        z, fake_labels, codes = draw_inputs(generator, batch, rng)
        fake = generator(z, fake_labels, codes)
        real_score, real_head = discriminator(real, real_labels)
        fake_score, fake_head = discriminator(fake.detach(), fake_labels)
        d_loss = F.binary_cross_entropy_with_logits(real_score, torch.ones(batch)) + F.binary_cross_entropy_with_logits(
            fake_score, torch.zeros(batch)
        )
        if kind == "acgan":
            d_loss = d_loss + F.cross_entropy(real_head, real_labels)
        if kind == "infogan":
            d_loss = d_loss + _info_loss(fake_head, codes)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        fake_score, fake_head = discriminator(fake, fake_labels)
        g_loss = F.binary_cross_entropy_with_logits(fake_score, torch.ones(batch))
        if kind == "acgan":
            g_loss = g_loss + F.cross_entropy(fake_head, fake_labels)
        if kind == "infogan":
            g_loss = g_loss + _info_loss(fake_head, codes)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        step += 1
        if step % log_every == 0 or step == 1:
            print(
                f"step {step}: D {d_loss.item():.3f}  G {g_loss.item():.3f}  ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    generator.eval()
    return generator, {"steps": step, "training_seconds": round(time.perf_counter() - started, 1), "batch": batch}


def measure(generator: ImageGenerator, n: int = EVALUATION_SAMPLES, real: RealDigits | None = None) -> dict:
    real = real or RealDigits.load()
    images, labels = sample(generator, n)
    features, probabilities = classifier_outputs(real.classifier, images)
    figures = {
        "fid": round(frechet_distance(real.held_out, features), 2),
        "inception_score": round(inception_score(probabilities), 3),
        "samples": n,
    }
    digits = probabilities.argmax(axis=1)
    if generator.conditional:
        figures["class_accuracy"] = round(float((digits == labels.numpy()).mean()), 4)
    if generator.kind == "infogan":
        figures["code_agreement"] = round(code_agreement(labels.numpy(), digits)[0], 4)
        figures["code_effects"] = {code: [round(v, 3) for v in pair] for code, pair in code_effects(generator).items()}
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(KINDS), required=True)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--minutes", type=float, default=None, help="stop earlier after this long")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    generator, record = train(args.model, args.steps, args.seed, minutes=args.minutes)
    figures = {
        "command": command_line("engine.train.image_gans", argv),
        "machine": machine(),
        **record,
        **measure(generator),
    }
    rows = [
        ("training", f"{record['steps']:,} steps of batch {record['batch']} in {record['training_seconds']:.0f} s"),
        ("classifier-feature FID, 5,000 samples vs 1,000 held-out digits", f"{figures['fid']:.1f}"),
        ("Inception score (classifier's)", f"{figures['inception_score']:.2f}"),
    ]
    if "class_accuracy" in figures:
        rows.append(
            ("class accuracy (the classifier's digit = the class asked for)", f"{figures['class_accuracy']:.1%}")
        )
    if "code_agreement" in figures:
        rows.append(("categorical code = digit, best permutation", f"{figures['code_agreement']:.1%}"))
    write_model_folder(
        generator,
        PRETRAINED_DIR / f"gan-{args.model}",
        f"{KINDS[args.model]} on MNIST",
        f"The generator of a {KINDS[args.model]} trained on the 4,000 training digits of the MNIST subset "
        "(engine/image_gans/models.py). The classifier features are the shipped MNIST classifier's, not "
        "Inception's.",
        figures,
        rows,
    )
    print(figures)


if __name__ == "__main__":
    main()
