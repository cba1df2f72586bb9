"""GAN losses: one object per loss, all with the same interface, plus gradient penalties.

Notation (lecture "Generative adversarial networks", section 6): p is the data distribution,
q = p_θ the generator's distribution, x ~ p a real sample, x̃ ~ q a generated one. The
discriminator network returns a raw score v(x) ∈ ℝ; each loss says how to read it:

* sigmoid GANs: D(x) = σ(v(x)) is the probability that x is real (v is a logit);
* least squares, hinge and Wasserstein GANs: v(x) itself;
* f-GANs: T(x) = g_f(v(x)), with the output activation g_f mapping ℝ into the domain of the
  convex conjugate f* (Nowozin et al. 2016, "f-GAN: Training Generative Neural Samplers using
  Variational Divergence Minimization").

Every ``discriminator_loss`` and ``generator_loss`` returns a scalar to *minimise*. Logs of
sigmoids are written with ``softplus`` / ``logsigmoid`` (log σ(v) = −softplus(−v),
log(1 − σ(v)) = −softplus(v)), never ``log(sigmoid(v))``, so scores of ±50 stay finite.

Usage::

    from engine.gans.losses import LOSSES, gradient_penalty
    loss = LOSSES["wgan_gp"]
    d_loss = loss.discriminator_loss(discriminator(real), discriminator(fake.detach()))
    if loss.gradient_penalty:
        d_loss = d_loss + loss.gradient_penalty * gradient_penalty(discriminator, real, fake)
    g_loss = loss.generator_loss(discriminator(generator(z)))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.f_divergences import F_DIVERGENCES, FDivergence

RATIO_CLIP = 1e6
"""``optimal_output`` of the f-GANs clips the density ratio p/q to [1/RATIO_CLIP, RATIO_CLIP]."""


def _ratio_to_mixture(p: Any, q: Any) -> np.ndarray:
    """p/(p + q) element-wise; NaN where p + q = 0 (no data and no model mass: no optimum)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, None)
    q = np.clip(np.asarray(q, dtype=np.float64), 0.0, None)
    total = p + q
    with np.errstate(all="ignore"):
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), np.nan)


class GanLoss:
    """A GAN objective: how to turn raw discriminator scores v into the two losses to minimise.

    Attributes (text is for the page): ``key``, ``label``, ``formula`` (one line),
    ``description`` (one sentence), ``paper`` (the citation), ``output_label`` (what
    ``output(v)`` is), ``output_range`` ((lo, hi) when ``output`` is bounded or has a natural
    range, None when unbounded), ``weight_clip`` (clip the discriminator's weights to
    [−c, c] after each discriminator step, or None), ``gradient_penalty`` (λ: add
    λ · ``gradient_penalty(...)`` to the discriminator loss; 0 for none).
    """

    key: str = ""
    label: str = ""
    formula: str = ""
    description: str = ""
    paper: str = ""
    output_label: str = "critic value v(x)"
    output_range: tuple[float, float] | None = None
    weight_clip: float | None = None
    gradient_penalty: float = 0.0

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        """Scalar discriminator loss to minimise, from raw scores v on real and generated samples."""
        raise NotImplementedError

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        """Scalar generator loss to minimise, from raw scores v on generated samples."""
        raise NotImplementedError

    def output(self, scores: torch.Tensor) -> torch.Tensor:
        """What the heatmap shows for raw scores v (see ``output_label``)."""
        return scores

    def optimal_output(self, p: Any, q: Any) -> np.ndarray | None:
        """The pointwise optimal ``output`` given data density p and model density q (arrays of the
        same shape), or None when the loss has no pointwise optimum."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r})"


class _SigmoidGanLoss(GanLoss):
    """Shared discriminator side of the sigmoid GANs: binary cross-entropy on D = σ(v).

    L_D = −E_p log D(x) − E_q log(1 − D(x̃)) = E_p softplus(−v(x)) + E_q softplus(v(x̃)).
    Optimal D*(x) = p(x)/(p(x) + q(x)) (lecture 6.4), i.e. v* = log(p/q).
    """

    output_label = "D(x) = σ(v(x))"
    output_range = (0.0, 1.0)

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()

    def output(self, scores: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(scores)

    def optimal_output(self, p: Any, q: Any) -> np.ndarray:
        """D* = p/(p + q); NaN where p + q = 0 (negative densities are clipped to 0)."""
        return _ratio_to_mixture(p, q)


class NonSaturatingLoss(_SigmoidGanLoss):
    """Non-saturating GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"; lecture 6.6, 6.12).

    L_D = −E_p log D(x) − E_q log(1 − D(x̃)),   L_G = −E_q log D(x̃) = E_q softplus(−v(x̃)).
    """

    key = "non_saturating"
    label = "Non-saturating GAN"
    formula = "L_D = −E_p log D(x) − E_q log(1 − D(x̃)),   L_G = −E_q log D(x̃)"
    description = (
        "The standard practical GAN: the generator maximises log D on its samples, which keeps "
        "gradients strong even when the discriminator easily rejects them."
    )
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets"

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake_scores).mean()


class MinimaxLoss(_SigmoidGanLoss):
    """Minimax (saturating) GAN (Goodfellow et al. 2014; lecture 6.5, 6.11).

    L_D = −E_p log D(x) − E_q log(1 − D(x̃)),   L_G = E_q log(1 − D(x̃)) = −E_q softplus(v(x̃)).
    With the optimal D, the game value is 2·JSD(p‖q) − log 4.
    """

    key = "minimax"
    label = "Minimax GAN"
    formula = "L_D = −E_p log D(x) − E_q log(1 − D(x̃)),   L_G = E_q log(1 − D(x̃))"
    description = (
        "The original zero-sum game, minimising the Jensen–Shannon divergence; its generator "
        "gradient vanishes when D confidently rejects the samples, so it often stalls early."
    )
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets"

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -F.softplus(fake_scores).mean()


class KLGeneratorLoss(_SigmoidGanLoss):
    """KL-based generator loss = minimax + non-saturating (lecture 6.7, 6.13).

    L_D = −E_p log D(x) − E_q log(1 − D(x̃)),
    L_G = E_q log((1 − D(x̃))/D(x̃)) = −E_q v(x̃)   (since log(σ(−v)/σ(v)) = −v).
    With the optimal D* = p/(p + q), L_G = E_q log(q/p) = KL(q‖p).
    """

    key = "kl_generator"
    label = "KL generator loss"
    formula = "L_D = −E_p log D(x) − E_q log(1 − D(x̃)),   L_G = E_q log((1 − D(x̃))/D(x̃)) = −E_q v(x̃)"
    description = (
        "Sum of the minimax and non-saturating generator losses; with an optimal discriminator "
        "it equals KL(q‖p), which is mode-seeking."
    )
    paper = "Lecture notes, GAN section 6.7 (minimax + non-saturating generator loss)"

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -fake_scores.mean()


class LeastSquaresLoss(GanLoss):
    """Least-squares GAN (Mao et al. 2017, "Least Squares Generative Adversarial Networks"),
    with targets a = 0 (fake), b = 1 (real), c = 1 (what G wants):

    L_D = ½ E_p (v(x) − 1)² + ½ E_q v(x̃)²,   L_G = ½ E_q (v(x̃) − 1)².
    Optimal v*(x) = p(x)/(p(x) + q(x)). The heatmap shows v itself on the (0, 1) scale of that
    optimum (values outside are clipped by the colour scale).
    """

    key = "least_squares"
    label = "Least-squares GAN"
    formula = "L_D = ½E_p (v(x) − 1)² + ½E_q v(x̃)²,   L_G = ½E_q (v(x̃) − 1)²"
    description = (
        "Replaces the log loss by squared errors to the targets 1 (real) and 0 (fake), so samples "
        "far on the correct side of the boundary still get a gradient."
    )
    paper = "Mao et al. 2017, Least Squares Generative Adversarial Networks"
    output_label = "v(x) (optimum p/(p+q))"
    output_range = (0.0, 1.0)

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return 0.5 * (real_scores - 1.0).square().mean() + 0.5 * fake_scores.square().mean()

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return 0.5 * (fake_scores - 1.0).square().mean()

    def optimal_output(self, p: Any, q: Any) -> np.ndarray:
        """v* = p/(p + q); NaN where p + q = 0 (negative densities are clipped to 0)."""
        return _ratio_to_mixture(p, q)


class HingeLoss(GanLoss):
    """Hinge GAN (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, "Spectral Normalization
    for Generative Adversarial Networks"):

    L_D = E_p max(0, 1 − v(x)) + E_q max(0, 1 + v(x̃)),   L_G = −E_q v(x̃).
    No pointwise optimum (the discriminator only needs a margin of 1).
    """

    key = "hinge"
    label = "Hinge GAN"
    formula = "L_D = E_p max(0, 1 − v(x)) + E_q max(0, 1 + v(x̃)),   L_G = −E_q v(x̃)"
    description = (
        "A margin loss for the discriminator (stops pushing once real scores exceed 1 and fake "
        "scores fall below −1); pairs well with spectral normalisation."
    )
    paper = "Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs"

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -fake_scores.mean()


class WassersteinLoss(GanLoss):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017, "Wasserstein GAN"; lecture 6.8, 6.10):

    L_D = E_q v(x̃) − E_p v(x),   L_G = −E_q v(x̃),
    with the critic's weights clipped to [−0.01, 0.01] after each critic step to keep it
    (roughly) Lipschitz, so −L_D estimates the Wasserstein-1 distance up to a constant factor
    (Kantorovich–Rubinstein duality). No pointwise optimum.
    """

    key = "wgan_clip"
    label = "WGAN (weight clipping)"
    formula = "L_D = E_q v(x̃) − E_p v(x),   L_G = −E_q v(x̃),   weights clipped to [−0.01, 0.01]"
    description = (
        "A critic estimates the Wasserstein-1 distance, which gives useful gradients even when the "
        "distributions do not overlap; weight clipping is a crude way to keep the critic Lipschitz."
    )
    paper = "Arjovsky et al. 2017, Wasserstein GAN"
    weight_clip = 0.01

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return fake_scores.mean() - real_scores.mean()

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -fake_scores.mean()


class WassersteinGPLoss(WassersteinLoss):
    """WGAN with gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs";
    lecture 6.9, 6.16):

    L_D = E_q v(x̃) − E_p v(x) + λ E_x̂ (‖∇_x̂ v(x̂)‖₂ − 1)²,   L_G = −E_q v(x̃),   λ = 10,
    x̂ = εx + (1 − ε)x̃ with ε ~ U(0, 1). ``discriminator_loss`` returns the first two terms;
    the trainer adds ``gradient_penalty`` · ``gradient_penalty(discriminator, real, fake)``.
    """

    key = "wgan_gp"
    label = "WGAN-GP"
    formula = "L_D = E_q v(x̃) − E_p v(x) + λ E_x̂ (‖∇v(x̂)‖₂ − 1)²,   L_G = −E_q v(x̃),   λ = 10"
    description = (
        "Wasserstein GAN that keeps the critic 1-Lipschitz softly, by penalising gradient norms "
        "different from 1 between real and generated points; the usual robust choice."
    )
    paper = "Gulrajani et al. 2017, Improved Training of Wasserstein GANs"
    weight_clip = None
    gradient_penalty = 10.0


class FGanLoss(GanLoss):
    """f-GAN (Nowozin et al. 2016, "f-GAN: Training Generative Neural Samplers using Variational
    Divergence Minimization"), for one f-divergence:

    T(x) = g_f(v(x)),   L_D = −(E_p T(x) − E_q f*(T(x̃))),   L_G = −E_q T(x̃)
    (the paper's "alternative" generator objective, section 3.2). −L_D is a lower bound on
    D_f(p‖q), tight at T*(x) = f'(p(x)/q(x)). f*(g_f(v)) uses the stable closed form
    ``divergence.conjugate_of_output``.
    """

    output_label = "T(x) = g_f(v(x))"

    def __init__(self, divergence: FDivergence) -> None:
        self.divergence = divergence
        self.key = f"fgan_{divergence.key}"
        self.label = f"f-GAN: {divergence.label}"
        self.formula = (
            f"T = g_f(v), L_D = −(E_p T(x) − E_q f*(T(x̃))), L_G = −E_q T(x̃);   "
            f"{divergence.f_formula}, {divergence.output_activation_formula}, {divergence.conjugate_formula}"
        )
        self.description = (
            f"Maximises a variational lower bound on an f-divergence, here {divergence.divergence_formula}."
        )
        self.paper = (
            "Nowozin et al. 2016, f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization"
        )
        self.output_range = (-0.5, 0.5) if divergence.key == "tv" else None

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        d = self.divergence
        return d.conjugate_of_output(fake_scores).mean() - d.output_activation(real_scores).mean()

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -self.divergence.output_activation(fake_scores).mean()

    def output(self, scores: torch.Tensor) -> torch.Tensor:
        return self.divergence.output_activation(scores)

    def optimal_output(self, p: Any, q: Any) -> np.ndarray:
        """T* = f'(p/q). The ratio is clipped to [1/RATIO_CLIP, RATIO_CLIP] (so a region with data
        but no model mass, or the reverse, shows a large finite value rather than ±inf), and is
        NaN where p = q = 0 (negative densities are clipped to 0)."""
        p = np.clip(np.asarray(p, dtype=np.float64), 0.0, None)
        q = np.clip(np.asarray(q, dtype=np.float64), 0.0, None)
        with np.errstate(all="ignore"):
            ratio = np.clip(p / q, 1.0 / RATIO_CLIP, RATIO_CLIP)
            ratio = np.where((p > 0) | (q > 0), ratio, np.nan)
        return np.asarray(self.divergence.f_prime(ratio), dtype=np.float64)


LOSSES: dict[str, GanLoss] = {
    loss.key: loss
    for loss in (
        NonSaturatingLoss(),
        MinimaxLoss(),
        KLGeneratorLoss(),
        LeastSquaresLoss(),
        HingeLoss(),
        WassersteinLoss(),
        WassersteinGPLoss(),
        *(FGanLoss(F_DIVERGENCES[k]) for k in ("kl", "reverse_kl", "js", "pearson", "hellinger", "tv")),
    )
}
"""All losses by key, in display order."""


# ---------------------------------------------------------------------------------------------
# Gradient penalties
# ---------------------------------------------------------------------------------------------


def _input_gradient(discriminator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
    return grad.flatten(1)


def gradient_penalty(
    discriminator: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty E_x̂ (‖∇_x̂ v(x̂)‖₂ − 1)² (Gulrajani et al. 2017, "Improved Training of
    Wasserstein GANs"), with x̂ = εx + (1 − ε)x̃ and one ε ~ U(0, 1) per sample.

    ``generator`` is the ``torch.Generator`` for ε (not the GAN's generator network). Built with
    ``create_graph=True`` so it can be back-propagated into the discriminator's parameters;
    ``real`` and ``fake`` are detached. Multiply by λ (``GanLoss.gradient_penalty``) yourself.
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, generator=generator, dtype=real.dtype, device=real.device)
    x_hat = eps * real.detach() + (1.0 - eps) * fake.detach()
    grad = _input_gradient(discriminator, x_hat)
    return (torch.linalg.vector_norm(grad, dim=1) - 1.0).square().mean()


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 penalty E_p ‖∇_x v(x)‖₂² on real samples (Mescheder et al. 2018, "Which Training Methods
    for GANs do actually Converge?"). The trainer adds (γ/2) times this to the discriminator
    loss. Built with ``create_graph=True``; ``real`` is detached.
    """
    grad = _input_gradient(discriminator, real)
    return grad.square().sum(dim=1).mean()
