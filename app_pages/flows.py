"""Normalizing flows, live: pick a target and a flow, press Train, watch the density sharpen."""

import functools

import streamlit as st

from app_ui import widgets
from engine import live
from engine.flows import FLOW_TYPES
from engine.flows import views as flow_views
from engine.flows.task import FlowRunConfig, FlowTrainingTask, flow_types_for

LIVE_STATES = (live.RUNNING, live.WAITING)

st.title("🌊 Normalizing flows")
st.caption(
    "A flow f maps data x to a latent z ~ N(0, I); its density is "
    "p(x) = p_z(f(x)) · |det ∂f/∂x|, and it is trained by maximising the log-likelihood of samples."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = widgets.init_from_url("flows", FlowRunConfig)
target_key, target = widgets.target_picker("flows")
with st.sidebar:
    st.caption(target.density_note)
    st.header("Flow")
    flow_keys = flow_types_for(target.dim)
    if st.session_state.get("flows_flow_type") not in flow_keys:  # the target's dimension changed
        st.session_state["flows_flow_type"] = FlowRunConfig.flow_type if target.dim == 2 else flow_keys[0]
    flow_type = st.selectbox(
        "Flow type", flow_keys, format_func=lambda key: FLOW_TYPES[key].label, key="flows_flow_type"
    )
    st.caption(FLOW_TYPES[flow_type].description)
    n_layers = widgets.slider("Layers", "flows_n_layers", 1, 32, defaults.n_layers)
    hidden = widgets.select("Hidden width", "flows_hidden", [16, 32, 64, 128, 256], defaults.hidden)
    if flow_type in ("spline", "cdf"):
        n_bins = widgets.slider(
            "Spline bins" if flow_type == "spline" else "Mixture components", "flows_n_bins", 2, 64, defaults.n_bins
        )
    else:  # not used by this flow type; kept for when the user switches back
        n_bins = st.session_state.get("flows_n_bins", defaults.n_bins)
    st.header("Training")
    learning_rate = widgets.select(
        "Learning rate", "flows_learning_rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], defaults.learning_rate
    )
    lr_half_life = widgets.select(
        "Learning rate halves every … steps (0: constant)", "flows_lr_half_life",
        [0, 250, 500, 700, 1000, 2000, 5000], defaults.lr_half_life,
    )
    batch_size = widgets.select("Batch size", "flows_batch_size", [32, 64, 128, 256, 512, 1024, 2048], defaults.batch_size)
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="flows_seed")

try:
    config = FlowRunConfig(
        target=target_key, flow_type=flow_type, n_layers=n_layers, hidden=hidden,
        hidden_layers=defaults.hidden_layers, n_bins=n_bins, learning_rate=learning_rate, lr_half_life=lr_half_life,
        batch_size=batch_size, seed=int(seed), max_steps=defaults.max_steps,
    )
    run = widgets.session_run("flows", config, target, functools.partial(FlowTrainingTask, config, target))
except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
    st.error(str(error))
    st.stop()
widgets.write_url("flows", config)

# ----- controls -----
state = run.snapshot.state
buttons = st.columns([1, 1, 1, 4])
if state in LIVE_STATES:
    buttons[0].button("⏸ Pause", on_click=widgets.command(run.pause), type="primary", key="flows_pause", width="stretch")
else:
    buttons[0].button(
        "▶ Train", on_click=widgets.command(run.train), type="primary", key="flows_train", width="stretch",
        disabled=state == live.FINISHED,
    )
buttons[1].button("Step", on_click=widgets.command(run.step), key="flows_step", width="stretch", help="One optimisation step.")
buttons[2].button("↺ Reset", on_click=widgets.reset_command(run, config), key="flows_reset", width="stretch", help="Back to step 0, same seed.")
if target_key in widgets.CUSTOM_TARGETS:
    buttons[3].caption("The link reproduces every setting but your own points.")


# ----- live views -----
@st.fragment(run_every=live.FRAME_EVERY_S if state in LIVE_STATES else None)
def live_views():
    snapshot = widgets.fragment_snapshot(run, state)
    metrics = snapshot.metrics
    entropy = metrics.get("entropy")
    cols = st.columns(5)
    cols[0].metric("Step", f"{snapshot.step:,}", help=f"Stops at {snapshot.max_steps:,} steps.")
    cols[1].metric(
        "Steps / s", f"{snapshot.steps_per_second:,.0f}",
        help=f"Learning rate now {metrics.get('learning_rate', float('nan')):.2g}.",
    )
    cols[2].metric("Held-out NLL", widgets.nats(metrics.get("nll")), help="−mean log q(x) on 4,096 held-out samples.")
    if entropy is not None:
        cols[3].metric(
            "KL(p‖q)", widgets.nats(metrics.get("kl")),
            help=f"E_p[log p − log q], Monte Carlo on held-out samples (± {metrics['kl_se']:.3f}).",
        )
        cols[4].metric(
            "Floor H(p)", widgets.nats(entropy),
            help=f"The lowest NLL any model can reach: −mean log p(x) on the same held-out samples "
            f"(± {metrics['entropy_se']:.3f}), so NLL − H(p) = KL exactly.",
        )
    else:
        cols[3].metric("KL(p‖q)", "n/a", help="This target has no closed-form density, so only NLL is shown.")
    visuals = snapshot.visuals
    if target.dim == 1:
        figure = widgets.cached_render(snapshot, "one_d", flow_views.one_d_figure)
        st.plotly_chart(figure, key="flows_one_d", config={"displayModeBar": False})
        widgets.loss_chart(snapshot, entropy, running=state in LIVE_STATES)
        return
    images = widgets.cached_render(snapshot, "model", flow_views.model_images, visuals["density_id"])
    cols = st.columns(4)
    target_png = widgets.cached_render(snapshot, "target", flow_views.target_image, version=0)
    cols[0].image(target_png, caption="Target density p(x)", width="stretch")
    cols[1].image(images["model"], caption="Learned density q(x), same colour scale", width="stretch")
    cols[2].image(images["samples"], caption="Samples x = f⁻¹(z), fixed z", width="stretch")
    with cols[3]:
        widgets.loss_chart(snapshot, entropy, running=state in LIVE_STATES)
    st.subheader("How the flow moves space")
    forward, inverse = widgets.cached_render(snapshot, "stages", flow_views.stage_strips, visuals["stages_id"])
    st.image(forward, caption="Data and a grid pushed through each layer, x → z: the last panel should look like N(0, I).")
    st.image(inverse, caption="Noise and a grid pulled back through the inverse layers, z → x: sampling.")


live_views()

# ----- downloads (when paused) -----
if state not in LIVE_STATES and run.is_alive:
    with st.expander("Download the model and samples"):
        name = f"flow-{config.flow_type}-{config.target}-seed{config.seed}-step{run.snapshot.step}"
        cols = st.columns(2)
        cols[0].download_button(
            "Model (.zip: model.safetensors + config.json)", data=lambda: run.call("model_zip"),
            file_name=f"{name}.zip", mime="application/zip", on_click="ignore",
        )
        cols[1].download_button(
            "5,000 samples (.csv)", data=lambda: run.call("sample_csv"),
            file_name=f"{name}-samples.csv", mime="text/csv", on_click="ignore",
        )
        st.caption("Reload the model in Python: `engine.flows.task.load_flow_zip(open(path, 'rb').read())`.")

with st.expander("About these numbers"):
    st.markdown(
        "- **Held-out NLL** is −mean log q(x) on 4,096 fresh samples of the target, in nats.\n"
        "- **KL(p‖q) = NLL − H(p)** says how far the model is from perfect. It is shown only for targets "
        "with an exact density, as a Monte Carlo estimate with its standard error.\n"
        f"- {target.density_note}"
    )
