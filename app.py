"""Generative Playground: the entry point. Run with `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Generative Playground", page_icon="🌀", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/flows.py", title="Normalizing flows", icon="🌊", url_path="flows"),
]

# Our own links: the built-in sidebar list is off (config.toml), because on a server's first
# session it can flash the raw file names of pages/ before this script has run.
page = st.navigation(PAGES, position="hidden")
with st.sidebar:
    for entry in PAGES:
        st.page_link(entry, label=entry.title, icon=entry.icon)
    st.divider()
page.run()
