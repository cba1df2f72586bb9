"""Generative Playground: the entry point. Run with `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Generative Playground", page_icon="🌀", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/flows.py", title="Normalizing flows", icon="🌊", url_path="flows"),
    st.Page("app_pages/gans.py", title="GANs", icon="⚔️", url_path="gans"),
    st.Page("app_pages/vae.py", title="VAEs", icon="🧬", url_path="vae"),
]

st.navigation(PAGES).run()
