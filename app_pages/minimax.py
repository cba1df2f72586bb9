"""Minimax dynamics: gradient descent-ascent and its cousins on games where everything is exact."""

import time

import numpy as np
import streamlit as st

from app_ui import url_state
from engine import render
from engine.minimax import dynamics, views
from engine.minimax.explore import MinimaxConfig
from engine.minimax.games import DIRAC_LOSSES, GAMES, REGULARIZERS

st.title("🌀 Minimax dynamics")
st.caption(
    "min over θ, max over φ of L(θ, φ): a GAN's training in two numbers. Gradient descent on θ and ascent on φ, taken "
    "together (simultaneous), one after the other (alternating), with n_dis ascent steps per descent, optimistically or "
    "with a look-ahead (extragradient): which ones reach the equilibrium (0, 0)? The eigenvalues of each update's "
    "Jacobian there decide."
)

defaults = url_state.init_from_url("minimax", MinimaxConfig)
with st.sidebar:
    st.header("Game")
    game = st.selectbox("Game", list(GAMES), format_func=GAMES.get, key="minimax_game")
    if game == "convex_concave":
        url_state.select("μ", "minimax_mu", [0.0, 0.05, 0.1, 0.3, 0.5, 1.0], defaults.mu)
    if game == "dirac":
        st.selectbox("Loss", list(DIRAC_LOSSES), format_func=DIRAC_LOSSES.get, key="minimax_loss")
        st.selectbox(
            "Discriminator regularizer", list(REGULARIZERS), format_func=REGULARIZERS.get, key="minimax_regularizer"
        )
        url_state.select("γ", "minimax_gamma", [0.1, 0.3, 1.0, 3.0], defaults.gamma)
    st.header("Updates")
    st.selectbox("Update rule", list(dynamics.RULES), format_func=dynamics.RULES.get, key="minimax_rule")
    url_state.select("α (descent step, θ)", "minimax_alpha", [0.01, 0.05, 0.1, 0.2, 0.5, 1.0], defaults.alpha)
    url_state.select("β (ascent step, φ)", "minimax_beta", [0.01, 0.05, 0.1, 0.2, 0.5, 1.0], defaults.beta)
    if st.session_state["minimax_rule"] == "multi_ascent":
        url_state.slider("n_dis (ascent steps per descent)", "minimax_n_dis", 1, 20, defaults.n_dis)
    url_state.select("Iterations", "minimax_steps", [50, 100, 300, 1000, 3000], defaults.steps)
    st.header("Start")
    url_state.select("θ₀", "minimax_theta0", [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], defaults.theta0)
    url_state.select("φ₀", "minimax_phi0", [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0], defaults.phi0)
    st.toggle(
        "Show every rule",
        key="minimax_compare",
        help="Every update rule's iterates from the same start, in its colour.",
    )

try:
    config = MinimaxConfig(
        **{name: st.session_state.get(f"minimax_{name}", value) for name, value in defaults.widget_values().items()}
    )
    game_model = config.build_game()
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("minimax", config)

paths = config.paths()
eigen = dynamics.eigenvalues(game_model, config.rule, config.alpha, config.beta, config.n_dis)
rho, sentence = dynamics.verdict(eigen)
final = dynamics.distances(paths[config.rule])[-1]
cols = st.columns(3)
cols[0].metric(
    "Spectral radius ρ",
    "–" if rho is None else f"{rho:.4f}",
    help="The largest |λ| of the update's Jacobian at the equilibrium.",
)
cols[1].metric(
    f"Distance after {config.steps:,} iterations",
    "diverged" if not np.isfinite(final) else f"{final:.3g}",
    help=f"From {np.hypot(config.theta0, config.phi0):.3g} at the start.",
)
cols[2].metric("Rule", dynamics.RULES[config.rule])
(st.success if sentence.startswith("converges") else st.info if sentence.startswith("cycles") else st.warning)(
    f"{dynamics.RULES[config.rule]} {sentence}."
)

extent = views.extent_for(paths)
st.session_state.setdefault("minimax_frame", None)
play = st.button("▶ Play the iterations", help="Draw the iterates one by one (about 5 s).")
if play:
    st.session_state["minimax_frame"] = 0
legend = " · ".join(f"{views.COLOR_NAMES[r]}: {dynamics.RULES[r]}" for r in paths)
eigen_png = render.png_bytes(views.eigen_image(eigen))  # the same in every frame of Play


@st.fragment(run_every=0.1 if st.session_state["minimax_frame"] is not None else None)
def animated() -> None:
    """The picture and the distance chart up to the current frame (all of it when not playing)."""
    frame = st.session_state["minimax_frame"]
    upto = None if frame is None else min(frame, config.steps)
    cols = st.columns([3, 3, 2])
    cols[0].image(
        render.png_bytes(views.paths_image(game_model, paths, extent, upto)),
        width="stretch",
        caption=f"θ across, φ up; grey: the flow (−∂L/∂θ, ∂L/∂φ); hollow: the start. {legend}",
    )
    cols[1].image(
        render.png_bytes(views.distance_image(paths, upto)),
        width="stretch",
        caption="log₁₀ of the distance to the equilibrium, per iteration",
    )
    cols[2].image(
        eigen_png,
        width="stretch",
        caption=f"Eigenvalues of {dynamics.RULES[config.rule]}'s Jacobian at (0, 0) and the unit circle",
    )
    if frame is not None:
        if frame >= config.steps:
            st.session_state["minimax_frame"] = None
            time.sleep(0.05)
            st.rerun()
        st.session_state["minimax_frame"] = frame + max(1, config.steps // 50)


animated()

with st.expander("The formulas"):
    st.markdown(
        "- **Simultaneous:** φ⁺ = φ + β ∇φL(θ, φ), θ⁺ = θ − α ∇θL(θ, φ). On L = θφ with α = β the Jacobian is "
        "[[1, −α], [α, 1]], eigenvalues 1 ± iα: the distance grows by √(1 + α²) a step.\n"
        "- **Alternating:** φ⁺ = φ + β ∇φL(θ, φ), θ⁺ = θ − α ∇θL(θ, φ⁺): determinant 1 on L = θφ, so |λ| = 1 (while αβ < 4): "
        "it cycles.\n"
        "- **n_dis ascent steps, one descent:** n_dis steps on φ, then one on θ (n_dis = 1: alternating).\n"
        "- **Optimistic:** x⁺ = x ∓ step (2 g(x) − g(x_previous)). **Extragradient:** a look-ahead x' = x ∓ step g(x), "
        "then x⁺ = x ∓ step g(x'). Both converge on L = θφ.\n"
        "- **The Dirac-GAN** (Mescheder et al., 2018): the generator is the point θ, the data the point 0, D(x) = φx; "
        "L = f(φθ) + f(0). Without a regularizer the Jacobian's eigenvalues sit on (or outside) the unit circle; R1 "
        "(γ/2 φ²) pulls them inside.\n"
        "- The eigenvalues come from central differences of the update map at (0, 0); optimistic GDA's map also "
        "carries the last gradients, so it has four."
    )
