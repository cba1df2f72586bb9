"""Polling helper for tests of background work."""

import time


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
