"""Charts and images of the Autoencoders page (plotly figures, uint8 images)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from engine import render
from engine.autoencoders.anomaly import Detection
from engine.autoencoders.explore import COMPRESSORS
from engine.autoencoders.task import AutoencoderFrame

METHOD_COLORS = {
    "pca": "#4e79a7",
    "linear": "#76b7b2",
    "mlp": "#f28e2b",
    "conv": "#e15759",
    "jpeg": "#59a14f",
    "vqvae": "#b07aa1",
    "ae": "#e15759",
}
LABEL_FONT = ImageFont.load_default(size=22)
# A discrete colour scale over 0..9 (with cmin -0.5, cmax 9.5): integer colours pick DIGIT_COLORS.
DIGIT_SCALE = [[edge, color] for i, color in enumerate(render.DIGIT_COLORS) for edge in (i / 10, (i + 1) / 10)]
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "legend": {"orientation": "h", "y": -0.2},
}


def error_vs_r_figure(
    pca_errors: dict[int, float], ae_errors: dict[str, dict[int, float]], r: int, height: int = 380
) -> go.Figure:
    """Held-out squared error per digit against the latent size r: PCA's curve for every r, each
    AE kind at its shipped r, the chosen r marked."""
    figure = go.Figure()
    dims = sorted(pca_errors)
    figure.add_scatter(
        x=dims,
        y=[pca_errors[d] for d in dims],
        mode="lines",
        name="PCA (the best linear map)",
        line={"color": METHOD_COLORS["pca"], "width": 3},
    )
    for kind, errors in ae_errors.items():
        figure.add_scatter(
            x=sorted(errors),
            y=[errors[d] for d in sorted(errors)],
            mode="lines+markers",
            name=f"{kind} AE",
            marker={"size": 10, "color": METHOD_COLORS[kind]},
            line={"dash": "dot", "color": METHOD_COLORS[kind]},
        )
    top = max(pca_errors.values())
    figure.add_scatter(
        x=[r, r], y=[0, top], mode="lines", name=f"r = {r}", line={"color": "#999", "dash": "dash"}, hoverinfo="skip"
    )  # (a shape's x on a log axis would be log10 units)
    figure.update_layout(**LAYOUT, height=height, title="Held-out reconstruction error against the latent size")
    figure.update_xaxes(title="latent size r (log)", type="log", tickvals=[1, 2, 4, 8, 16, 32, 64], range=[-0.05, 1.85])
    figure.update_yaxes(title="‖x − x̂‖² per digit (mean)", rangemode="tozero")
    return figure


def psnr_curve_figure(curve: dict[str, list[float]], level: float, label: str, height: int = 340) -> go.Figure:
    figure = go.Figure()
    colors = {
        "noisy input": "#bab0ac",
        "denoising AE": "#e15759",
        "plain AE": "#f28e2b",
        "median filter": "#4e79a7",
        "gaussian filter": "#59a14f",
    }
    for method, values in curve.items():
        if method != "level":
            finite = [v if np.isfinite(v) else None for v in values]  # a clean input's PSNR is infinite
            figure.add_scatter(
                x=curve["level"], y=finite, mode="lines+markers", name=method, line={"color": colors.get(method)}
            )
    figure.add_vline(x=level, line={"color": "#999", "dash": "dash"})
    figure.update_layout(**LAYOUT, height=height, title=f"PSNR against the noise level ({label})")
    figure.update_xaxes(title="noise level")
    figure.update_yaxes(title="PSNR (dB), higher is better", range=[0, 40])
    return figure


def rate_distortion_figure(points: list[dict], chosen: tuple[str, str] | None, height: int = 420) -> go.Figure:
    """Bytes per image against squared error per digit, one series per compressor; ``chosen``
    (compressor, setting) ringed."""
    figure = go.Figure()
    for compressor, label in COMPRESSORS.items():
        series = sorted((p for p in points if p["compressor"] == compressor), key=lambda p: p["bytes"])
        if not series:
            continue
        mode = "markers" if compressor in ("ae", "pca") else "lines+markers"
        figure.add_scatter(
            x=[p["bytes"] for p in series],
            y=[p["error"] for p in series],
            mode=mode,
            name=label,
            text=[p["setting"] for p in series],
            hovertemplate="%{text}<br>%{x:.1f} bytes, error %{y:.2f}",
            marker={
                "size": 11 if compressor == "vqvae" else 7,
                "color": METHOD_COLORS[compressor],
                "symbol": "star" if compressor == "vqvae" else "circle",
            },
        )
    for p in points:
        if chosen and (p["compressor"], p["setting"]) == chosen:
            figure.add_scatter(
                x=[p["bytes"]],
                y=[p["error"]],
                mode="markers",
                name="shown below",
                showlegend=True,
                marker={"size": 18, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "black"}},
            )
    figure.update_layout(**LAYOUT, height=height, title="Rate and distortion: bytes per image against the error")
    figure.update_xaxes(title="bytes per image (log)", type="log")
    figure.update_yaxes(title="‖x − x̂‖² per digit (mean)", rangemode="tozero")
    return figure


def cluster_scatter_figure(xy: np.ndarray, clusters: np.ndarray, labels: np.ndarray, height: int = 380) -> go.Figure:
    """The same 2-D points twice: coloured by k-means cluster and by digit."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=("coloured by k-means cluster", "coloured by digit (label)"))
    for column, (name, groups) in enumerate((("cluster", clusters), ("digit", labels)), start=1):
        figure.add_scatter(
            x=xy[:, 0].astype(np.float32),
            y=xy[:, 1].astype(np.float32),
            mode="markers",
            row=1,
            col=column,
            showlegend=False,
            hovertemplate=f"{name} %{{marker.color}}<extra></extra>",
            marker={
                "size": 4,
                "color": np.asarray(groups, dtype=np.int8),
                "colorscale": DIGIT_SCALE,
                "cmin": -0.5,
                "cmax": 9.5,
            },
        )
    figure.update_layout(template="plotly_white", margin={"l": 30, "r": 20, "t": 40, "b": 30}, height=height)
    return figure


def score_histogram_figure(scores: dict[str, np.ndarray], threshold: float, height: int = 360) -> go.Figure:
    figure = go.Figure()
    colors = ["#4e79a7", "#e15759", "#bab0ac", "#f28e2b"]
    top = float(np.quantile(np.concatenate(list(scores.values())), 0.99))
    for (name, values), color in zip(scores.items(), colors):
        figure.add_histogram(
            x=np.minimum(values, top),
            name=name,
            histnorm="probability density",
            opacity=0.6,
            marker={"color": color},
            xbins={"start": 0, "end": top, "size": top / 60},
        )
    figure.add_vline(x=threshold, line={"color": "black", "dash": "dash"}, annotation_text="threshold")
    figure.update_layout(**LAYOUT, height=height, barmode="overlay", title="Anomaly scores s(x) = ‖x − D(E(x))‖²")
    figure.update_xaxes(title="score (values beyond the 99th percentile drawn at its edge)")
    figure.update_yaxes(title="density")
    return figure


def roc_figure(found: Detection, height: int = 360) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(
        x=found.false_positive_rate,
        y=found.true_positive_rate,
        mode="lines",
        name=f"AUC {found.auc:.3f}",
        line={"color": "#e15759", "width": 3},
    )
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"color": "#bbb", "dash": "dot"})
    figure.add_scatter(
        x=[0.05],
        y=[found.detected_at_threshold],
        mode="markers",
        name="the threshold",
        marker={"size": 12, "color": "black"},
    )
    figure.update_layout(
        **LAYOUT, height=height, title=f"ROC: left-out digits against the others (AUC {found.auc:.3f})"
    )
    figure.update_xaxes(title="false alarm rate (normal digits flagged)", range=[0, 1])
    figure.update_yaxes(title="detection rate", range=[0, 1.02])
    return figure


def code_grid_image(codes: np.ndarray, codebook_size: int, cell: int = 8) -> np.ndarray:
    """Each digit's 7x7 code as a coloured grid (one colour per code, hue by index), side by side: RGB uint8."""
    k = len(codes)
    palette = (render.VIRIDIS[np.linspace(0, len(render.VIRIDIS) - 1, codebook_size).astype(int)]).astype(np.uint8)
    size = 7 * cell
    image = np.full((size, k * (size + 6) - 6, 3), 255, dtype=np.uint8)
    for i, grid in enumerate(codes):
        image[:, i * (size + 6) : i * (size + 6) + size] = np.kron(palette[grid], np.ones((cell, cell, 1))).astype(
            np.uint8
        )
    return image


def live_reconstructions_image(frame: AutoencoderFrame, scale: int = 3) -> bytes:
    """Held-out digits, the AE's reconstructions and PCA's, in three labelled rows, as a PNG."""
    rows = {
        "held-out digits": frame.originals,
        "this AE": frame.reconstructions,
        "PCA, same r": frame.pca_reconstructions,
    }
    strips = [render.digit_strip(images / 255.0, scale=scale) for images in rows.values()]
    label_width, gap = 190, 8
    height = sum(strip.shape[0] for strip in strips) + gap * (len(strips) - 1)
    canvas = Image.new("L", (label_width + strips[0].shape[1], height), 255)
    draw = ImageDraw.Draw(canvas)
    top = 0
    for name, strip in zip(rows, strips):
        canvas.paste(Image.fromarray(strip), (label_width, top))
        draw.text((4, top + strip.shape[0] // 2), name, fill=60, font=LABEL_FONT, anchor="lm")
        top += strip.shape[0] + gap
    return render.png_bytes(np.asarray(canvas))


def live_error_image(snapshot, size: tuple[int, int] = (560, 260)) -> bytes | None:
    """The squared error per digit over the steps: blue the training batches, orange the held-out
    digits, the dashed green line PCA's held-out error with the same r. None before the first step."""
    if snapshot.step == 0:
        return None
    train = snapshot.loss_values[:, 0]
    held = [
        (step, metrics["held_out_error"]) for step, metrics in snapshot.metric_history if "held_out_error" in metrics
    ]
    held_steps, held_values = (
        (np.array(values, dtype=float) for values in zip(*held)) if held else (np.zeros(0), np.zeros(0))
    )
    pca = snapshot.metrics.get("pca_error")
    values = np.concatenate([train, held_values, [pca] if pca is not None else []])
    values = values[np.isfinite(values)]
    top = float(np.quantile(values, 0.98)) * 1.1 if len(values) else 1.0
    chart = render.line_chart(
        [(snapshot.loss_steps, train, render.TARGET_COLOR), (held_steps, held_values, render.MODEL_COLOR)],
        (0.0, max(top, 1e-6)),
        floor=pca,
        size=size,
    )
    return render.png_bytes(chart)
