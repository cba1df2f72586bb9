"""Generative Playground: the entry point (the navigation). Serve it with `streamlit run serve.py`,
which warms up at server start; `streamlit run app.py` works too, warming up on the first visit."""

import streamlit as st
import torch

from app_ui import registry, warm_up

# One thread for the page's own model calls (decoding a grid, one digit's posterior): on a small
# machine shared by many sessions, two threads per tiny matrix product cost more than they gain.
# The live trainers run in processes of their own and set theirs.
torch.set_num_threads(1)

st.set_page_config(page_title="Generative Playground", page_icon="🌀", layout="wide")
warm_up.warm_up_in_background()  # done already under serve.py; else now, before the first Train

home = st.Page(registry.HOME.script, title=registry.HOME.title, icon=registry.HOME.icon, default=True)
sections = {
    title: [st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path) for page in pages]
    for title, pages in registry.sections().items()
}
st.navigation({"": [home], **sections}, position="top").run()
