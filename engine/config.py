"""The one config idiom: frozen dataclasses checked in ``__post_init__`` with the checks below
(each raises ValueError with a sentence a user can act on), the URL round trip of a page's run
config (only fields that differ from the defaults), which changes need a new model, and
:func:`seeded`, the one way to build a model whose initial weights depend only on a seed."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import torch

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_SEEDED_LOCK = threading.RLock()  # torch's global RNG is shared by every thread of a process


def check_range(label: str, value: Any, low: float, high: float, *, whole: bool = False) -> None:
    """ValueError unless ``value`` is a number in [low, high] (a whole number when ``whole``)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    kind = "a whole number " if whole and is_number and not float(value).is_integer() else ""
    if not is_number or kind or not low <= value <= high:
        raise ValueError(f"{label} must be {kind}between {low:g} and {high:g}; got {value!r}.")


def check_ranges(config, checks: list[tuple[str, float, float]]) -> None:
    """:func:`check_range` for each (field, low, high) of ``config``, in order; fields whose
    default is an int must hold whole numbers. The message names the field in words."""
    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    for name, low, high in checks:
        whole = isinstance(defaults.get(name), int) and not isinstance(defaults.get(name), bool)
        check_range(name.replace("_", " ").capitalize(), getattr(config, name), low, high, whole=whole)


def check_choice(label: str, value: Any, options: Iterable) -> None:
    """ValueError unless ``value`` is one of ``options``."""
    options = list(options)
    if value not in options:
        raise ValueError(f"Unknown {label} {value!r}; choose one of: {', '.join(map(str, options))}.")


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's global RNG seeded by ``seed`` and restore it afterwards, one block
    at a time in this process: module constructors draw their initial weights from the global RNG,
    so this makes a model's initial weights depend on ``seed`` alone, whatever other threads do."""
    with _SEEDED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class RunConfig:
    """Mixin for frozen dataclasses: ``LIVE_FIELDS`` apply to a running model, any other
    change rebuilds it."""

    LIVE_FIELDS: tuple[str, ...] = ()

    def rebuild_needed(self, other) -> bool:
        """Whether moving from ``other`` to this config needs a new model."""
        if type(other) is not type(self):
            return True
        frozen = [f.name for f in dataclasses.fields(self) if f.name not in self.LIVE_FIELDS]
        return any(getattr(self, name) != getattr(other, name) for name in frozen)

    def widget_values(self) -> dict[str, Any]:
        """Widget keys (after the page's prefix) and the values a link puts in them."""
        return dataclasses.asdict(self)

    def live_settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.LIVE_FIELDS}

    @classmethod
    def url_keys(cls) -> set[str]:
        """The URL keys this config reads and writes (after a page section's prefix): its fields."""
        return {f.name for f in dataclasses.fields(cls)}

    def to_query(self) -> dict[str, str]:
        """The fields that differ from the defaults, as URL query parameters."""
        default = type(self)()
        return {
            f.name: str(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def query_values(cls, params: dict[str, str]) -> dict[str, Any]:
        """The typed field values a URL carries (unknown keys ignored); ValueError on a bad value."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in params:
                continue
            raw = str(params[f.name])
            kind = type(f.default)
            try:
                if kind is bool:
                    if raw.lower() not in _TRUE + _FALSE:
                        raise ValueError
                    values[f.name] = raw.lower() in _TRUE
                else:
                    values[f.name] = kind(float(raw)) if kind is int and "e" in raw.lower() else kind(raw)
            except (ValueError, OverflowError):
                raise ValueError(f"The link's {f.name}={raw!r} is not a valid {kind.__name__}.") from None
        return values

    @classmethod
    def from_query(cls, params: dict[str, str]):
        """Parse query parameters; raises ValueError on a bad value."""
        return cls(**cls.query_values(params))
