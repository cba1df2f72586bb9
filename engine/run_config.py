"""What every page's run config shares: range checks with messages a user can act on, the URL
round trip (only fields that differ from the defaults), and which changes need a new model."""

from __future__ import annotations

import dataclasses
from typing import Any

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def check_ranges(config, checks: list[tuple[str, float, float]]) -> None:
    """Raise ValueError naming the first field of ``config`` outside its [low, high] range."""
    for name, low, high in checks:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not low <= value <= high:
            raise ValueError(f"{name.replace('_', ' ').capitalize()} must be between {low:g} and {high:g}; got {value}.")


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
