"""Regenerate the README's screenshots and the home page's card picture from the real app.

    python -m docs.make_screenshots [flows] [gans] [vae] [autoencoders] [autoregressive] [diffusion] [arena] [minimax] [evaluation] [image_gans] [divergences] [style_mixing]     (default: all)

Starts the server, trains on the Flows and GANs pages in Chromium, explores the VAE,
Divergences and Style Mixing pages, and writes docs/*.png and assets/card_*.png.
"""

import functools
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps
from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM_FLAGS, serve_app, wait_for_metric, wait_for_script
from tests.e2e.canvas_drawing import draw_polyline

ROOT = Path(__file__).resolve().parents[1]


def train(page, url: str, path: str, steps: int) -> None:
    page.goto(f"{url}{path}")
    wait_for_script(page, timeout=60_000)
    page.get_by_role("button", name="▶ Train").click()
    wait_for_metric(page, "Step", lambda step: step >= steps, timeout=180)
    page.get_by_role("button", name="⏸ Pause").click()
    page.get_by_role("button", name="▶ Train").wait_for()
    wait_for_script(page)
    time.sleep(1.0)


def open_page_view(page, page_url: str, query: str, ready: str) -> None:
    """Open ``page_url?query`` and wait for the ``ready`` text and every chart to be drawn."""
    page.goto(f"{page_url}?{query}")
    wait_for_script(page, timeout=120_000)
    page.get_by_text(ready).first.wait_for(timeout=120_000)
    for chart in page.locator("[data-testid='stPlotlyChart'] .main-svg").all():
        chart.wait_for()
    time.sleep(1.0)


def main(pages: list[str]) -> None:
    """Screenshots of the named pages (flows, gans, vae, autoencoders, autoregressive, diffusion, arena, minimax, evaluation, image_gans, divergences, style_mixing), or of all of them."""
    (ROOT / "artifacts").mkdir(exist_ok=True)
    with serve_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        for name in pages or [
            "flows",
            "gans",
            "vae",
            "autoencoders",
            "autoregressive",
            "diffusion",
            "arena",
            "minimax",
            "evaluation",
            "image_gans",
            "divergences",
            "style_mixing",
        ]:
            globals()[name](page, url)
        browser.close()
    for path in [*ROOT.glob("docs/*.png"), *ROOT.glob("assets/card_*.png")]:
        Image.open(path).convert("RGB").save(path, optimize=True)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


def flows(page, url: str) -> None:
    """A spline flow on the ring, its layers, and a 1-D flow; the home card from three panels."""
    train(page, url, "/flows?target=ring8", steps=1500)
    page.screenshot(path=ROOT / "docs" / "flows.png")
    page.get_by_text("How the flow moves space").scroll_into_view_if_needed()
    page.locator("[data-testid='stImage']").nth(4).screenshot(path=ROOT / "docs" / "flows_layers.png")
    panels = [ROOT / "artifacts" / f"card_{i}.png" for i in range(3)]
    for i, path in enumerate(panels):  # target, learned density, samples
        page.locator("[data-testid='stImage'] img").nth(i).screenshot(path=path)
    images = [Image.open(path).convert("RGB") for path in panels]
    card = Image.new("RGB", (sum(im.width for im in images) + 16, images[0].height), "white")
    for i, im in enumerate(images):
        card.paste(im, (i * (im.width + 8), 0))
    card.save(ROOT / "assets" / "card_flows.png")
    train(page, url, "/flows?target=bimodal_1d", steps=600)
    page.locator("[data-testid='stPlotlyChart']").first.screenshot(path=ROOT / "docs" / "flows_1d.png")


def gans(page, url: str) -> None:
    """The collapse preset next to the same GAN fixed by R1 (A/B), and a 1-D GAN."""
    collapse = "g_lr=0.0001&d_lr=0.0001&noise_dim=16"
    b_fixed = "&".join(f"b_{pair}" for pair in collapse.split("&")) + "&b_r1_gamma=0.1"
    train(page, url, f"/gans?target=ring8_narrow&seed=1&{collapse}&ab=1&{b_fixed}", steps=4000)
    page.screenshot(path=ROOT / "docs" / "gans_ab.png")
    fields = [ROOT / "artifacts" / f"card_gan_{i}.png" for i in range(2)]
    for i, path in enumerate(fields):
        page.locator("[data-testid='stImage']").filter(has_text="Background:").nth(i).locator("img").screenshot(
            path=path
        )
    images = [Image.open(path).convert("RGB").resize((300, 300)) for path in fields]
    card = Image.new("RGB", (608, 300), "white")
    for i, im in enumerate(images):
        card.paste(im, (i * 308, 0))
    card.save(ROOT / "assets" / "card_gans.png")
    train(page, url, "/gans?target=ring8_narrow&g_lr=0.002&d_lr=0.002&lr_half_life=2000", steps=6000)
    page.screenshot(path=ROOT / "docs" / "gans.png")
    train(page, url, "/gans?target=bimodal_1d", steps=1500)
    page.locator("[data-testid='stPlotlyChart']").first.screenshot(path=ROOT / "docs" / "gans_1d.png")


def vae(page, url: str) -> None:
    """The latent map, a drawn digit's posterior, and beta side by side."""
    page.goto(f"{url}/vae?z1=0.6&z2=-0.4&start=3")
    wait_for_script(page, timeout=60_000)
    time.sleep(1.0)
    page.screenshot(path=ROOT / "docs" / "vae_map.png")
    page.frame_locator("iframe[title*='image_coordinates']").locator("img").screenshot(
        path=ROOT / "assets" / "card_vae.png"
    )
    page.set_viewport_size({"width": 1400, "height": 1750})  # the app scrolls inside the page: show the whole view
    page.goto(f"{url}/vae?view=posterior")
    wait_for_script(page, timeout=60_000)
    draw_polyline(page, [(70, 60), (200, 60), (170, 130), (140, 190), (115, 245)], key="vae_canvas")
    time.sleep(1.0)
    page.screenshot(path=ROOT / "docs" / "vae_posterior.png", full_page=True)
    page.goto(f"{url}/vae?view=beta")
    wait_for_script(page, timeout=60_000)
    time.sleep(1.0)
    page.screenshot(path=ROOT / "docs" / "vae_beta.png", full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})


def autoencoders(page, url: str) -> None:
    """AE vs PCA, the rate-distortion chart with a VQ-VAE's digits, the anomaly scores; the home
    card from the AE vs PCA view's rows of digits."""
    open_view = functools.partial(open_page_view, page, f"{url}/autoencoders")
    open_view("view=pca", "principal angles")
    page.screenshot(path=ROOT / "docs" / "autoencoders_pca.png")
    digits = page.locator("[data-testid='stHorizontalBlock']").filter(has=page.locator("[data-testid='stImage']"))
    rows = [ROOT / "artifacts" / f"card_ae_{i}.png" for i in range(5)]
    for i, path in enumerate(rows):
        digits.nth(i).screenshot(path=path)
    images = [Image.open(path).convert("RGB") for path in rows]
    card = Image.new("RGB", (max(im.width for im in images), sum(im.height for im in images)), "white")
    for i, im in enumerate(images):
        card.paste(im, (0, sum(other.height for other in images[:i])))
    left, top, right, bottom = ImageOps.invert(card.convert("L")).getbbox()  # the columns are wider than the digits
    card.crop((max(0, left - 8), top, min(card.width, right + 8), bottom)).save(
        ROOT / "assets" / "card_autoencoders.png"
    )
    open_view("view=compress&compressor=vqvae&codebook=16", "Codebook use")
    page.screenshot(path=ROOT / "docs" / "autoencoders_compress.png")
    open_view("view=anomaly&left_out=8", "ROC AUC")
    page.screenshot(path=ROOT / "docs" / "autoencoders_anomaly.png")


def autoregressive(page, url: str) -> None:
    """PixelCNN's samples with the probability each pixel was drawn with (also the home card),
    the receptive fields, the likelihood table."""
    open_view = functools.partial(open_page_view, page, f"{url}/autoregressive")
    open_view("model=ar-pixelcnn&samples=8&seed=2&step=500", "Pixels drawn")
    page.screenshot(path=ROOT / "docs" / "autoregressive_sample.png")
    open_view("model=ar-pixelcnn&samples=4&seed=2", "Pixels drawn")
    page.locator("[data-testid='stImage']").first.screenshot(path=ROOT / "assets" / "card_autoregressive.png")
    open_view("view=receptive&row=12&column=16", "MADE's masks")
    page.screenshot(path=ROOT / "docs" / "autoregressive_receptive.png")
    open_view("view=table", "Held-out NLL against sampling time")
    page.screenshot(path=ROOT / "docs" / "autoregressive_table.png", full_page=True)


def diffusion(page, url: str) -> None:
    """Flow matching and DDPM trained live on the ring of 8; the home card from flow matching's paths."""
    train(page, url, "/diffusion?sample_steps=20", 3000)
    page.screenshot(path=ROOT / "docs" / "diffusion_flow_matching.png")
    page.locator("[data-testid='stImage']").nth(2).screenshot(path=ROOT / "assets" / "card_diffusion.png")
    train(page, url, "/diffusion?kind=ddpm&sampler=ddpm&sample_steps=100", 3000)
    page.screenshot(path=ROOT / "docs" / "diffusion_ddpm.png")
    train(page, url, "/diffusion?target=grid25&conditional=true&guidance=2&field_noise_level=0.1", 6000)
    page.screenshot(path=ROOT / "docs" / "diffusion_guidance.png", full_page=True)


def arena(page, url: str) -> None:
    """A 10-s race of all six on the ring of 8; the home card from the samples row."""
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto(f"{url}/arena?budget_s=10")
    wait_for_script(page, timeout=60_000)
    page.get_by_role("button", name="▶ Train").click()
    page.get_by_text("The race is over").wait_for(timeout=300_000)
    time.sleep(2.0)
    wait_for_script(page)
    page.screenshot(path=ROOT / "docs" / "arena.png", full_page=True)
    panels = [ROOT / "artifacts" / f"card_arena_{i}.png" for i in range(6)]
    for i, path in enumerate(panels):
        page.locator("[data-testid='stImage'] img").nth(i).screenshot(path=path)
    images = [Image.open(path).convert("RGB").resize((130, 130)) for path in panels]
    card = Image.new("RGB", (3 * 130 + 16, 2 * 130 + 8), "white")
    for i, im in enumerate(images):
        card.paste(im, ((i % 3) * 138, (i // 3) * 138))
    card.save(ROOT / "assets" / "card_arena.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def minimax(page, url: str) -> None:
    """Every rule on the bilinear game, and the Dirac-GAN with R1; the home card from the first picture."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    for query, name in (
        ("steps=300", "minimax_bilinear"),
        ("game=dirac&regularizer=r1&rule=alternating&steps=100", "minimax_dirac"),
    ):
        page.goto(f"{url}/minimax?{query}")
        wait_for_script(page, timeout=60_000)
        page.locator("[data-testid='stImage'] img").first.wait_for()
        time.sleep(1.0)
        page.screenshot(path=ROOT / "docs" / f"{name}.png")
        if name == "minimax_bilinear":
            page.locator("[data-testid='stImage'] img").first.screenshot(path=ROOT / "assets" / "card_minimax.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def evaluation(page, url: str) -> None:
    """The table with samples from every model; the home card from the FID-against-samples chart."""
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(f"{url}/evaluation?samples=true")
    wait_for_script(page, timeout=180_000)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    time.sleep(2.0)
    page.screenshot(path=ROOT / "docs" / "evaluation.png")
    page.locator("[data-testid='stPlotlyChart']").first.screenshot(path=ROOT / "assets" / "card_evaluation.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def image_gans(page, url: str) -> None:
    """The projection cGAN's class grid, InfoGAN's (the home card) and its codes, and the live DCGAN after a while."""
    page.set_viewport_size({"width": 1400, "height": 1100})
    for query, name in (
        ("model=gan-projection&view=classes", "image_gans_classes"),
        ("model=gan-infogan&view=classes", "image_gans_infogan_classes"),
        ("model=gan-infogan&view=codes", "image_gans_infogan"),
    ):
        page.goto(f"{url}/image_gans?{query}")
        wait_for_script(page, timeout=60_000)
        page.locator("[data-testid='stImage'] img").first.wait_for()
        time.sleep(1.0)
        page.screenshot(path=ROOT / "docs" / f"{name}.png", full_page=True)
        if name == "image_gans_infogan_classes":
            page.locator("[data-testid='stImage'] img").first.screenshot(path=ROOT / "assets" / "card_image_gans.png")
    train(page, url, "/image_gans?view=train", 300)
    page.screenshot(path=ROOT / "docs" / "image_gans_live.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def divergences(page, url: str) -> None:
    """The fitting lab on three modes, p vs q with D*, and two sample sets with their transport plan."""
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto(
        f"{url}/divergences?target=0.3:-4:0.6,0.4:0:0.8,0.3:4:0.6&components=2&seed=4&fitted_by=kl,reverse_kl,js,w1"
    )
    wait_for_script(page, timeout=60_000)
    time.sleep(1.0)
    page.screenshot(path=ROOT / "docs" / "divergences_fit.png")
    page.locator("[data-testid='stPlotlyChart']").first.screenshot(path=ROOT / "assets" / "card_divergences.png")
    for view, name in (
        ("view=gan&q_mean=1&q_width=1.5", "divergences_gan"),
        ("view=samples&q_shift=1", "divergences_samples"),
    ):
        page.goto(f"{url}/divergences?{view}")
        wait_for_script(page, timeout=60_000)
        time.sleep(1.0)
        page.screenshot(path=ROOT / "docs" / f"{name}.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def style_mixing(page, url: str) -> None:
    """The mixing grid with coarse and with fine styles copied, and the truncation rows; the home card."""
    page.set_viewport_size({"width": 1400, "height": 1100})
    for query, name in (
        ("", "style_mixing_coarse"),
        ("?layers=5%2C6", "style_mixing_fine"),
        ("?view=truncation", "style_mixing_truncation"),
    ):
        page.goto(f"{url}/style_mixing{query}")
        wait_for_script(page, timeout=60_000)
        time.sleep(1.0)
        page.screenshot(path=ROOT / "docs" / f"{name}.png")
    page.set_viewport_size({"width": 1400, "height": 900})


if __name__ == "__main__":
    main(sys.argv[1:])
