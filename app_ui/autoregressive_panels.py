"""The views of the Autoregressive page (not a page itself): each draws one view from an
AutoregressiveViewConfig, from shipped models and cached computations shared by all sessions.

Over 250 lines because it holds one page's panels, a function each: split, one page would be
spread over several files for no reader's gain.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st
import torch

from app_ui import data_input
from engine.autoregressive import explore, views
from engine.autoregressive.models import AutoregressiveModel, bits_per_dim
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE, load_shipped
from engine.digit_drawing import canvas_to_digit
from engine.mnist import binarize, load_mnist
from engine.pretrained import load_model, model_card_figures
from engine.vae.bounds import iwae_bound
from engine.vae.models import VAE
from engine.vae.shipped import SHIPPED_VAES

FRAMES_PER_SECOND = 25  # the sampling animation's ceiling (slower models show fewer)
PIXELS_PER_FRAME = 16
VAES_COMPARED = ("vae-16d", "vae-2d")
IWAE_SAMPLES = 1000  # per digit in the surprise view
COMPLETIONS = 4


# ----- cached data and models (shared by all sessions) -----
@st.cache_resource(show_spinner="Loading the model…")
def shipped(name: str) -> AutoregressiveModel:
    return load_shipped(name)


@st.cache_resource(show_spinner="Loading the VAE…")
def shipped_vae(name: str) -> VAE:
    return load_model(name, VAE).eval()


@st.cache_resource(show_spinner=False)
def held_out() -> np.ndarray:
    """The 1,000 held-out digits binarized as every model here saw them (n, 28, 28)."""
    return binarize(load_mnist().test_images).numpy()


class RecordStore:
    """Finished samplings shared by all sessions (they follow from (model, n, seed, ordering)), at
    most ``size``; one session samples a key while the others asking for it wait for its record."""

    def __init__(self, size: int = 64):
        self.records: collections.OrderedDict = collections.OrderedDict()
        self.size, self.lock = size, threading.Lock()
        self.sampling: dict = collections.defaultdict(threading.Lock)

    def get_or_sample(self, key, sample: Callable[[], explore.SamplingRecord]) -> explore.SamplingRecord:
        with self.lock:
            key_lock = self.sampling[key]
        with key_lock:
            with self.lock:
                if key in self.records:
                    return self.records[key]
            record = sample()
            with self.lock:
                self.records[key] = record
                while len(self.records) > self.size:
                    self.records.popitem(last=False)
                self.sampling.pop(key, None)
            return record


@st.cache_resource(show_spinner=False)
def record_store() -> RecordStore:
    return RecordStore()


@st.cache_data(show_spinner="Completing the digit with every model…", max_entries=64)
def completions(given: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    return {name: explore.complete(shipped(name), given, COMPLETIONS, seed) for name in SHIPPED_AUTOREGRESSIVE}


@st.cache_data(show_spinner="Estimating the VAEs' log p(x) on this digit…", max_entries=64)
def vae_bounds(digit: np.ndarray) -> dict[str, float]:
    """IWAE bound L_k (k = 1,000) of each compared VAE on one binary digit, in nats."""
    x = torch.as_tensor(digit, dtype=torch.float32).reshape(1, -1)
    with torch.no_grad():
        return {
            name: float(iwae_bound(shipped_vae(name), x, IWAE_SAMPLES, torch.Generator().manual_seed(0)))
            for name in VAES_COMPARED
        }


@st.cache_data(show_spinner="Timing the VAEs' decoders…")
@torch.no_grad()
def likelihood_rows() -> list[dict]:
    """The table's rows: the autoregressive models' held-out NLL and sampling time as their cards
    record them (measured on the machine that trained them; tests/unit recomputes the NLLs), the
    VAEs' -IWAE bounds from their cards and their decoders timed here."""
    rows = []
    for name, label, mixture in explore.scored_models():
        figures = model_card_figures(name)
        prefix = "mixture_" if mixture else ""
        rows.append(
            {
                "label": label,
                "kind": "exact",
                "nll": figures[prefix + "held_out_nll_nats"],
                "se": figures[prefix + "held_out_nll_se"],
                "sample_ms": figures["sample_ms_per_digit"],
                "training_s": figures.get("training_seconds"),
            }
        )
    for name in VAES_COMPARED:
        vae, figures = shipped_vae(name), model_card_figures(name)
        ms = explore.sampling_ms_per_digit(lambda n, vae=vae: vae.decode(torch.randn(n, vae.latent_dim)), n=1000)
        rows.append(
            {
                "label": SHIPPED_VAES[name].label,
                "kind": "bound",
                "nll": -figures["log_likelihood"],
                "se": None,
                "sample_ms": ms,
                "training_s": figures.get("training_seconds"),
            }
        )
    return rows


@st.cache_resource(show_spinner=False)
def likelihood_chart():
    return views.likelihood_figure(likelihood_rows())


@st.cache_data(show_spinner="Finding what each model sees…", max_entries=128)
def dependencies(name: str, pixel: int, ordering: int) -> tuple[np.ndarray, np.ndarray]:
    model = shipped(name)
    return explore.dependency_map(model, pixel, ordering), explore.earlier_pixels(model, pixel, ordering)


def models_with_orderings() -> dict[str, int]:
    """Each shipped model's number of orderings, from its training arguments (no model is loaded)."""
    return {name: entry.orderings for name, entry in SHIPPED_AUTOREGRESSIVE.items()}


# ----- sampling, pixel by pixel -----
def show_finished_sampling() -> None:
    """on_change of the sampling's settings: a new sampling is shown to its end."""
    st.session_state["ar_step"] = explore.PIXELS


def _sample_again() -> None:
    st.session_state["ar_seed"] = st.session_state.get("ar_seed", 0) + 1
    show_finished_sampling()


def sample_view(config: explore.AutoregressiveViewConfig) -> None:
    label = SHIPPED_AUTOREGRESSIVE[config.model].label
    buttons = st.columns([1, 1, 4])
    buttons[0].button(
        "🎲 Sample",
        type="primary",
        on_click=_sample_again,
        width="stretch",
        key="ar_sample_again",
        help="New digits (the next seed).",
    )
    replay = buttons[1].button(
        "▶ Replay", width="stretch", key="ar_replay", help="Watch this sampling again, pixel by pixel."
    )
    buttons[2].caption(
        f"{label} draws each pixel in turn from p(xᵢ = 1 | x<ᵢ) and feeds it back in: top row, the digits "
        "so far (pale: not drawn yet, red: the pixel just drawn); bottom row, the probability each pixel was "
        "drawn with (dark 0, yellow 1)."
    )
    key = (config.model, config.samples, config.seed, config.ordering)
    scale = 5 if config.samples <= 8 else 3
    picture = st.empty()
    record = record_store().get_or_sample(key, lambda: _animate(picture, config, scale))
    step = config.step
    if replay:
        for frame_step in range(0, explore.PIXELS, PIXELS_PER_FRAME):
            started = time.perf_counter()
            picture.image(views.sampling_image(explore.sampling_state(record, frame_step), scale))
            time.sleep(max(0.0, 1 / FRAMES_PER_SECOND - (time.perf_counter() - started)))
        step = explore.PIXELS
    shown = explore.sampling_state(record, step)
    picture.image(views.sampling_image(shown, scale))
    cols = st.columns(3)
    cols[0].metric("Pixels drawn", f"{shown.steps} of {explore.PIXELS}")
    cols[1].metric(
        "Sampling time",
        f"{record.seconds * 1000 / config.samples:,.0f} ms per digit",
        help=f"{config.samples} digit(s) drawn at once on this server's CPU, the drawing of the frames excluded.",
    )
    cols[2].metric("Speed", f"{explore.PIXELS * config.samples / max(record.seconds, 1e-9):,.0f} pixels/s")


def _animate(picture, config: explore.AutoregressiveViewConfig, scale: int) -> explore.SamplingRecord:
    """Sample while showing a frame every PIXELS_PER_FRAME pixels, at most FRAMES_PER_SECOND."""
    last = [0.0]

    def on_frame(record: explore.SamplingRecord) -> None:
        time.sleep(max(0.0, last[0] + 1 / FRAMES_PER_SECOND - time.perf_counter()))
        picture.image(views.sampling_image(record, scale))
        last[0] = time.perf_counter()

    return explore.record_sampling(
        shipped(config.model), config.samples, config.seed, config.ordering, PIXELS_PER_FRAME, on_frame
    )


# ----- completion and surprise: a held-out digit or a drawing -----
def chosen_digit(config: explore.AutoregressiveViewConfig, key: str) -> np.ndarray | None:
    """The digit a view works on (binary (28, 28)): a held-out one, or the user's drawing (None
    until something is drawn, after saying what to do)."""
    if config.source == "held_out":
        return held_out()[config.digit]
    left, right = st.columns([1, 2])
    with left:
        image_data = data_input.digit_canvas(key)
    try:
        digit = canvas_to_digit(image_data)
    except ValueError as error:
        right.warning(str(error))
        return None
    if digit is None:
        right.info("Draw a whole digit: it is scaled and centred as MNIST's digits are, then binarized at 0.5.")
        return None
    return explore.binarized(digit)


def complete_view(config: explore.AutoregressiveViewConfig) -> None:
    digit = chosen_digit(config, "ar_complete_canvas")
    if digit is None:
        return
    given = explore.top_half(digit)
    if not given.any():
        st.info("The top half of this digit is empty: draw higher up, so the models have something to go on.")
        return
    st.caption(
        f"Every model gets the top {explore.KNOWN_ROWS} rows (left) and samples the other "
        f"{explore.PIXELS - explore.KNOWN_ROWS * explore.SIDE} pixels from p(bottom | top), row by row: "
        f"{COMPLETIONS} samples each (seed {config.seed})."
    )
    shown_given = np.where(np.arange(explore.SIDE)[:, None] < explore.KNOWN_ROWS, given, 0.15)
    for name, samples in completions(given, config.seed).items():
        label, original, strip = st.columns([1.4, 0.8, 4], vertical_alignment="center")
        label.markdown(SHIPPED_AUTOREGRESSIVE[name].label)
        original.image(views.digits_image(shown_given[None]))
        strip.image(views.digits_image(samples))


def surprise_view(config: explore.AutoregressiveViewConfig) -> None:
    digit = chosen_digit(config, "ar_surprise_canvas")
    if digit is None:
        return
    maps = {name: explore.surprise_map(shipped(name), digit) for name in SHIPPED_AUTOREGRESSIVE}
    vmax = max(float(np.quantile(m, 0.995)) for m in maps.values()) or 1.0
    st.caption(
        "−log p(xᵢ | x<ᵢ) per pixel in nats (dark: expected, yellow: surprising, on one scale up to "
        f"{vmax:.1f} nats); each map sums to −log p(x), the digit's exact negative log-likelihood."
    )
    cols = st.columns(len(maps) + 1)
    cols[0].image(views.digits_image(digit[None], scale=5), caption="the digit (binarized)")
    for column, (name, surprise) in zip(cols[1:], maps.items()):
        column.image(
            views.surprise_image(surprise, vmax),
            caption=f"{SHIPPED_AUTOREGRESSIVE[name].label}: {surprise.sum():.1f} nats",
        )
    bounds = vae_bounds(digit)
    cols = st.columns(len(bounds) + 1)
    best = min(maps, key=lambda name: maps[name].sum())
    cols[0].metric(f"Lowest exact −log p(x): {SHIPPED_AUTOREGRESSIVE[best].label}", f"{maps[best].sum():.1f} nats")
    for column, (name, bound) in zip(cols[1:], bounds.items()):
        column.metric(
            f"{SHIPPED_VAES[name].label}: −IWAE bound",
            f"{-bound:.1f} nats",
            help=f"−L_k with k = {IWAE_SAMPLES:,} importance samples: an upper bound on −log p(x) "
            "(the VAE's true value is lower), not an exact figure.",
        )


# ----- receptive fields -----
def receptive_view(config: explore.AutoregressiveViewConfig) -> None:
    st.caption(
        f"Output pixel ({config.row}, {config.column}) in red; blue: the inputs its probability depends on, found by "
        "autograd (∂ logit / ∂ xⱼ ≠ 0 at random images); orange: pixels earlier in the model's order that it does "
        "not see (for FVSBN, pixels never inked in the training digits: their weights stayed 0). No model may see "
        "a pixel after its own."
    )
    names = list(SHIPPED_AUTOREGRESSIVE)
    orderings = models_with_orderings()
    cols = st.columns(len(names))
    for column, name in zip(cols, names):
        ordering = config.ordering if orderings[name] > 1 else 0
        seen, earlier = dependencies(name, config.pixel, ordering)
        column.image(views.receptive_image(seen, earlier, config.pixel, scale=4), width="stretch")
        extra = f", ordering {ordering}" if orderings[name] > 1 else ""
        column.caption(
            f"**{SHIPPED_AUTOREGRESSIVE[name].label}**{extra}: sees {int(seen.sum())} of its "
            f"{int(earlier.sum())} earlier pixels"
        )
        if (seen & ~earlier).any():
            column.error("It depends on later pixels: this model is not autoregressive.")
    with st.expander("MADE's masks", expanded=True):
        name = "ar-made"
        masks = explore.made_masks(shipped(name))
        cols = st.columns(len(masks))
        titles = [
            "input → hidden (500 × 784)",
            "hidden → output (784 × 500)",
            "their product: output i sees input j (784 × 784)",
        ]
        for column, mask, title in zip(cols, masks, titles):
            column.image(views.mask_image(mask), caption=title)
        st.caption(
            "Dark: a connection kept. Units sorted as in the model: inputs and outputs in raster order, so the "
            "product is strictly lower-triangular (output i sees only inputs j < i); a hidden unit with degree m "
            "sees inputs 1..m."
        )


# ----- the likelihood table -----
def table_view(config: explore.AutoregressiveViewConfig) -> None:
    rows = likelihood_rows()
    table = pd.DataFrame(
        [
            {
                "model": row["label"],
                "held-out −log p(x), nats": f"{row['nll']:.1f}" + (f" ± {row['se']:.1f}" if row["se"] else ""),
                "bits/dim": f"{bits_per_dim(row['nll']):.4f}",
                "figure": "exact" if row["kind"] == "exact" else "bound",
                "sampling, ms per digit": f"{row['sample_ms']:,.3g}",
                "training on this CPU, s": "–" if row["training_s"] is None else f"{row['training_s']:,.0f}",
            }
            for row in rows
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "model": st.column_config.TextColumn(width="medium"),
            "figure": st.column_config.TextColumn(
                help="exact: −log p(x) by the chain rule; bound: the VAE's −IWAE bound with "
                "k = 5,000 importance samples, above the true −log p(x)"
            ),
        },
    )
    st.plotly_chart(likelihood_chart(), key="ar_likelihood_chart")
    st.caption(
        "On the same 1,000 held-out digits, binarized at 0.5. Autoregressive models give log p(x) exactly, by the "
        "chain rule, but draw a digit in 784 sequential steps; a VAE draws one in a single decoder pass but gives "
        "only a bound on log p(x). Sampling times: the autoregressive models' from their cards (10 digits at once, "
        "one thread of the CPU that trained them); the VAEs' decoders timed on this server, 1,000 digits at once."
    )
