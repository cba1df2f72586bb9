"""Generative Playground: the entry point. Run with `streamlit run app.py`."""

import streamlit as st
import torch

# One thread for the page's own model calls (decoding a grid, one digit's posterior): on a small
# machine shared by many sessions, two threads per tiny matrix product cost more than they gain.
# The live trainers run in processes of their own and set theirs.
torch.set_num_threads(1)

st.set_page_config(page_title="Generative Playground", page_icon="🌀", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/flows.py", title="Normalizing flows", icon="🌊", url_path="flows"),
    st.Page("app_pages/gans.py", title="GANs", icon="⚔️", url_path="gans"),
    st.Page("app_pages/vae.py", title="VAEs", icon="🧬", url_path="vae"),
    st.Page("app_pages/divergences.py", title="Divergences", icon="📏", url_path="divergences"),
    st.Page("app_pages/style_mixing.py", title="Style mixing", icon="🎨", url_path="style_mixing"),
]

st.navigation(PAGES).run()
