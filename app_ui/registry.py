"""The page registry: each page's script, title, icon, URL path and Home card, written once.
``app.py`` builds the navigation from it and the Home page draws a card per entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    """One page: ``script`` under app_pages/, shown as ``icon title`` at ``/url_path``; the Home
    card shows ``card_image`` (in assets/) with ``card_caption`` beside ``card_text``; pages are
    grouped by ``section`` in the navigation and on Home."""

    script: str
    title: str
    icon: str
    url_path: str
    section: str = ""
    card_text: str = ""
    card_caption: str = ""
    card_image: str = ""


LIVE_2D = "Trained live on 2-D data"
DIGITS = "Models of digits"
THEORY = "Theory and measures"

HOME = PageEntry("app_pages/home.py", "Home", "🏠", "")

PAGES: tuple[PageEntry, ...] = (
    PageEntry(
        "app_pages/flows.py",
        "Normalizing flows",
        "🌊",
        "flows",
        section=LIVE_2D,
        card_image="card_flows.png",
        card_caption="Pictured: the ring of 8 Gaussians, the density a spline flow learned in 20 seconds, and its samples.",
        card_text="Train NICE, Real NVP, Glow and spline flows on 2-D targets (or your own drawing) and a "
        "1-D flow that shows the change-of-variables formula. See the learned density next to the "
        "true one, the KL that is left, and how each coupling layer moves space.",
    ),
    PageEntry(
        "app_pages/gans.py",
        "GANs",
        "⚔️",
        "gans",
        section=LIVE_2D,
        card_image="card_gans.png",
        card_caption="Pictured: a generator collapsing onto a few of the 8 modes (left) and one that covers them all "
        "(right), with the discriminator's verdict as the background.",
        card_text="Train a GAN live as in GAN Lab, with 13 losses (minimax, non-saturating, least squares, hinge, "
        "WGAN, WGAN-GP and six f-GANs), spectral normalization and R1. Watch mode collapse happen on a per-mode "
        "timeline, measure it (modes captured, high-quality samples, W₁), and compare two setups side by side.",
    ),
    PageEntry(
        "app_pages/diffusion.py",
        "Diffusion and flow matching",
        "🌫️",
        "diffusion",
        section=LIVE_2D,
        card_image="card_diffusion.png",
        card_caption="Pictured: flow-matching paths from noise to the ring of 8, nearly straight.",
        card_text="Train a diffusion model (DDPM, linear or cosine schedule) or flow matching on 2-D data and watch "
        "samples flow back from noise: DDPM's reverse SDE, DDIM, annealed Langevin, or Euler and Heun on the flow, any "
        "number of steps, with W₁ and the exact likelihood through the ODE beside the flows' figures.",
    ),
    PageEntry(
        "app_pages/arena.py",
        "Arena",
        "🏟️",
        "arena",
        section=LIVE_2D,
        card_image="card_arena.png",
        card_caption="Pictured: six families after 10 seconds each on the ring of 8.",
        card_text="Race a flow, a GAN, a VAE, a diffusion model, flow matching and RNADE on the same data for the same "
        "seconds each, and see who wins which yardstick: exact KL, W₁, MMD, modes covered, sampling speed. Replay the "
        "race checkpoint by checkpoint.",
    ),
    PageEntry(
        "app_pages/vae.py",
        "VAEs",
        "🧬",
        "vae",
        section=DIGITS,
        card_image="card_vae.png",
        card_caption="Pictured: the latent space of a 2-D VAE, a grid of decoded digits with the held-out digits' "
        "encodings over it.",
        card_text="Explore VAEs trained on MNIST: click anywhere in the latent map to decode it, interpolate between "
        "digits, draw a digit and see its posterior q(z|x) beside the true p(z|x), watch the IWAE bound climb "
        "towards log p(x), compare β = 0.5, 1 and 4, and train a small VAE live.",
    ),
    PageEntry(
        "app_pages/autoencoders.py",
        "Autoencoders",
        "🗜️",
        "autoencoders",
        section=DIGITS,
        card_image="card_autoencoders.png",
        card_caption="Pictured: held-out digits and their reconstructions by PCA and by linear, MLP and convolutional "
        "autoencoders with the same 8-number latent.",
        card_text="See an autoencoder as a non-linear PCA (the linear one lands on PCA's subspace, the others go below "
        "its error), clean noisy digits, compress them against JPEG and a VQ-VAE on one rate-distortion chart, cluster "
        "their latents with k-means, flag digits the model never saw, and train one live.",
    ),
    PageEntry(
        "app_pages/autoregressive.py",
        "Autoregressive models",
        "🧵",
        "autoregressive",
        section=DIGITS,
        card_image="card_autoregressive.png",
        card_caption="Pictured: PixelCNN drawing four digits pixel by pixel (top), with the probability each pixel was "
        "drawn with (bottom).",
        card_text="Watch FVSBN, NADE, MADE, PixelCNN and a small transformer draw digits one pixel at a time, complete a "
        "digit you start, show which pixels surprise them, and who sees which pixel (PixelCNN's blind spot included). "
        "Compare their exact likelihoods with the VAEs' bounds, and train one live, or RNADE on 2-D data.",
    ),
    PageEntry(
        "app_pages/image_gans.py",
        "Image GANs",
        "🖼️",
        "image_gans",
        section=DIGITS,
        card_image="card_image_gans.png",
        card_caption="Pictured: InfoGAN's digits, one row per value of its 10-way code: it found the digits without "
        "being shown a label.",
        card_text="DCGAN, a conditional GAN with a projection discriminator, ACGAN and InfoGAN on MNIST: samples, the "
        "class × noise grid checked by a classifier, InfoGAN's codes swept one at a time (which one slants, which one "
        "widens, and is the categorical code a digit?), and interpolation in z.",
    ),
    PageEntry(
        "app_pages/style_mixing.py",
        "Style mixing",
        "🎨",
        "style_mixing",
        section=DIGITS,
        card_image="card_style_mixing.png",
        card_caption="Pictured: source A across the top, source B down the left; each cell takes A's styles with B's "
        "coarse ones, so it shows B's digit in A's colours.",
        card_text="Mix the styles of a small StyleGAN trained on coloured digits: copy one seed's coarse, middle or fine "
        "styles (or any layers) into another's, truncate towards the average image, see where the noise acts, "
        "interpolate in z and in w, and measure how much each layer changes the image.",
    ),
    PageEntry(
        "app_pages/divergences.py",
        "Divergences",
        "📏",
        "divergences",
        section=THEORY,
        card_image="card_divergences.png",
        card_caption="Pictured: two Gaussians fitted to a three-mode mixture by forward KL (spreading over all three), "
        "reverse KL (dropping one), JS and Wasserstein-1.",
        card_text="Fit a model to a mixture you edit by KL, reverse KL, JS, TV, Hellinger, χ², α-divergences or "
        "Wasserstein, replay the fits and measure each by all of them; watch JS saturate at log 2 when supports stop "
        "overlapping while W₁ keeps a gradient; check that a GAN with the optimal discriminator computes 2 JS − log 4; "
        "draw the optimal transport plan between two 2-D sample sets, your GAN's included.",
    ),
    PageEntry(
        "app_pages/minimax.py",
        "Minimax dynamics",
        "🌀",
        "minimax",
        section=THEORY,
        card_image="card_minimax.png",
        card_caption="Pictured: five update rules from the same start on L = θφ: simultaneous GDA spirals out, "
        "alternating cycles, optimistic and extragradient spiral in.",
        card_text="Gradient descent-ascent on games where everything is exact (the bilinear game, a convex-concave one, "
        "the Dirac-GAN with R1 or a gradient penalty): simultaneous, alternating, n_dis ascent steps, optimistic and "
        "extragradient updates, their paths, and the eigenvalues that say who converges.",
    ),
    PageEntry(
        "app_pages/evaluation.py",
        "Evaluation",
        "📋",
        "evaluation",
        section=THEORY,
        card_image="card_evaluation.png",
        card_caption="Pictured: FID against the number of samples, and the real-vs-real floor.",
        card_text="Every shipped image model on one table: FID, Inception score, precision and recall in a digit "
        "classifier's features, the test likelihood where there is one (exact or a bound), and sampling time, with "
        "the floor that real digits reach and the caveats.",
    ),
)


def sections() -> dict[str, list[PageEntry]]:
    """The pages by section, in the order of PAGES."""
    grouped: dict[str, list[PageEntry]] = {}
    for page in PAGES:
        grouped.setdefault(page.section, []).append(page)
    return grouped
