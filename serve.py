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
import gc
import logging
import time
from contextlib import asynccontextmanager

import streamlit as st

from app_ui import frame_urls

WARM_UP_TIMEOUT_S = 120.0  # past this the server answers anyway (a first Train then waits)


@asynccontextmanager
async def warm_up_at_start(_app):
    from app_ui.warm_up import warm_up_in_background
    from engine.live.on_demand import default_backend

    backend = default_backend()  # the trainer backend (GP_TRAINER_BACKEND) connects now, on the main thread
    warm_up = warm_up_in_background(wait_for_trainers=True)
    await asyncio.to_thread(warm_up.join, WARM_UP_TIMEOUT_S)
    if warm_up.is_alive():
        logging.getLogger(__name__).warning("The warm-up took over %.0f s; serving anyway.", WARM_UP_TIMEOUT_S)
    # Everything imported so far lives as long as the server: keep it out of the full collections,
    # which otherwise walk it all while holding the GIL (0.7 s each with 30 live pages, 0.3 s after).
    gc.collect()
    gc.freeze()
    gc.callbacks.append(_warn_of_long_collections)
    yield
    backend.close()


_COLLECTION_STARTED: list[float] = []


def _warn_of_long_collections(phase: str, info: dict) -> None:
    """Log a garbage collection that stopped the server for more than 0.2 s."""
    if phase == "start":
        _COLLECTION_STARTED[:] = [time.perf_counter()]
    elif _COLLECTION_STARTED and (took := time.perf_counter() - _COLLECTION_STARTED[0]) > 0.2:
        logging.getLogger(__name__).warning(
            "A garbage collection (generation %d) took %.2f s.", info["generation"], took
        )


app = st.App("app.py", lifespan=warm_up_at_start, routes=[frame_urls.route()])
