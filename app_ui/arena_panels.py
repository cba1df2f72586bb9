"""Streamlit pieces of the Arena page (not a page itself): the race's progress, its results
table with the winner of each yardstick, the samples side by side and the curves over time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_ui.live_frame import cached_render, frame_image
from engine import live
from engine.arena import views
from engine.arena.contenders import CONTENDERS
from engine.arena.task import ArenaFrame, winners


def draw(snapshot: live.Snapshot, replay_at: int) -> None:
    """Progress, then the table, samples and curves at checkpoint ``replay_at`` (-1: the latest)."""
    frame: ArenaFrame = snapshot.visuals
    done = min(frame.trained_s.values())
    steps = " · ".join(f"{CONTENDERS[name]} {frame.steps[name]:,}" for name in frame.names)
    st.progress(
        min(done / frame.budget_s, 1.0),
        text=f"{min(done, frame.budget_s):.1f} of {frame.budget_s:g} s each. Steps: {steps}",
    )
    index = len(frame.record) - 1 if replay_at < 0 or replay_at >= len(frame.record) else replay_at
    checkpoint = frame.record[index]
    st.markdown(
        f"**Scores after {checkpoint.seconds:.1f} s of training each** "
        f"(checkpoint {index} of {len(frame.record) - 1}; 🏆 the best on each yardstick)"
    )
    st.dataframe(results_table(checkpoint.scores), hide_index=True, width="stretch")
    cols = st.columns(len(frame.names))
    for col, name in zip(cols, frame.names, strict=True):
        image = cached_render(
            snapshot, f"arena_samples_{name}_{index}", lambda f, n=name: views.samples_image(f, checkpoint, n), frame
        )
        frame_image(col, image, width="stretch", caption=f"{CONTENDERS[name]} ({views.COLOR_NAMES[name]})")
    cols = st.columns(3)
    entropy = next((s["entropy"] for s in checkpoint.scores.values() if "entropy" in s), None)
    for col, (key, caption) in zip(
        cols, [("kl", "KL(p‖q) (the VAE's: a bound)"), ("w1", "W₁"), ("mmd", "MMD²")], strict=True
    ):
        image = cached_render(
            snapshot, f"arena_curve_{key}_{index}", lambda f, k=key: views.curve_image(f, k, index), frame
        )
        if image is not None:
            frame_image(col, image, width="stretch", caption=f"{caption} against seconds of training")
    if entropy is not None:
        st.caption(f"H(p) on these held-out samples: {entropy:.3f} nats (the NLL floor).")


def results_table(scores: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per contender: every yardstick, the best of each marked 🏆."""
    best = winners(scores)

    def cell(name: str, key: str, text: str) -> str:
        return f"🏆 {text}" if name in best.get(key, ()) else text

    rows = []
    for name, s in scores.items():
        bound = name == "vae"
        row = {
            "Model": CONTENDERS[name],
            "Density": {"gan": "none (samples only)", "vae": "bound (IWAE, k = 256)"}.get(name, "exact"),
        }
        row["KL(p‖q)"] = cell(name, "kl", ("≤ " if bound else "") + f"{s['kl']:.3f}") if "kl" in s else "–"
        row["NLL"] = cell(name, "nll", ("≤ " if bound else "") + f"{s['nll']:.3f}") if "nll" in s else "–"
        row["W₁"] = cell(name, "w1", f"{s['w1']:.3f}")
        row["MMD²"] = cell(name, "mmd", f"{s['mmd']:.4f}")
        if "modes" in s:
            row["Modes"] = cell(name, "modes", f"{s['modes']:.0f} / {s['n_modes']:.0f}")
            row["High quality"] = cell(name, "high_quality", f"{s['high_quality']:.1%}")
        row["ms / 1,000 samples"] = cell(name, "sample_ms", f"{s['sample_ms']:.1f}")
        rows.append(row)
    return pd.DataFrame(rows)
