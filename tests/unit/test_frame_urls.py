"""Live images by URL (serve.py's /gp-frames/ route): published once, served, evicted oldest first."""

import asyncio
import concurrent.futures

import pytest

from app_ui import frame_urls


@pytest.fixture
def serving(monkeypatch):
    monkeypatch.setattr(frame_urls, "SERVING", True)
    monkeypatch.setattr(frame_urls, "_app_root", lambda: "https://example.test/base")
    monkeypatch.setattr(frame_urls, "STORE", frame_urls._Store(max_bytes=10))


def token_of(url: str) -> str:
    prefix = "https://example.test/base/gp-frames/"
    assert url.startswith(prefix) and url.endswith(".png"), url
    return url[len(prefix) : -len(".png")]


def test_pngs_become_urls_on_the_pages_origin_and_the_rest_is_unchanged(serving):
    published = frame_urls.published({"model": b"abc", "pair": (b"de", b"f"), "chart": None})
    assert published["chart"] is None and isinstance(published["pair"], tuple)
    assert frame_urls.STORE.get(token_of(published["model"])) == b"abc"
    assert [frame_urls.STORE.get(token_of(url)) for url in published["pair"]] == [b"de", b"f"]
    figure = object()
    assert frame_urls.published(figure) is figure


def test_the_store_keeps_the_newest_images_within_its_bytes(serving):
    old = token_of(frame_urls.published(b"123456"))
    new = token_of(frame_urls.published(b"7890"))
    assert frame_urls.STORE.get(old) is not None and frame_urls.STORE.size == 10
    newest = token_of(frame_urls.published(b"xy"))
    assert frame_urls.STORE.get(old) is None, "the oldest image left to make room"
    assert frame_urls.STORE.get(new) == b"7890" and frame_urls.STORE.get(newest) == b"xy"


def test_without_the_route_or_the_page_url_the_bytes_go_to_streamlit(monkeypatch):
    monkeypatch.setattr(frame_urls, "SERVING", False)
    assert frame_urls.published(b"png") == b"png"
    monkeypatch.setattr(frame_urls, "SERVING", True)
    monkeypatch.setattr(frame_urls, "_app_root", lambda: None)  # AppTest: no browser URL
    assert frame_urls.published(b"png") == b"png"


def test_the_route_serves_a_published_png_and_404s_an_unknown_token(serving, monkeypatch):
    route = frame_urls.route()
    token = token_of(frame_urls.published(b"\x89PNG"))

    def get(token: str):
        from starlette.requests import Request

        scope = {"type": "http", "method": "GET", "path": f"/gp-frames/{token}.png", "headers": [], "query_string": b""}
        match, child_scope = route.matches(scope)
        request = Request({**scope, **child_scope})
        with concurrent.futures.ThreadPoolExecutor(1) as thread:  # the suite may have a loop running here
            return thread.submit(asyncio.run, route.endpoint(request)).result()

    served = get(token)
    assert served.status_code == 200 and served.body == b"\x89PNG" and served.media_type == "image/png"
    assert "immutable" in served.headers["cache-control"]
    assert get("0" * 32).status_code == 404
