"""Divergences side by side: what each one makes a model learn, and why Wasserstein helps GANs."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app_pages import widgets
from engine import divergence_lab as lab
from engine.divergence_fitting import FIT_DIVERGENCES, Mixture1D, default_grid, variational_estimate
from engine.gans.losses import F_DIVERGENCES

st.title("📏 Divergences")
st.caption(
    "The divergence a model minimises decides what it learns: forward KL(p‖q) covers every mode of p, reverse "
    "KL(q‖p) locks onto one, JS saturates at log 2 when supports do not overlap, and Wasserstein keeps a gradient."
)


def shown(value: float) -> str:
    """A divergence as text: ∞ where infinite, never NaN."""
    return "∞" if math.isinf(value) else "undefined" if math.isnan(value) else f"{value:.4g}"


def density_chart(x, curves: dict[str, np.ndarray], height: int = 360) -> go.Figure:
    figure = go.Figure()
    for i, (name, y) in enumerate(curves.items()):
        line = {"width": 3} if i == 0 else {"width": 2.5, "dash": ("solid", "dash", "dot", "dashdot")[i % 4]}  # overlapping fits stay visible
        figure.add_scatter(x=x, y=y, name=name, mode="lines", fill="tozeroy" if i == 0 else None, line=line)
    figure.update_layout(height=height, margin={"l": 40, "r": 10, "t": 10, "b": 40}, xaxis={"title": "x"}, yaxis={"title": "density"},
                         legend={"orientation": "h", "y": -0.2})  # fmt: skip
    return figure


# ----- settings: URL -> widgets -> validated config -----
defaults = widgets.init_from_url("div", lab.DivergenceLabConfig)
with st.sidebar:
    view = st.radio("View", list(lab.VIEWS), format_func=lab.VIEWS.get, key="div_view")
    st.text_input("Target p: weight:mean:width, …", key="div_target", help="A mixture of Gaussians, e.g. 0.4:-3:0.8,0.6:3:1")
    if view == "fit":
        st.slider("Components of q", 1, 4, key="div_components")
        # the URL's comma-separated field is the source of truth; the multiselect edits it
        st.session_state["div_fitted_by_list"] = [k for k in st.session_state["div_fitted_by"].split(",") if k]
        st.multiselect(
            "Fit q by", list(FIT_DIVERGENCES), format_func=lambda k: FIT_DIVERGENCES[k][0], key="div_fitted_by_list",
            on_change=lambda: st.session_state.update(div_fitted_by=",".join(st.session_state["div_fitted_by_list"])),
        )  # fmt: skip
        st.number_input("Seed (q's starting point)", 0, 2**31 - 1, step=1, key="div_seed")
    if view == "disjoint":
        st.slider("Offset θ", -2.0, 2.0, step=0.01, key="div_theta")
    if view == "gan":
        st.slider("Mean of q", -8.0, 8.0, step=0.1, key="div_q_mean")
        st.slider("Width of q", 0.05, 8.0, step=0.05, key="div_q_width")
    if view == "fgan":
        st.selectbox("f", list(F_DIVERGENCES), format_func=lambda k: F_DIVERGENCES[k].label, key="div_f_key")

try:
    values = {name: st.session_state.get(f"div_{name}", value) for name, value in defaults.widget_values().items()}
    config = lab.DivergenceLabConfig(**values)
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
widgets.write_url("div", config)
target = config.mixture
x = default_grid(target)
p = lab.density(target, x)

if view == "fit":
    with st.spinner("Fitting q by each divergence…"):
        fits, matrix = lab.fit_matrix(target, config.fitted_by.split(","), config.components, config.seed)
    st.plotly_chart(density_chart(x, {"target p": p} | {f"q by {FIT_DIVERGENCES[k][0]}": lab.density(m, x) for k, m in fits.items()}))
    st.caption("Rows: the divergence q was fitted by; columns: each divergence measured between p and that fit (nats; ∞: infinite).")
    table = pd.DataFrame({FIT_DIVERGENCES[k][0]: {lab.MEASURES[m]: shown(v) for m, v in row.items()} for k, row in matrix.items()}).T
    st.dataframe(table)
elif view == "disjoint":
    thetas = np.linspace(-2, 2, 161)
    curves = lab.disjoint_sweep(thetas)
    figure = go.Figure()
    for key, label in (("js", "JS"), ("tv", "TV"), ("w1", "W₁")):
        figure.add_scatter(x=thetas, y=curves[key], name=label, mode="lines")
    figure.add_vline(x=config.theta, line_dash="dash")
    figure.update_layout(height=380, margin={"l": 40, "r": 10, "t": 10, "b": 40}, xaxis={"title": "θ"}, yaxis={"title": "divergence"})
    st.plotly_chart(figure)
    now = lab.disjoint_sweep(np.array([config.theta]))
    columns = st.columns(4)
    for column, (key, label) in zip(columns, (("js", "JS"), ("kl", "KL(p‖q)"), ("tv", "TV"), ("w1", "W₁")), strict=True):
        column.metric(label, shown(float(now[key][0])))
    st.markdown(
        "p is a box of width 0.1 at 0 and q the same box at θ (Arjovsky et al., 2017, Example 1). Once they stop "
        "overlapping, JS = log 2, KL = ∞ and TV = 1 for every θ: **their gradient in θ is zero**, so a generator "
        "trained on them gets no signal where to move. W₁ = |θ| keeps pointing towards p."
    )
elif view == "gan":
    q = lab.density(Mixture1D((1.0,), (config.q_mean,), (config.q_width,)), x)
    value, identity = lab.gan_value_at_optimum(p, q, float(x[1] - x[0]))
    st.plotly_chart(density_chart(x, {"p": p, "q": q, "D*(x) = p/(p+q)": np.where(p + q > 0, p / np.maximum(p + q, 1e-300), 0.5)}))
    left, right = st.columns(2)
    left.metric("V(D*, G) = E_p log D* + E_q log(1 − D*)", f"{value:.5f}")
    right.metric("2 JS(p, q) − log 4", f"{identity:.5f}")
    st.caption("With the optimal discriminator the GAN's value is 2 JS(p, q) − log 4 (Goodfellow et al., 2014, Theorem 1): "
               "training G on it minimises the Jensen–Shannon divergence.")  # fmt: skip
else:
    st.dataframe(pd.DataFrame([{"divergence": d.label, "f(u)": d.f_formula, "f*(t)": d.conjugate_formula,
                                "output activation": d.output_activation_formula, "D_f": d.divergence_formula}
                               for d in F_DIVERGENCES.values()]), hide_index=True)  # fmt: skip
    q_model = Mixture1D((1.0,), (0.0,), (2.0,))
    q = lab.density(q_model, x)
    exact = lab.measure_all(p, q, x)
    exact_value = {"kl": exact["kl"], "reverse_kl": exact["reverse_kl"], "js": 2 * exact["js"], "pearson": exact["pearson"],
                   "hellinger": exact["hellinger"], "tv": exact["tv"]}[config.f_key]  # fmt: skip
    st.caption(f"The variational estimate of D_f(p‖q) for q = N(0, 2²): a critic T maximises E_p[T] − E_q[f*(T)] ≤ D_f "
               f"(exact, by quadrature: {shown(exact_value)}).")  # fmt: skip
    if st.button("Train the critic", key="div_train_critic"):
        progress, chart = st.progress(0.0), st.empty()
        steps, estimates = [], []
        for step, estimate in variational_estimate(target, q_model, config.f_key, steps=1500, seed=config.seed):
            steps.append(step)
            estimates.append(estimate)
            progress.progress(step / 1500, text=f"step {step}: estimate {estimate:.4f}")
            figure = go.Figure(go.Scatter(x=steps, y=estimates, name="estimate"))
            figure.add_hline(y=exact_value, line_dash="dash", annotation_text="exact")
            figure.update_layout(height=320, margin={"l": 40, "r": 10, "t": 10, "b": 40}, xaxis={"title": "step"})
            chart.plotly_chart(figure)
