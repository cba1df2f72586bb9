"""The playground's server: ``streamlit run serve.py`` serves ``app.py`` exactly as
``streamlit run app.py`` does (same options, same ``.streamlit/config.toml``), but warms up before
it answers rather than on the first visit: the trainers' fork server (torch and every family's
task imported once, in its own process) and, meanwhile, every page's imports and torch's
first-call costs in this one. So the first visitor after a start gets a warm page and a warm first
Train; ``/_stcore/health`` answers once that is done (about 5 s on 2 cores). Streamlit runs this
file as an ASGI app (``st.App``) and calls ``warm_up_at_start`` from its start-up (lifespan) hook.
It also serves the live pages' images by URL (``/gp-frames/``, see app_ui/frame_urls.py), which
spares every redraw of an unchanged image Streamlit's media handling.
"""

import asyncio
import logging
from contextlib import asynccontextmanager

import streamlit as st

from app_ui import frame_urls

WARM_UP_TIMEOUT_S = 120.0  # past this the server answers anyway (a first Train then waits)


@asynccontextmanager
async def warm_up_at_start(_app):
    from app_ui import session_runs

    warm_up = session_runs.warm_up_in_background(wait_for_trainers=True)
    await asyncio.to_thread(warm_up.join, WARM_UP_TIMEOUT_S)
    if warm_up.is_alive():
        logging.getLogger(__name__).warning("The warm-up took over %.0f s; serving anyway.", WARM_UP_TIMEOUT_S)
    yield


app = st.App("app.py", lifespan=warm_up_at_start, routes=[frame_urls.route()])
