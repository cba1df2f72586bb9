"""Normalizing flows, live: pick a target and a flow, press Train, watch the density sharpen."""

import streamlit as st

from app_ui import data_input, flow_panels, live_page, url_state
from app_ui.live_page import Download
from engine.flows import FLOW_TYPES, flow_types_for
from engine.flows.task import FlowRunConfig, FlowTrainingTask

st.title("🌊 Normalizing flows")
st.caption(
    "A flow f maps data x to a latent z ~ N(0, I); its density is "
    "p(x) = p_z(f(x)) · |det ∂f/∂x|, and it is trained by maximising the log-likelihood of samples."
)

# ----- settings: URL -> widgets -> validated config -----
section = live_page.LiveSection("flows", FlowRunConfig)
defaults = section.link()
target_key, target = data_input.target_picker("flows")
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
    n_layers = url_state.slider("Layers", "flows_n_layers", 1, 32, defaults.n_layers)
    hidden = url_state.select("Hidden width", "flows_hidden", [16, 32, 64, 128, 256], defaults.hidden)
    if flow_type in ("spline", "cdf"):
        n_bins = url_state.slider(
            "Spline bins" if flow_type == "spline" else "Mixture components", "flows_n_bins", 2, 64, defaults.n_bins
        )
    else:  # not used by this flow type; kept for when the user switches back
        n_bins = st.session_state.get("flows_n_bins", defaults.n_bins)
    st.header("Training")
    learning_rate = url_state.select(
        "Learning rate", "flows_learning_rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], defaults.learning_rate
    )
    lr_half_life = url_state.select(
        "Learning rate halves every … steps (0: constant)",
        "flows_lr_half_life",
        [0, 250, 500, 700, 1000, 2000, 5000],
        defaults.lr_half_life,
    )
    batch_size = url_state.select(
        "Batch size", "flows_batch_size", [32, 64, 128, 256, 512, 1024, 2048], defaults.batch_size
    )
    seed = section.seed_input()

started = section.start(
    FlowTrainingTask,
    target,
    target_object=target,
    target=target_key,
    flow_type=flow_type,
    n_layers=n_layers,
    hidden=hidden,
    hidden_layers=defaults.hidden_layers,
    n_bins=n_bins,
    learning_rate=learning_rate,
    lr_half_life=lr_half_life,
    batch_size=batch_size,
    seed=seed,
)
if started is None:
    st.stop()
run, config = started

# ----- controls, live views, downloads -----
state, note = live_page.controls(run, config, "flows")
if target_key in data_input.CUSTOM_TARGETS:
    note.caption("The link reproduces every setting but your own points.")
live_page.live_views(run, state, flow_panels.draw)
name = f"flow-{config.flow_type}-{config.target}-seed{config.seed}-step{run.snapshot.step}"
live_page.downloads(
    run,
    state,
    "Download the model and samples",
    [
        Download(
            "Model (.zip: model.safetensors + config.json)",
            f"{name}.zip",
            FlowTrainingTask.model_zip,
            mime="application/zip",
        ),
        Download("5,000 samples (.csv)", f"{name}-samples.csv", FlowTrainingTask.sample_csv, mime="text/csv"),
    ],
    caption="Reload the model in Python: `engine.flows.task.load_flow_zip(open(path, 'rb').read())`.",
)

with st.expander("About these numbers"):
    st.markdown(
        "- **Held-out NLL** is −mean log q(x) on 4,096 fresh samples of the target, in nats.\n"
        "- **KL(p‖q) = NLL − H(p)** says how far the model is from perfect. It is shown only for targets "
        "with an exact density, as a Monte Carlo estimate with its standard error.\n"
        f"- {target.density_note}"
    )
