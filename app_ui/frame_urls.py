"""Live images by URL, around Streamlit's media manager.

A live page redraws several times a second, and ``st.image(png_bytes)`` costs the server on every
redraw even when the image did not change: Streamlit opens the PNG to check its size, hashes all
of its bytes and files it under a lock that every session's redraw shares (about a quarter of the
server's time with 30 live pages). Under ``streamlit run serve.py`` a route of our own,
``/gp-frames/<token>.png``, serves the PNGs instead: :func:`published` files each new image once
and gives the page an absolute URL on the page's own origin (``st.context.url``), so an unchanged
image costs a redraw one short string, and the browser fetches a new one once. Under plain
``streamlit run app.py`` (no route) or where the page's URL is unknown (``AppTest``), the bytes
go to ``st.image`` as before.

The store keeps the most recent images up to :data:`MAX_BYTES`; a URL that has left it answers 404
(the page has long shown a newer one).
"""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from collections import OrderedDict
from typing import Any

import streamlit as st

ROUTE = "/gp-frames/{token}.png"
MAX_BYTES = 64 * 2**20  # about 20 s of frames for 30 live pages
SERVING = False  # serve.py turns it on together with the route


class _Store:
    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.images: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def add(self, png: bytes) -> str:
        token = uuid.uuid4().hex
        with self.lock:
            self.images[token] = png
            self.size += len(png)
            while self.size > self.max_bytes and len(self.images) > 1:
                self.size -= len(self.images.popitem(last=False)[1])
        return token

    def get(self, token: str) -> bytes | None:
        with self.lock:
            return self.images.get(token)


STORE = _Store(MAX_BYTES)


def _app_root() -> str | None:
    """The app's root URL as the browser sees it (``https://host[/base]``), or None if unknown: the
    origin of the page's URL and the server's ``server.baseUrlPath``."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no script run context: no page to serve
        return None
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    base = st.get_option("server.baseUrlPath").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{base}" if base else "")


def published(image: Any) -> Any:
    """``image`` with every PNG (bytes, also inside a tuple, list or dict) replaced by its URL when the
    route serves them; anything else, or everything when it does not, unchanged."""
    if not SERVING or (root := _app_root()) is None:
        return image
    return _replace(image, root)


def _replace(image: Any, root: str) -> Any:
    if isinstance(image, bytes):
        return f"{root}{ROUTE.format(token=STORE.add(image))}"
    if isinstance(image, (tuple, list)):
        return type(image)(_replace(item, root) for item in image)
    if isinstance(image, dict):
        return {key: _replace(item, root) for key, item in image.items()}
    return image


def route():
    """The Starlette route that serves the published PNGs (for ``st.App(routes=...)``); it turns
    publishing on."""
    from starlette.responses import Response
    from starlette.routing import Route

    global SERVING

    async def frame(request):
        png = STORE.get(request.path_params["token"])
        if png is None:
            return Response(status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600, immutable"})

    SERVING = True
    return Route(ROUTE, frame, methods=["GET"])
