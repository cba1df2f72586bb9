"""The Divergences page's views and its target editor (the page itself holds the settings).

Over 250 lines because it holds one page's panels, a function each: split, one page would be
spread over several files for no reader's gain.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from app_ui import data_input, session_runs, url_state
from engine.divergences import explore, views
from engine.divergences import samples_2d as d2
from engine.divergences.fitting import FIT_DIVERGENCES, Mixture1D, default_grid, variational_estimate
from engine.f_divergences import F_DIVERGENCES
from engine.gans.models import generator_samples
from engine.gans.task import GanTrainingTask, load_generator
from engine.live import TrainerGone

FIT_LABELS = {key: label for key, (label, _) in FIT_DIVERGENCES.items()}
TABLE_COLUMNS = {
    "weight": (0.5, 0.0, None),
    "mean": (0.0, -50.0, 50.0),
    "width": (1.0, explore.MIN_TARGET_WIDTH, 20.0),
}  # default, min, max


# ----- the editable 1-D target -----
def target_editor() -> None:
    """Examples, a table (weight, mean, width per component) and the same as text, in an expander
    titled with the current target; all edit ``div_target``, the text the link carries."""
    text = st.session_state["div_target"]
    try:
        rows = explore.mixture_rows(text)
    except ValueError:
        rows = []
    with st.expander(
        f"✏️ Target p = {explore.mixture_formula(rows) if rows else text}", expanded=False, key="div_target_expander"
    ):
        left, right = st.columns([2, 3])
        left.selectbox(
            "Example targets",
            list(explore.EXAMPLE_TARGETS),
            index=None,
            placeholder="Load an example…",
            key="div_example",
            on_change=_load_example,
        )
        left.text_input(
            "As text: weight:mean:width, …", key="div_target", help="e.g. 0.4:-3:0.8,0.6:3:1; the link carries this"
        )
        table_key = f"div_target_table_{zlib.crc32(text.encode())}"  # a new text gets a fresh table
        column_config = {
            name: st.column_config.NumberColumn(name, default=default, min_value=low, max_value=high, format="%.3g")
            for name, (default, low, high) in TABLE_COLUMNS.items()
        }
        right.data_editor(
            pd.DataFrame(rows, columns=list(TABLE_COLUMNS)),
            key=table_key,
            num_rows="dynamic",
            hide_index=True,
            column_config=column_config,
            on_change=_apply_table_edit,
            args=(table_key, rows),
            width="stretch",
        )
        right.caption("One row per Gaussian component; add rows at the bottom, delete them from the row's left edge.")


def _load_example() -> None:
    if (name := st.session_state.get("div_example")) is not None:
        st.session_state["div_target"] = explore.EXAMPLE_TARGETS[name]
        st.session_state["div_example"] = None


def _apply_table_edit(table_key: str, rows: list[tuple[float, float, float]]) -> None:
    st.session_state["div_target"] = explore.format_rows(edited_rows(rows, st.session_state.get(table_key, {})))


def edited_rows(rows: list[tuple[float, float, float]], edits: dict) -> list[list[float]]:
    """The table after the data editor's changes (``edited_rows``, ``deleted_rows``, ``added_rows``,
    indices into ``rows``); a cleared cell becomes NaN, which the config refuses with a message."""
    columns = list(TABLE_COLUMNS)
    table = [list(row) for row in rows]
    for index, change in edits.get("edited_rows", {}).items():
        for column, value in change.items():
            table[int(index)][columns.index(column)] = value
    deleted = set(edits.get("deleted_rows", []))
    table = [row for i, row in enumerate(table) if i not in deleted]
    table += [
        [added.get(column, TABLE_COLUMNS[column][0]) for column in columns] for added in edits.get("added_rows", [])
    ]
    return [[math.nan if value is None else float(value) for value in row] for row in table]


# ----- the views -----
@st.cache_data(show_spinner=False, max_entries=32)
def _fit_matrix(target: str, fitted_by: str, components: int, seed: int):
    return explore.fit_matrix(explore.parse_mixture(target), fitted_by.split(","), components, seed)


def fitting_lab(config: explore.DivergenceLabConfig) -> None:
    with st.spinner("Fitting q by each divergence…"):
        fits, matrix = _fit_matrix(config.target, config.fitted_by, config.components, config.seed)
    target = config.mixture
    x = default_grid(target, *(result.fitted for result in fits.values()))
    figure = views.fit_animation(x, explore.density(target, x), fits, FIT_LABELS)
    st.plotly_chart(
        figure.update_xaxes(range=explore.view_range(target, *(result.fitted for result in fits.values()))),
        key="div_fit_chart",
    )
    st.caption(
        f"q, a mixture of {config.components} Gaussian{'s' if config.components > 1 else ''}, fitted to p by gradient descent on each "
        "divergence (600 Adam steps from the same start; ▶ replays them). Forward KL(p‖q) must put mass wherever p has it: it "
        "covers every mode. Reverse KL(q‖p) is infinite-penalised wherever q strays from p: it locks onto one mode. A "
        "mode-seeking fit can stop in a local optimum (try other seeds); then another fit beats it even by its own measure."
    )
    st.caption(
        "The matrix: rows are the divergence q was fitted by; columns, each divergence measured between p and that fit "
        "(nats; ∞: infinite). Green: the fit each measure likes best."
    )
    st.dataframe(views.matrix_table(matrix, FIT_LABELS, explore.MEASURES))


def disjoint_supports(config: explore.DivergenceLabConfig) -> None:
    thetas = np.linspace(-2, 2, 161)
    st.plotly_chart(views.disjoint_figure(thetas, explore.disjoint_sweep(thetas), config.theta))
    now = explore.disjoint_sweep(np.array([config.theta]))
    for column, (key, label) in zip(
        st.columns(4), (("js", "JS"), ("kl", "KL(p‖q)"), ("tv", "TV"), ("w1", "W₁")), strict=True
    ):
        column.metric(label, views.shown(float(now[key][0])))
    st.markdown(
        "p is a box of width 0.1 at 0 and q the same box at θ (Arjovsky et al., 2017, Example 1). Once they stop "
        "overlapping, JS = log 2, KL = ∞ and TV = 1 for every θ: **their gradient in θ is zero**, so a generator "
        "trained on them gets no signal where to move. W₁ = |θ| keeps pointing towards p."
    )


@st.fragment
def p_versus_q(config: explore.DivergenceLabConfig) -> None:
    """q's sliders sit here, in a fragment: moving one reruns only this view, not the page."""
    left, right = st.columns(2)
    left.slider("Mean of q", -8.0, 8.0, step=0.1, key="div_q_mean")
    right.slider("Width of q", 0.05, 8.0, step=0.05, key="div_q_width")
    config = replace(config, q_mean=st.session_state["div_q_mean"], q_width=st.session_state["div_q_width"])
    url_state.write_url("div", config)
    target, q_model = config.mixture, Mixture1D((1.0,), (config.q_mean,), (config.q_width,))
    x = default_grid(target, q_model)
    p, q = explore.density(target, x), explore.density(q_model, x)
    value, identity = explore.gan_value_at_optimum(p, q, float(x[1] - x[0]))
    st.plotly_chart(views.pq_figure(target, q_model), key="div_pq_chart")
    left, right = st.columns(2)
    left.metric("V(D*, G) = E_p log D* + E_q log(1 − D*)", f"{value:.5f}")
    right.metric("2 JS(p, q) − log 4", f"{identity:.5f}")
    st.caption(
        "With the optimal discriminator D* = p/(p+q) the GAN's value is 2 JS(p, q) − log 4 (Goodfellow et al., 2014, "
        "Theorem 1): training G against it minimises the Jensen–Shannon divergence."
    )
    st.subheader("Every divergence between p and q")
    measures = explore.measure_mixtures(target, q_model)
    st.markdown(
        views.measures_markdown(measures, explore.MEASURES)
    )  # one element, not twelve: a slider move redraws less


def f_divergences(config: explore.DivergenceLabConfig) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "divergence": d.label,
                    "f(u)": d.f_formula,
                    "f*(t)": d.conjugate_formula,
                    "output activation": d.output_activation_formula,
                    "D_f": d.divergence_formula,
                }
                for d in F_DIVERGENCES.values()
            ]
        ),
        hide_index=True,
    )
    target, q_model = config.mixture, explore.CRITIC_Q
    exact = explore.exact_f_divergence(target, q_model, config.f_key)
    st.caption(
        f"The variational estimate of D_f(p‖q) for q = N(0, 2²): a critic T maximises E_p[T] − E_q[f*(T)] ≤ D_f "
        f"(Nguyen et al., 2010; Nowozin et al., 2016). Exact, by quadrature: {views.shown(exact)}."
    )
    if st.button("Train the critic", key="div_train_critic"):
        progress, chart = st.progress(0.0), st.empty()
        steps, estimates = [], []
        for step, estimate in variational_estimate(
            target, q_model, config.f_key, steps=explore.CRITIC_STEPS, seed=config.seed
        ):
            steps.append(step)
            estimates.append(estimate)
            progress.progress(
                step / explore.CRITIC_STEPS, text=f"step {step}: estimate {estimate:.4f} (exact {views.shown(exact)})"
            )
            chart.plotly_chart(views.estimate_figure(steps, estimates, exact))


@st.cache_data(show_spinner=False, max_entries=64)
def _target_samples(key: str, n: int, seed: int, shift: float) -> np.ndarray:
    return d2.target_samples(data_input.builtin_target(key), n, seed, (shift, 0.0))


@st.cache_data(show_spinner=False, max_entries=64)
def _grid_divergences(p_key: str, q_key: str, shift: float) -> dict[str, float]:
    return d2.grid_divergences(data_input.builtin_target(p_key), data_input.builtin_target(q_key), (shift, 0.0))


def _generator_samples(config: explore.DivergenceLabConfig) -> tuple[np.ndarray | None, str]:
    """q's samples from a GAN generator (this tab's GANs run, or an uploaded file), and its name; None until there is one."""
    if config.q_samples == "gan":
        found = session_runs.existing_run("gans")
        if found is None or found[1].dim != 2:
            st.info(
                "Train a 2-D GAN on the ⚔️ GANs page first, in this browser tab; its generator's samples then appear here as q."
            )
            return None, ""
        run, target = found
        try:
            samples = run.call(GanTrainingTask.samples, config.samples, config.seed + 1)
        except TrainerGone as error:
            st.warning(str(error))
            return None, ""
        return samples, f"q: your GAN at step {run.snapshot.step} (on {target.label})"
    upload = st.file_uploader(
        "A generator saved by the GANs page (.safetensors)", type=["safetensors"], key="div_generator_file"
    )
    if upload is None:
        st.info("Upload a generator downloaded from the ⚔️ GANs page (“Download the generator and samples”).")
        return None, ""
    try:
        generator, gan_config = load_generator(upload.getvalue())
        samples = generator_samples(generator, gan_config.noise_dim, gan_config.noise, config.samples, config.seed + 1)
    except (ValueError, RuntimeError) as error:
        st.error(f"That file could not be used: {error}")
        return None, ""
    if samples.shape[1] != 2:
        st.error("This generator makes 1-D samples; the comparison here is 2-D.")
        return None, ""
    return samples, f"q: {upload.name}"


def sample_comparison(config: explore.DivergenceLabConfig) -> None:
    p_target = data_input.builtin_target(config.p_samples)
    a = _target_samples(config.p_samples, config.samples, config.seed, 0.0)
    if config.q_samples in explore.GENERATOR_SOURCES:
        b, q_name = _generator_samples(config)
        if b is None:
            return
        b = b + np.array([config.q_shift, 0.0])
    else:
        b = _target_samples(config.q_samples, config.samples, config.seed + 1, config.q_shift)
        q_name = f"q: {data_input.builtin_target(config.q_samples).label}"
    comparison = d2.compare_samples(a, b, config.plan_order)
    plan_label = f"optimal transport plan of W{'₁' if config.plan_order == 1 else '₂'}"
    st.plotly_chart(
        views.samples_figure(
            a, b, d2.plan_segments(a, b, comparison.plan), (f"p: {p_target.label}", q_name), plan_label
        ),
        key="div_samples_chart",
    )
    st.caption(
        f"{config.samples} samples of each; each grey segment moves 1/{config.samples} of the mass from a point of p to a "
        "point of q. W is the cheapest such matching's cost, exact on these samples (POT's linear program)."
    )
    for column, (key, label) in zip(st.columns(3), d2.SAMPLE_MEASURES.items(), strict=True):
        column.metric(f"{label} (samples)", views.shown(comparison.values[key]))
    st.caption(
        f"MMD² is the unbiased estimate with a Gaussian kernel of width {d2.MMD_BANDWIDTH:g} (it can dip below 0 when p = q). "
        "Sample estimates are noisy: two sample sets of the same distribution are at W₁ > 0, shrinking like 1/√n."
    )
    st.subheader("From the densities (on a grid)")
    q_is_target = config.q_samples not in explore.GENERATOR_SOURCES
    if q_is_target and p_target.has_exact_density and data_input.builtin_target(config.q_samples).has_exact_density:
        values = _grid_divergences(config.p_samples, config.q_samples, config.q_shift)
        for column, (key, label) in zip(st.columns(len(d2.GRID_MEASURES)), d2.GRID_MEASURES.items(), strict=True):
            column.metric(label, views.shown(values[key]))
        st.caption(
            "Exact up to quadrature on a grid over both distributions. Slide q away: KL grows without bound, and JS, TV "
            "and H² saturate once the supports barely overlap, while W grows with the distance."
        )
    else:
        st.caption(
            "The f-divergences need a density for both p and q. A GAN's generator, and the targets known only by their "
            "samples, have none: that is why GANs estimate JS through a discriminator, or W₁ through a critic."
        )
