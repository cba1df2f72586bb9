"""VAE page: how fast the latent map and the drawn-digit posterior answer, and the shipped models' quality.

Speed, each measured twice: server side (the engine calls a script run makes, in this process,
median over repeats, with one torch thread as the page's server runs them) and in Chromium against a real ``streamlit run`` server (median over repeats).
The browser figure is what a person sees, so it is the one compared with the issue's target; the
server figure is the part of it that the engine spends. Browser latencies are split, on the
page's clock, into: until the page sends the input, the run "on the wire" (from that send until the
run's last message reaches the browser's network stack, read through the DevTools protocol: the
server's script run and the transfer) and the render after it.

1. Decoding and drawing the 20 x 20 latent grid (target <= 100 ms).
   Server: ``latent.decode_grid`` + ``views.latent_map_image`` with the 1,000 test encodings +
   its JPEG encoding (what the page sends). Browser: from the click on the Spacing radio
   (quantile <-> linear; the page caches decoded grids, so only the first switch to linear
   decodes) and from Enter in the z1 input, until the script state is notRunning and the map's
   image has changed and loaded.
2. Drawing -> posterior and reconstruction on screen (target <= 200 ms).
   Server: ``canvas_to_digit`` on a 280 x 280 RGBA drawing of a seven + ``explore.infer_digit``
   + the view's three figures (as JSON) + the classifier's two labels. Browser: from mouse-up of
   a drawn stroke until the ELBO metric and the input/reconstruction images are on screen; the
   canvas component (streamlit-drawable-canvas) waits a fixed 200 ms after mouse-up before it
   sends a stroke, so the time from that send is reported beside it.
3. First view of /vae (target <= 1.5 s): navigation start until the script is notRunning with
   the map drawn, in a fresh browser context; cold = the first view after the server starts
   (models, data and encodings are loaded then), warm = later views.

Quality of each shipped VAE (``engine.vae.shipped.SHIPPED_VAES``), on the held-out digits
binarized at 0.5: log p(x) estimated by the IWAE bound with k = 5,000 (``bounds.test_figures``;
--quick: the first 100 held-out digits, else all 1,000), ELBO, reconstruction and KL; for 2-D
models, how many of the 10 digits the classifier finds in the decoded 20 x 20 grid (target 10 of
10) and the 5-NN accuracy of test encodings against training encodings (target >= 75% for
vae-2d). Peer, trained in the same run: the issue's "quick 2-D MLP VAE trained for 13 s", the
same architecture trained with Adam on threshold-binarized digits for 13 s of wall clock
(the issue reports about 63% 5-NN accuracy for it). The quality section runs with one torch
thread, as ``engine.train.all`` trains the shipped models.
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.browser_timing import RUN_DONE, Wire, medians, open_page, phases
from benchmarks.common import print_table, write_results
from engine.digit_drawing import canvas_to_digit
from engine.mnist import binarize, load_mnist
from engine.mnist_classifier import CLASSIFIER, MnistClassifier
from engine.pretrained import load_model, model_card_figures, model_folder
from engine.vae import explore, latent, views
from engine.vae.bounds import IWAE_CURVE_KS, test_figures
from engine.vae.models import VAE
from engine.vae.shipped import SHIPPED_VAES
from tests.e2e.canvas_drawing import SEVEN_280 as SEVEN  # a seven on the page's 280 x 280 canvas

RESULTS_PATH = Path(__file__).parent / "results" / "vae.json"
GRID = 20
LL_SAMPLES = 5000
TARGETS = {
    "grid_ms": 100.0,
    "drawing_ms": 200.0,
    "first_view_s": 1.5,
    "grid_digits": 10,
    "knn5_vae_2d": 0.75,
}
PEER_SECONDS = 13.0
PEER_REPORTED_KNN = 0.63  # the figure for the quick peer
CANVAS_DEBOUNCE_MS = 200  # streamlit-drawable-canvas sends a stroke this long after mouse-up


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(function, *args, **kwargs) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


# ----- server side -----
def seven_drawing(shift: int = 0) -> np.ndarray:
    """A seven drawn like the page's canvas does: 280 x 280 RGBA, white 26-px stroke on black."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    points = [(x + shift, y) for x, y in SEVEN]
    ImageDraw.Draw(image).line(points, fill=(255, 255, 255, 255), width=26, joint="curve")
    return np.asarray(image).copy()


def _jpeg(image: np.ndarray) -> bytes:
    """The map as the page sends it (streamlit-image-coordinates, JPEG quality 85)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _server_figures(model: VAE, classifier: MnistClassifier, data, mu: np.ndarray, repeats: int) -> dict[str, Any]:
    grid = {"decode": [], "draw": [], "encode": [], "total": []}
    sent_bytes = 0
    for i in range(repeats + 1):  # the first round warms up
        spacing = latent.SPACINGS[i % 2]
        image, decode_s = timed(latent.decode_grid, model, GRID, spacing)
        drawn, draw_s = timed(
            views.latent_map_image, image, GRID, spacing, mu, data.test_labels, selected=np.array([0.5, -0.5])
        )
        payload, encode_s = timed(_jpeg, drawn.image)
        if i:
            for key, value in zip(grid, (decode_s, draw_s, encode_s, decode_s + draw_s + encode_s)):
                grid[key].append(value)
            sent_bytes = len(payload)
    grid_result = {f"{key}_ms": median_ms(values) for key, values in grid.items()} | {"image_kb": sent_bytes / 1024}

    cached_grid = latent.decode_grid(model, GRID, "quantile")  # the posterior view's map reuses the cached grid
    drawing = {"canvas_to_digit": [], "infer_digit": [], "figures": [], "labels": [], "total": []}
    for i in range(repeats + 1):
        rgba = seven_drawing(shift=i % 5)
        start = time.perf_counter()
        digit, canvas_s = timed(canvas_to_digit, rgba)
        inference, infer_s = timed(explore.infer_digit, model, digit)
        figure_start = time.perf_counter()
        for figure in (
            views.latent_map_figure(
                cached_grid, GRID, "quantile", mu, data.test_labels, ellipse=(inference.mu, inference.sigma), height=420
            ),
            views.posterior_figure(inference.posterior, inference.posterior_axes, inference.mu, inference.sigma),
            views.iwae_figure(IWAE_CURVE_KS, np.array(inference.iwae), None),
        ):
            figure.to_json()
        figures_s = time.perf_counter() - figure_start
        _, labels_s = timed(classifier.predict, np.stack([digit, inference.reconstruction_image]))
        total_s = time.perf_counter() - start
        if i:
            for key, value in zip(drawing, (canvas_s, infer_s, figures_s, labels_s, total_s)):
                drawing[key].append(value)
    return {"grid": grid_result, "drawing": {f"{key}_ms": median_ms(values) for key, values in drawing.items()}}


def run_server_side(repeats: int) -> dict[str, Any]:
    """Milliseconds of the engine work behind one map redraw and one drawn digit (vae-2d), with
    torch's default number of threads (what the page's server uses) and with one thread."""
    model = load_model("vae-2d", VAE)
    classifier = load_model(CLASSIFIER, MnistClassifier)
    data = load_mnist()
    mu, _ = latent.encode_means(model, data.test_images)  # cached by the page
    default_threads = torch.get_num_threads()
    result: dict[str, Any] = {"repeats": repeats, "default_threads": default_threads}
    try:
        for label, threads in (("one_thread", 1),):  # what the page's server uses (app.py)
            torch.set_num_threads(threads)
            result[label] = figures = _server_figures(model, classifier, data, mu, repeats)
            grid, drawing = figures["grid"], figures["drawing"]
            print(
                f"server, {threads} torch thread(s): grid {grid['total_ms']:.0f} ms (decode {grid['decode_ms']:.0f}, "
                f"draw {grid['draw_ms']:.0f}, JPEG {grid['encode_ms']:.0f}, {grid['image_kb']:.0f} KB); drawing "
                f"{drawing['total_ms']:.0f} ms (infer_digit {drawing['infer_digit_ms']:.0f})",
                flush=True,
            )
    finally:
        torch.set_num_threads(default_threads)
    return result


# ----- in the browser (the instrumentation: benchmarks.browser_timing) -----
_FIRST_VIEW_DONE = "() => window.__gpIdle() && window.__gpMap() !== null ? performance.now() : false"
_MAP_UPDATED = """([runs, before]) => {
  if (!(window.__gpRunsFinished > runs && window.__gpIdle())) return false;
  const now = window.__gpMap();
  return now !== null && now !== before ? performance.now() : false;
}"""
_POSTERIOR_SHOWN = """() => {
  if (!window.__gpMetricShown("ELBO (nats)")) return false;
  const images = [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stImage'] img")];
  return images.length >= 2 && images.every((i) => i.complete && i.naturalWidth > 0) ? performance.now() : false;
}"""


def _first_view(context, url: str) -> dict[str, float]:
    """Seconds from navigation start until the script is idle with the map drawn (``total_s``),
    and when the page had loaded, sent its first rerun request and received the run's last message."""
    page, wire = open_page(context, f"{url}/vae")
    map_ms = page.wait_for_function(
        "() => window.__gpMap() !== null ? performance.now() : false", timeout=120_000
    ).json_value()
    done_ms = page.wait_for_function(_FIRST_VIEW_DONE, timeout=60_000).json_value()
    sent, received = wire.on_page_clock(page, 0.0)
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.close()
    last = max(received, default=math.nan)
    return {
        "total_s": done_ms / 1000,
        "page_loaded_s": loaded / 1000,
        "rerun_sent_s": sent / 1000,
        "last_message_s": last / 1000,
        "map_drawn_s": map_ms / 1000,
        "render_s": (done_ms - last) / 1000,
    }


def _map_change(page, wire: Wire, action) -> dict[str, float]:
    """Milliseconds from the input (mouse-up or Enter) that ``action`` makes to the redrawn map."""
    runs, before = page.evaluate("[window.__gpRunsFinished, window.__gpMap()]")
    page.evaluate("window.__gpInputAt = null")
    action()
    done_ms = page.wait_for_function(_MAP_UPDATED, arg=[runs, before], timeout=60_000).json_value()
    return phases(page, wire, page.evaluate("window.__gpInputAt"), done_ms, done_ms)


def _drawn_digit(page, wire: Wire, shift: int) -> dict[str, float]:
    """One stroke on a cleared canvas: ms from mouse-up to the posterior on screen (``shown``)."""
    from tests.e2e.canvas_drawing import clear_canvas, draw_polyline

    if page.evaluate("window.__gpMetricShown('ELBO (nats)')"):  # an empty canvas's reset starts no run
        # The reset's run is short: the page may never render the "running" state, so wait for
        # its result (the metrics gone, which happens at the end of that run), not for the state.
        clear_canvas(page, key="vae_canvas", wait_for_rerun=False)
        page.wait_for_function("() => !window.__gpMetricShown('ELBO (nats)') && window.__gpIdle()", timeout=30_000)
    runs = page.evaluate("window.__gpRunsFinished")
    draw_polyline(page, [(x + shift, y) for x, y in SEVEN], key="vae_canvas", wait_for_rerun=False)
    shown_ms = page.wait_for_function(_POSTERIOR_SHOWN, timeout=60_000).json_value()
    done_ms = page.wait_for_function(RUN_DONE, arg=runs, timeout=60_000).json_value()
    return phases(page, wire, page.evaluate("window.__gpInputAt"), shown_ms, done_ms)


def _changes(context, url: str, repeats: int) -> tuple[list, list, list]:
    """Latencies of spacing changes and z1 inputs on the map, then of drawn digits on the posterior view."""
    page, wire = open_page(context, f"{url}/vae")
    page.wait_for_function(_FIRST_VIEW_DONE, timeout=60_000)
    radios = {
        label: page.locator("[data-testid='stSidebar']").get_by_text(label, exact=True)
        for label in ("linear", "quantile")
    }
    # linear, quantile, linear, ...: the page caches decoded grids, so only the first switch decodes
    spacing = [
        _map_change(page, wire, radios["linear" if i % 2 == 0 else "quantile"].click) for i in range(repeats + 1)
    ]
    z_box = page.get_by_label("z₁")
    z_input = []
    for i in range(repeats):
        z_box.fill(f"{(-1) ** i * (0.5 + 0.1 * i):.2f}")
        z_input.append(_map_change(page, wire, functools.partial(z_box.press, "Enter")))
    print(
        f"browser: spacing first {spacing[0]['total']:.0f} ms, then {medians(spacing[1:])['total']:.0f} ms; "
        f"z input {medians(z_input)['total']:.0f} ms",
        flush=True,
    )
    page.close()
    page, wire = open_page(context, f"{url}/vae?view=posterior")
    page.wait_for_function("() => window.__gpIdle()", timeout=60_000)
    drawing = [_drawn_digit(page, wire, shift=5 * (i % 4)) for i in range(repeats + 1)][1:]  # the first warms up
    page.close()
    return spacing, z_input, drawing


def run_browser(repeats: int, cold_starts: int) -> dict[str, Any]:
    """Chromium against ``cold_starts`` fresh servers (one cold first view each); the last one also
    gives the warm first views and the map and drawing latencies."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.browser import CHROMIUM_FLAGS, serve_app

    cold, fresh, returning = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)

        def new_context():
            return browser.new_context(viewport={"width": 1500, "height": 1000})

        for start in range(cold_starts):
            with serve_app() as url:
                with new_context() as context:
                    cold.append(_first_view(context, url))
                print(f"browser: cold first view {cold[-1]['total_s']:.2f} s", flush=True)
                if start < cold_starts - 1:
                    continue
                for _ in range(repeats):
                    with new_context() as context:
                        fresh.append(_first_view(context, url))
                with new_context() as context:  # the browser's cache warm: a returning visitor
                    returning = [_first_view(context, url) for _ in range(repeats + 1)][1:]
                    print(
                        f"browser: warm first view {medians(fresh)['total_s']:.2f} s in a fresh browser, "
                        f"{medians(returning)['total_s']:.2f} s returning",
                        flush=True,
                    )
                    spacing, z_input, drawing = _changes(context, url, repeats)
        browser.close()
    result = {
        "repeats": repeats,
        "first_view_cold": cold,
        "first_view_warm_median": medians(fresh),
        "first_view_returning_median": medians(returning),
        "spacing_first_ms": spacing[0],
        "spacing_cached_median_ms": medians(spacing[1:]),
        "z_input_median_ms": medians(z_input),
        "drawing_median_ms": medians(drawing),
        "samples": {
            "first_view_warm": fresh,
            "first_view_returning": returning,
            "spacing_ms": spacing,
            "z_input_ms": z_input,
            "drawing_ms": drawing,
        },
    }
    draw = result["drawing_median_ms"]
    print(
        f"browser: drawing -> posterior {draw['shown']:.0f} ms from mouse-up ({draw['sent_to_shown']:.0f} ms from "
        f"the send; run on the wire {draw['wire']:.0f})",
        flush=True,
    )
    return result


# ----- quality -----
def train_quick_peer(train_images: np.ndarray, seconds: float, seed: int = 0) -> tuple[VAE, dict[str, Any]]:
    """The peer: the same 2-D MLP VAE, Adam (lr 1e-3, batch 100) on the training digits binarized
    once at 0.5, the plain ELBO (no warm-up), for ``seconds`` of wall clock; a textbook loop."""
    torch.manual_seed(seed)
    model = VAE(latent_dim=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = binarize(train_images).reshape(-1, 784)
    steps, epochs, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        order = torch.randperm(len(x_all))
        for i in range(0, len(order), 100):
            x = x_all[order[i : i + 100]]
            mu, log_var = model.encode(x)
            z = mu + (0.5 * log_var).exp() * torch.randn_like(mu)
            reconstruction = -F.binary_cross_entropy_with_logits(model.decoder_logits(z), x, reduction="sum") / len(x)
            kl = 0.5 * (log_var.exp() + mu.square() - 1 - log_var).sum() / len(x)
            loss = kl - reconstruction
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
            if time.perf_counter() - start >= seconds:
                break
        else:
            epochs += 1
    model.eval()
    return model, {"seconds": time.perf_counter() - start, "steps": steps, "full_epochs": epochs, "seed": seed}


def evaluate(model: VAE, data, test_count: int, classifier: MnistClassifier | None) -> dict[str, Any]:
    test = binarize(data.test_images[:test_count])
    measured, seconds = timed(test_figures, model, test, LL_SAMPLES)
    result = {key: value for key, value in measured.items() if key != "iwae_curve"}
    result |= {"test_digits": test_count, "ll_seconds": seconds}
    if model.latent_dim == 2:
        test_means, _ = latent.encode_means(model, data.test_images)
        train_means, _ = latent.encode_means(model, data.train_images)
        result["knn5_accuracy"] = latent.knn_accuracy(train_means, data.train_labels, test_means, data.test_labels)
        if classifier is not None:
            counts = latent.digits_in_grid(model, classifier, GRID)
            result["grid20_digit_counts"] = counts.tolist()
            result["grid20_digits_present"] = int((counts > 0).sum())
    return result


def run_quality(test_count: int, peer_seconds: float) -> dict[str, Any]:
    data = load_mnist()
    try:
        classifier = load_model(CLASSIFIER, MnistClassifier)
    except Exception as error:  # the grid figure is then missing, the rest still runs
        print(f"quality: no classifier ({type(error).__name__}: {error}); the grid's digits are not counted")
        classifier = None
    models: dict[str, Any] = {}
    for name, shipped in SHIPPED_VAES.items():
        if not (model_folder(name) / "model.safetensors").is_file():
            models[name] = {"missing": f"not in {model_folder(name).parent}/ (not trained yet?)"}
            print(f"quality {name}: missing", flush=True)
            continue
        try:
            model = load_model(name, VAE)
        except Exception as error:  # e.g. a folder being written by a training run right now
            models[name] = {"missing": f"could not be loaded: {type(error).__name__}: {error}"}
            print(f"quality {name}: could not be loaded ({error})", flush=True)
            continue
        models[name] = evaluate(model, data, test_count, classifier) | {
            "latent_dim": shipped.latent_dim,
            "card": {k: model_card_figures(name).get(k) for k in ("log_likelihood", "elbo", "knn5_accuracy")},
        }
        print(f"quality {name}: {_quality_line(models[name])}", flush=True)
    peer_model, training = train_quick_peer(data.train_images, peer_seconds)
    peer = evaluate(peer_model, data, test_count, classifier) | {"training": training}
    print(
        f"quality quick peer ({training['seconds']:.0f} s, {training['steps']} steps): {_quality_line(peer)}",
        flush=True,
    )
    return {"test_digits": test_count, "importance_samples": LL_SAMPLES, "models": models, "quick_peer": peer}


def _quality_line(result: dict[str, Any]) -> str:
    text = f"log p(x) {result['log_likelihood']:.1f}, ELBO {result['elbo']:.1f} ({result['ll_seconds']:.0f} s)"
    if "knn5_accuracy" in result:
        text += f", 5-NN {result['knn5_accuracy']:.1%}, grid digits {result.get('grid20_digits_present', '?')}/10"
    return text


# ----- summary -----
def summarize(server, browser, quality) -> list[dict[str, Any]]:
    rows = []

    def split(phases: dict[str, float]) -> str:
        return f"send {phases['to_send']:.0f} + run on the wire {phases['wire']:.0f} + render {phases['render']:.0f}"

    if browser:
        first, grid, z_input = (
            browser["spacing_first_ms"],
            browser["spacing_cached_median_ms"],
            browser["z_input_median_ms"],
        )
        rows.append(
            {
                "figure": "20x20 grid decoded and drawn, browser: first switch to linear (ms)",
                "ours": f"{first['total']:.0f}",
                "peer": split(first),
                "ratio": "",
                "target": f"<= {TARGETS['grid_ms']:.0f}",
                "pass": first["total"] <= TARGETS["grid_ms"],
            }
        )
        rows.append(
            {
                "figure": "  redraw of a cached grid / z1 input (ms)",
                "ours": f"{grid['total']:.0f} / {z_input['total']:.0f}",
                "peer": f"z1: {split(z_input)}",
                "ratio": "",
                "target": "(reference)",
                "pass": None,
            }
        )
    if server:
        grid = server["one_thread"]["grid"]
        rows.append(
            {
                "figure": "  server: decode + draw + JPEG (ms)",
                "ours": f"{grid['total_ms']:.0f}",
                "peer": f"decode {grid['decode_ms']:.0f}, draw {grid['draw_ms']:.0f}, JPEG {grid['encode_ms']:.0f} "
                f"({grid['image_kb']:.0f} KB); 1 torch thread",
                "ratio": "",
                "target": "(part of the above)",
                "pass": None,
            }
        )
    if browser:
        draw = browser["drawing_median_ms"]
        rows.append(
            {
                "figure": "drawing -> posterior on screen, browser (ms)",
                "ours": f"{draw['shown']:.0f}",
                "peer": f"canvas debounce {draw['to_send']:.0f} + {draw['sent_to_shown']:.0f} (run on the wire {draw['wire']:.0f})",
                "ratio": "",
                "target": f"<= {TARGETS['drawing_ms']:.0f} from mouse-up",
                "pass": draw["shown"] <= TARGETS["drawing_ms"],
            }
        )
    if server:
        draw = server["one_thread"]["drawing"]
        rows.append(
            {
                "figure": "  server: canvas_to_digit + infer_digit + figures (ms)",
                "ours": f"{draw['total_ms']:.0f}",
                "peer": f"infer_digit {draw['infer_digit_ms']:.0f}, figures {draw['figures_ms']:.0f}, canvas "
                f"{draw['canvas_to_digit_ms']:.1f}; 1 torch thread",
                "ratio": "",
                "target": "(part of the above)",
                "pass": None,
            }
        )
    if browser:
        cold = max(view["total_s"] for view in browser["first_view_cold"])
        warm, returning = browser["first_view_warm_median"], browser["first_view_returning_median"]
        rows.append(
            {
                "figure": "first view of /vae, browser (s)",
                "ours": f"warm {warm['total_s']:.2f}, cold {cold:.2f}",
                "peer": f"warm: loaded {warm['page_loaded_s']:.2f}, rerun sent {warm['rerun_sent_s']:.2f}, "
                f"last message {warm['last_message_s']:.2f}, map drawn {warm['map_drawn_s']:.2f}; returning visitor {returning['total_s']:.2f}",
                "ratio": "",
                "target": f"<= {TARGETS['first_view_s']} (warm server, fresh browser)",
                "pass": warm["total_s"] <= TARGETS["first_view_s"],
            }
        )
    if quality:
        peer = quality["quick_peer"]
        n = quality["test_digits"]
        for name, result in quality["models"].items():
            if "missing" in result:
                rows.append(
                    {
                        "figure": f"{name}",
                        "ours": f"MISSING: {result['missing']}",
                        "peer": "",
                        "ratio": "",
                        "target": "",
                        "pass": None,
                    }
                )
                continue
            bounds = f"{result['log_likelihood']:.1f} / {result['elbo']:.1f} ({result['reconstruction']:.1f}, {result['kl']:.2f})"
            peer_bounds = f"13-s peer {peer['log_likelihood']:.1f} / {peer['elbo']:.1f}" if name == "vae-2d" else ""
            rows.append(
                {
                    "figure": f"{name}: log p(x) k=5000 / ELBO (rec, KL), {n} digits",
                    "ours": bounds,
                    "peer": peer_bounds,
                    "ratio": "",
                    "target": "",
                    "pass": None,
                }
            )
            if result["latent_dim"] != 2:
                continue
            present = result.get("grid20_digits_present")
            knn = result["knn5_accuracy"]
            ok = present == TARGETS["grid_digits"] and (name != "vae-2d" or knn >= TARGETS["knn5_vae_2d"])
            rows.append(
                {
                    "figure": f"{name}: digits in 20x20 grid; 5-NN accuracy",
                    "ours": f"{present if present is not None else '?'}/10; {knn:.1%}",
                    "peer": f"13-s peer {peer.get('grid20_digits_present', '?')}/10; {peer['knn5_accuracy']:.1%} (issue: ~{PEER_REPORTED_KNN:.0%})"
                    if name == "vae-2d"
                    else "",
                    "ratio": f"{knn / peer['knn5_accuracy']:.2f}" if name == "vae-2d" else "",
                    "target": "10/10; >= 75%" if name == "vae-2d" else "10/10",
                    "pass": ok,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks vae", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, one cold start, log p(x) on 100 digits")
    parser.add_argument(
        "--test-digits", type=int, default=None, help="held-out digits for log p(x) (default 1,000; 100 with --quick)"
    )
    parser.add_argument("--peer-seconds", type=float, default=PEER_SECONDS)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 15
    test_count = args.test_digits or (100 if args.quick else 1000)
    started = time.perf_counter()
    errors = {}
    server = browser = quality = None
    try:
        server = run_server_side(repeats)
    except Exception as error:  # e.g. vae-2d not trained yet
        errors["server"] = f"{type(error).__name__}: {error}"
        traceback.print_exc()
    if not args.skip_browser:
        try:
            browser = run_browser(repeats, cold_starts=1 if args.quick else 3)
        except Exception as error:
            errors["browser"] = f"{type(error).__name__}: {error}"
            traceback.print_exc()
    if not args.skip_quality:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as the shipped models were trained (engine.train.all); steadier on a busy machine
        try:
            quality = run_quality(test_count, args.peer_seconds)
        finally:
            torch.set_num_threads(threads)
    rows = summarize(server, browser, quality)
    print()
    print_table(rows)
    for section, error in errors.items():
        print(f"\n{section} section failed: {error}")
    write_results(
        args.output,
        "vae",
        args.quick,
        started,
        targets=TARGETS,
        server=server,
        browser=browser,
        quality=quality,
        errors=errors or None,
        summary=rows,
        notes="Browser figures are compared with the targets (what a person sees); server figures are the engine's "
        "part of them. Grid: the page caches decoded grids, so the median spacing change redraws a cached grid and "
        "the first switch to linear decodes one. Drawing: streamlit-drawable-canvas sends a stroke 200 ms after "
        "mouse-up. Browser, server and benchmark share this machine (and any background work on it): noisy.",
    )
    return 0
