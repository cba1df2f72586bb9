"""Autoencoders page: the shipped models' figures against PCA, JPEG and classical filters, the live
AE's speed, and every view's redraw in Chromium.

``python -m benchmarks autoencoders [--quick]``:

- quality (the 1,000 held-out digits): squared error per digit at r = 2, 8, 32 for PCA and the
  linear, MLP and conv AEs; each VQ-VAE's error at its exact rate beside the conv AE, PCA (their
  best setting within the same bytes) and JPEG (interpolated in log bytes at the same bytes), and
  its codes used; denoising at Gaussian sigma = 0.5 (PSNR of the denoising AE, the noisy input,
  the plain AE and the best of several median and Gaussian filters); compression at JPEG's
  lowest usable quality (the lowest at which the shipped classifier reads the decoded digits
  within 1 point of the originals); k-means NMI on each space; anomaly AUC per left-out digit;
- speed: the live task's steps (and epochs) per second in this process, and through a LiveRun
  (the thread the trainer runs), which should match;
- browser: Chromium against ``streamlit run serve.py``: for each view, the median time from an
  input (a sidebar radio click or a slider key) to the finished script run (the link changed and
  the app idle), after two warm-up changes (caches filled); plotly then draws in the browser.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import guarded, print_table, steps_per_second, write_results
from engine.autoencoders import explore
from engine.autoencoders.anomaly import anomaly_scores, detection
from engine.autoencoders.compression import jpeg_round_trip
from engine.autoencoders.denoising import classical_filter
from engine.autoencoders.measures import psnr
from engine.autoencoders.models import KINDS, VQVAE, Autoencoder
from engine.autoencoders.pca import fit_pca
from engine.autoencoders.shipped import ANOMALY_LEFT_OUT_DIGITS, SHIPPED_LATENT_DIMS, autoencoder_name
from engine.autoencoders.task import AutoencoderRunConfig, AutoencoderTrainingTask
from engine.live.run import LiveRun
from engine.mnist import load_mnist
from engine.mnist_classifier import CLASSIFIER, MnistClassifier
from engine.pretrained import load_model

RESULTS = Path(__file__).resolve().parent / "results" / "autoencoders.json"
REDRAW_TARGET_MS = 300
FILTERS = [("median", 3), ("median", 5), ("gaussian", 0.5), ("gaussian", 1.0), ("gaussian", 1.5)]
JPEG_LADDER = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 95)


def _model(name: str):
    return load_model(name, VQVAE if name.startswith("vqvae") else Autoencoder)


def _accuracy(classifier: MnistClassifier, images: np.ndarray, labels: np.ndarray) -> float:
    digit, _ = classifier.predict(torch.as_tensor(images))
    return float((digit.numpy() == labels).mean())


def _best_within(points: list[dict], compressor: str, budget: float) -> dict | None:
    """The compressor's lowest-error point within ``budget`` bytes."""
    inside = [p for p in points if p["compressor"] == compressor and p["bytes"] <= budget + 1e-9]
    return min(inside, key=lambda p: p["error"]) if inside else None


def _jpeg_error_at(points: list[dict], size: float) -> float:
    jpeg = sorted((p for p in points if p["compressor"] == "jpeg"), key=lambda p: p["bytes"])
    return float(np.interp(np.log(size), np.log([p["bytes"] for p in jpeg]), [p["error"] for p in jpeg]))


def run_quality() -> dict[str, Any]:
    data = load_mnist()
    train, test, labels = data.train_images, data.test_images, data.test_labels
    pca = fit_pca(train)
    result: dict[str, Any] = {"errors": {}}
    for r in SHIPPED_LATENT_DIMS:
        row = {"pca": pca.squared_errors(test, [r])[r]}
        row |= {
            kind: explore.mean_error(test, explore.reconstruct(_model(autoencoder_name(kind, r)), test))
            for kind in KINDS
        }
        result["errors"][r] = row
    conv = {r: _model(autoencoder_name("conv", r)) for r in SHIPPED_LATENT_DIMS}
    vqvaes = {k: _model(f"vqvae-{k}") for k in explore.CODEBOOK_SIZES}
    points = explore.rate_distortion(test, train, conv, pca, vqvaes)
    result["rate_distortion"] = points
    result["vqvae"] = {}
    for k, model in vqvaes.items():
        size = model.bits_per_image / 8
        codes, used, perplexity = explore.codes_by_digit(model, test, labels)
        ae, pca_point = _best_within(points, "ae", size), _best_within(points, "pca", size)
        result["vqvae"][k] = {
            "bytes": size,
            "error": explore.mean_error(test, explore.reconstruct(model, test)),
            "codes_used": used,
            "perplexity": perplexity,
            "jpeg_error_same_bytes": _jpeg_error_at(points, size),
            "ae_best_within": ae,
            "pca_best_within": pca_point,
        }
    noisy = explore.corrupted(test, "gaussian", 0.5)
    outputs = explore.denoised(noisy, _model("dae-conv-32"), _model("ae-conv-32"))
    filters = {f"{kind} {size:g}": psnr(test, classical_filter(noisy, kind, size)) for kind, size in FILTERS}
    result["denoising"] = {
        "noisy": psnr(test, noisy),
        "denoising_ae": psnr(test, outputs["denoising AE"]),
        "plain_ae": psnr(test, outputs["plain AE"]),
        "filters": filters,
    }

    classifier = load_model(CLASSIFIER, MnistClassifier)
    reference = _accuracy(classifier, test, labels)
    ladder = []
    for quality in JPEG_LADDER:
        decoded, size = jpeg_round_trip(test, quality)
        ladder.append(
            {
                "quality": quality,
                "bytes": size,
                "accuracy": _accuracy(classifier, decoded, labels),
                "error": explore.mean_error(test, decoded),
            }
        )
    usable = next(step for step in ladder if step["accuracy"] >= reference - 0.01)
    budget = usable["bytes"]
    same_bytes = {}
    for compressor, model in (("ae", None), ("pca", pca)):
        point = _best_within(points, compressor, budget)
        decoded = explore.quantised_reconstruction(model or conv[point["r"]], train, test, point["r"], point["bits"])
        same_bytes[compressor] = point | {"accuracy": _accuracy(classifier, decoded, labels)}
    result["compression"] = {
        "classifier_accuracy_on_originals": reference,
        "jpeg_ladder": ladder,
        "jpeg_lowest_usable": usable,
        "within_its_bytes": same_bytes,
    }

    aes = {kind: _model(autoencoder_name(kind, 8)) for kind in KINDS}
    result["clustering_nmi_r8"] = {
        space: explore.clustering_scores(explore.cluster_features(space, test, pca, aes, 8), labels)[1].nmi
        for space in explore.SPACES
    }
    result["anomaly_auc"] = {}
    for digit in ANOMALY_LEFT_OUT_DIGITS:
        model = _model(f"ae-conv-8-without-{digit}")
        normal = labels != digit
        result["anomaly_auc"][digit] = detection(
            anomaly_scores(model, test[normal]), anomaly_scores(model, test[~normal])
        ).auc
    return result


def run_speed(seconds: float) -> dict[str, Any]:
    torch.set_num_threads(1)
    task = AutoencoderTrainingTask(AutoencoderRunConfig())
    bare = steps_per_second(task.train_step, seconds)
    run = LiveRun(functools.partial(AutoencoderTrainingTask, AutoencoderRunConfig()))
    run.train()
    time.sleep(1.0)
    start_step, started = run.snapshot.step, time.perf_counter()
    time.sleep(seconds)
    live_rate = (run.snapshot.step - start_step) / (time.perf_counter() - started)
    run.stop()
    per_epoch = 4000 / AutoencoderRunConfig().batch_size
    return {"task_steps_per_s": bare, "live_run_steps_per_s": live_rate, "epochs_per_s": live_rate / per_epoch}


LINK_CHANGED_AND_IDLE = "(before) => location.href !== before && window.__gpIdle() ? performance.now() : false"
VIEW_CHANGES = {  # view -> the two sidebar inputs that alternate (radio labels, or "slider" for the r slider)
    "pca": ("slider", "slider"),
    "denoise": ("salt and pepper", "Gaussian noise"),
    "compress": ("JPEG", "conv AE, latent quantised"),
    "cluster": ("PCA", "conv AE latent"),
    "anomaly": ("8", "1"),
}


def run_browser(repeats: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_timing import medians, open_page, phases
    from tests.e2e.browser import CHROMIUM_FLAGS, serve_app

    result = {}
    with sync_playwright() as playwright, serve_app() as url:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        for view, inputs in VIEW_CHANGES.items():
            page, wire = open_page(context, f"{url}/autoencoders?view={view}")
            page.wait_for_function("() => window.__gpRunsFinished > 0 && window.__gpIdle()", timeout=180_000)
            sidebar = page.locator("[data-testid='stSidebar']")
            samples = []
            for i in range(repeats + 2):  # the first two fill the caches of both settings
                before = page.url
                page.evaluate("window.__gpInputAt = null")
                if inputs[0] == "slider":
                    sidebar.get_by_role("slider").first.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                else:
                    sidebar.get_by_text(inputs[i % 2], exact=True).click()
                # Each input changes the link, which the rerun writes before it draws; a fast rerun may
                # never show the "running" state in the DOM, so runs cannot be counted.
                done = page.wait_for_function(LINK_CHANGED_AND_IDLE, arg=before, timeout=180_000).json_value()
                samples.append(phases(page, wire, page.evaluate("window.__gpInputAt"), done, done))
            result[view] = {"first_ms": samples[0]["total"], "median": medians(samples[2:]), "samples": samples}
            print(
                f"browser: {view}: first change {samples[0]['total']:.0f} ms, then {result[view]['median']['total']:.0f} ms",
                flush=True,
            )
            page.close()
        browser.close()
    return result


def summarize(quality, speed, browser) -> list[dict[str, Any]]:
    rows = []
    if quality:
        for r, row in quality["errors"].items():
            best = min(row["mlp"], row["conv"])
            rows.append(
                {
                    "figure": f"squared error per digit, r = {r}: conv / mlp / linear",
                    "ours": f"{row['conv']:.2f} / {row['mlp']:.2f} / {row['linear']:.2f}",
                    "peer": f"PCA {row['pca']:.2f}",
                    "ratio": f"{best / row['pca']:.2f} / {row['linear'] / row['pca']:.3f}",
                    "target": "non-linear < PCA, linear within 2%",
                    "pass": row["mlp"] < row["pca"] and row["conv"] < row["pca"] and row["linear"] <= 1.02 * row["pca"],
                }
            )
        for k, vq in quality["vqvae"].items():
            ae, pca_point = vq["ae_best_within"], vq["pca_best_within"]
            rows.append(
                {
                    "figure": f"VQ-VAE K = {k}: error at {vq['bytes']:.1f} bytes (codes used)",
                    "ours": f"{vq['error']:.2f} ({vq['codes_used']} of {k})",
                    "peer": f"JPEG {vq['jpeg_error_same_bytes']:.2f}, conv AE {ae['error']:.2f} ({ae['setting']}), PCA {pca_point['error']:.2f} ({pca_point['setting']})",
                    "ratio": f"{vq['error'] / vq['jpeg_error_same_bytes']:.2f}",
                    "target": "-",
                    "pass": None,
                }
            )
        d = quality["denoising"]
        best_filter = max(d["filters"], key=d["filters"].get)
        rows.append(
            {
                "figure": "denoising, Gaussian sigma 0.5: PSNR of the denoising AE (dB)",
                "ours": f"{d['denoising_ae']:.2f}",
                "peer": f"noisy {d['noisy']:.2f}, plain AE {d['plain_ae']:.2f}, best filter ({best_filter}) {d['filters'][best_filter]:.2f}",
                "ratio": f"+{d['denoising_ae'] - d['filters'][best_filter]:.2f} dB over the best filter",
                "target": "above all three",
                "pass": d["denoising_ae"] > max(d["noisy"], d["plain_ae"], d["filters"][best_filter]),
            }
        )
        c = quality["compression"]
        usable, within = c["jpeg_lowest_usable"], c["within_its_bytes"]
        rows.append(
            {
                "figure": f"compression at JPEG's lowest usable quality ({usable['quality']}: {usable['bytes']:.1f} bytes, classifier {usable['accuracy']:.1%})",
                "ours": f"conv AE {within['ae']['error']:.2f} ({within['ae']['setting']}, classifier {within['ae']['accuracy']:.1%})",
                "peer": f"JPEG {usable['error']:.2f}, PCA {within['pca']['error']:.2f} ({within['pca']['setting']}, {within['pca']['accuracy']:.1%})",
                "ratio": f"{within['ae']['error'] / usable['error']:.2f}",
                "target": "-",
                "pass": None,
            }
        )
        nmi = quality["clustering_nmi_r8"]
        best_space = max(("linear", "mlp", "conv"), key=nmi.get)
        rows.append(
            {
                "figure": "k-means NMI, r = 8: best AE latent",
                "ours": f"{nmi[best_space]:.3f} ({best_space})",
                "peer": f"pixels {nmi['pixels']:.3f}, PCA {nmi['pca']:.3f}",
                "ratio": f"{nmi[best_space] / nmi['pixels']:.2f}",
                "target": "-",
                "pass": None,
            }
        )
        for digit, auc in quality["anomaly_auc"].items():
            rows.append(
                {
                    "figure": f"anomaly ROC AUC, {digit}s left out",
                    "ours": f"{auc:.3f}",
                    "peer": "chance 0.5",
                    "target": "-",
                    "pass": None,
                }
            )
    if speed:
        rows.append(
            {
                "figure": "live AE (mlp, r = 8, batch 64): steps/s in a LiveRun (epochs/s)",
                "ours": f"{speed['live_run_steps_per_s']:.0f} ({speed['epochs_per_s']:.2f})",
                "peer": f"bare task {speed['task_steps_per_s']:.0f}",
                "ratio": f"{speed['live_run_steps_per_s'] / speed['task_steps_per_s']:.2f}",
                "target": "-",
                "pass": None,
            }
        )
    if browser:
        for view, figures in browser.items():
            total = figures["median"]["total"]
            rows.append(
                {
                    "figure": f"redraw after an input, {view} (ms, median; first change)",
                    "ours": f"{total:.0f} ({figures['first_ms']:.0f})",
                    "target": f"<= {REDRAW_TARGET_MS}",
                    "pass": total <= REDRAW_TARGET_MS,
                }
            )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks autoencoders", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter speed runs")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    errors: dict[str, str] = {}
    quality = guarded("quality", errors, run_quality)
    speed = guarded("speed", errors, run_speed, 3.0 if args.quick else 10.0)
    browser = None if args.skip_browser else guarded("browser", errors, run_browser, 3 if args.quick else 7)
    rows = summarize(quality, speed, browser)
    print_table(rows)
    write_results(
        args.output,
        "autoencoders",
        args.quick,
        started,
        quality=quality,
        speed=speed,
        browser=browser,
        errors=errors,
        summary=rows,
        notes="Held-out figures on the shipped subset's 1,000 test digits; browser times from the input to the "
        "finished script run on this 2-core machine (server, Chromium and the benchmark share it).",
    )
    return 0
