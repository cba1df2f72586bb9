"""One visitor against an already running server (the container): health, Flows page, Train, steps.

    python deploy/session_check.py                       # http://127.0.0.1:7860, 20 s of training
    python deploy/session_check.py --seconds 30 --sessions 2

It uses the crowd benchmark's client (``benchmarks/streamlit_client.py``: Streamlit's websocket
protocol, no browser) the way ``benchmarks/crowd.py`` drives a session: open the page, wait until
it shows the ``Step`` metric, press "▶ Train", stay, read ``Step``. Only loopback URLs are
accepted. Prints one JSON object; exits 1 unless every session trained (Step > 0) without an
exception on the page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: benchmarks/

from benchmarks.streamlit_client import StreamlitClient, int_value  # noqa: E402

TRAIN, PAUSE, STEP = "▶ Train", "⏸ Pause", "Step"
FAILING_PROBLEMS = ("exception", "error", "compile_error", "page_not_found", "protocol", "client")  # not info/warning
LOAD_TIMEOUT_S = 60.0


def health(url: str) -> tuple[str, float]:
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        return response.read().decode(), time.monotonic() - started


def index_html(url: str) -> tuple[int, float]:
    """What a browser fetches first: the page's HTML (its status, seconds)."""
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/flows", timeout=10) as response:
        response.read()
        return response.status, time.monotonic() - started


async def session(url: str, page: str, query: str, seconds: float, index: int) -> dict:
    result: dict = {"session": index, "load_s": None, "first_step_s": None, "steps": 0, "train_accepted": False}
    client = StreamlitClient(url, page, query, fetch_media=True, name=f"check-{index}")
    train_at = None

    def observe(c: StreamlitClient, status: int, fragment_ids: list[str]) -> None:
        nonlocal train_at
        step = int_value(c.page.metric(STEP))
        if c.page.button(PAUSE) is not None:
            result["train_accepted"] = True
        if step is None:
            return
        result["steps"] = step
        if train_at is not None and result["first_step_s"] is None and step > 0:
            result["first_step_s"] = round(time.monotonic() - train_at, 2)

    client.on_run_finished = observe
    started = time.monotonic()
    try:
        await client.connect()
        await client.open_page()
        loaded = await client.wait_for(
            lambda: client.stats.full_runs > 0 and client.page.metric(STEP) is not None, LOAD_TIMEOUT_S
        )
        if not loaded:
            result["error"] = f"the page did not show {STEP!r} within {LOAD_TIMEOUT_S:.0f} s"
            return result
        result["load_s"] = round(time.monotonic() - started, 2)
        if not await client.click(TRAIN):
            result["error"] = f"no enabled {TRAIN!r} button on the loaded page"
            return result
        train_at = time.monotonic()
        await asyncio.sleep(seconds)
        result["steps"] = int_value(client.page.metric(STEP)) or result["steps"]
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        await client.close()
        result["frames"] = client.stats.fragment_runs
        result["media_requests"] = client.stats.media_requests
        result["media_errors"] = client.stats.media_errors + client.stats.media_missing
        result["problems"] = [f"{p.kind}: {p.text[:200]}" for p in client.problems.values()]
    return result


async def run(url: str, page: str, query: str, seconds: float, count: int) -> list[dict]:
    return list(await asyncio.gather(*(session(url, page, query, seconds, i) for i in range(count))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python deploy/session_check.py", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="the running server (loopback only)")
    parser.add_argument("--page", default="flows")
    parser.add_argument("--query", default="", help='the link\'s query string, e.g. "seed=3"')
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each session trains")
    parser.add_argument("--sessions", type=int, default=1)
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error(f"only a loopback server is checked, not {host!r}")
    if not 1 <= args.sessions <= 10 or not 0 < args.seconds <= 600:
        parser.error("--sessions must be in [1, 10] and --seconds in (0, 600]")

    answer, health_s = health(url)
    status, html_s = index_html(url)
    sessions = asyncio.run(run(url, args.page, args.query.lstrip("?"), args.seconds, args.sessions))
    report = {
        "url": url,
        "health": answer,
        "health_s": round(health_s, 3),
        "html_status": status,
        "html_s": round(html_s, 3),
        "page": args.page,
        "seconds": args.seconds,
        "sessions": sessions,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = answer == "ok" and all(
        s.get("error") is None
        and s["steps"] > 0
        and not any(p.split(":")[0] in FAILING_PROBLEMS for p in s["problems"])
        for s in sessions
    )
    print("session check:", "PASS" if ok else "FAIL", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
