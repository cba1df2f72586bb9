"""Evaluation: every shipped image model on one table, by its samples and by its likelihood."""

import pandas as pd
import streamlit as st

from app_ui import url_state
from engine.evaluation import views
from engine.evaluation.explore import SORT_KEYS, EvaluationViewConfig, load_table, sample_strip
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


rows = views.table_rows(table, config.sort)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
st.caption(
    f"{table['samples']:,} samples per model against {table['real']}; made by `{table['command']}` on {table['date']} "
    f"({table['machine']}, {table['seconds'] / 60:.0f} min)."
    + (f" Then {table['precision_recall_note']}." if "precision_recall_note" in table else "")
)

left, right = st.columns(2)
with left:
    st.plotly_chart(views.fid_by_samples_figure(table), width="stretch")
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
