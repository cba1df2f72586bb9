"""Evaluation: every shipped image model on one table, by its samples and by its likelihood."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app_ui import url_state
from engine.evaluation.explore import SORT_KEYS, EvaluationViewConfig, load_table, sample_strip, sorted_rows
from engine.evaluation.table import IMAGE_MODELS
from engine.pretrained import ModelUnavailable

st.title("📋 Evaluation")
st.caption(
    "How good is a generative model of digits? Its samples, scored in the features of a digit classifier (FID, "
    "Inception score, precision and recall), and its test likelihood where it has one, side by side with what real "
    "digits score."
)


@st.cache_resource(show_spinner="Sampling…", max_entries=32)
def shared_strip(name: str):
    """A model's strip of samples, made once for every visitor."""
    return sample_strip(name)


defaults = url_state.init_from_url("evaluation", EvaluationViewConfig)
with st.sidebar:
    st.selectbox("Sort by", list(SORT_KEYS), format_func=SORT_KEYS.get, key="evaluation_sort")
    st.toggle(
        "Show samples from every model",
        key="evaluation_samples",
        help="12 digits from each model (a few seconds the first time).",
    )
config = EvaluationViewConfig(sort=st.session_state["evaluation_sort"], samples=st.session_state["evaluation_samples"])
url_state.write_url("evaluation", config)

try:
    table = load_table()
except ModelUnavailable as error:
    st.error(str(error))
    st.stop()


def likelihood(row: dict) -> str:
    if row["nll"] is None:
        return "– (no density)"
    return f"{row['nll']:.1f} exact" if row["likelihood"] == "exact" else f"≤ {row['nll']:.1f} (IWAE bound)"


floor = table["floor"]
rows = [
    {
        "Model": row["label"],
        "Family": row["family"],
        "FID": round(row["fid"], 1),
        "Inception score": round(row["inception_score"], 2),
        "Precision": round(row["precision"], 2),
        "Recall": round(row["recall"], 2),
        "−log p(x), nats": likelihood(row),
        "ms / digit": round(row["sample_ms"], 3),
    }
    for row in sorted_rows(table, config.sort)
]
rows.append(
    {
        "Model": "Real digits (1,000 training vs the held-out)",
        "Family": "floor",
        "FID": round(floor["fid"], 1),
        "Inception score": round(floor["inception_score"], 2),
        "Precision": round(floor["precision"], 2),
        "Recall": round(floor["recall"], 2),
        "−log p(x), nats": "",
        "ms / digit": None,
    }
)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
st.caption(
    f"{table['samples']:,} samples per model against {table['real']}; made by `{table['command']}` on {table['date']} "
    f"({table['machine']}, {table['seconds'] / 60:.0f} min)."
)

left, right = st.columns(2)
with left:
    figure = go.Figure()
    for name, curve in table["fid_by_samples"].items():
        counts, fids = zip(*curve, strict=True)
        figure.add_scatter(x=counts, y=fids, mode="lines+markers", name=IMAGE_MODELS[name].label)
    figure.add_hline(y=floor["fid"], line_dash="dash", line_color="green", annotation_text="real vs real, 1,000")
    figure.update_layout(
        xaxis_type="log",
        xaxis_title="generated samples",
        yaxis_title="FID against the held-out digits",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        title="FID needs enough samples",
    )
    st.plotly_chart(figure, width="stretch")
with right:
    st.markdown(
        "**Read with care**\n"
        "- These features are the shipped **MNIST classifier's** (64 of them), **not the Inception network's**: the "
        "numbers rank the models here and do not compare with papers. The floor row is what real digits score.\n"
        "- **FID** falls as the number of samples grows (left): compare FIDs only at one sample size.\n"
        "- The **Inception score** asks for confident and balanced classes: it ignores variety within a class (one "
        "perfect '3' repeated scores as well as every '3').\n"
        "- **Precision** is the share of samples that look real; **recall**, the share of real digits the samples cover.\n"
        "- **−log p(x)** is exact for the autoregressive models and an upper bound (IWAE, k = 5,000) for the VAEs, on "
        "binarized digits; a GAN has none. The VAEs' samples are their decoder means, the autoregressive models' are "
        "binary, the style-based generator's are made grey."
    )

if config.samples:
    st.subheader("Samples")
    for name, model in IMAGE_MODELS.items():
        try:
            strip = shared_strip(name)
        except (ModelUnavailable, RuntimeError) as error:
            st.warning(f"{model.label}: {error}")
            continue
        st.image(strip, caption=model.label, width="stretch", clamp=True)
