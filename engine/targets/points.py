"""Targets made from points: a drawing on a canvas or an uploaded CSV.

:class:`PointCloudTarget` smooths the points with an isotropic Gaussian kernel (a kernel density
estimate, Parzen 1962), p(x) = 1/K sum_i N(x; c_i, h^2 I), which is both exactly computable and
exactly sampleable, so every metric on these pages stays exact. :func:`parse_points_csv` turns
uploaded bytes into an array or raises ValueError with one sentence a user can act on;
:func:`points_from_strokes` and :func:`check_drawn_points` do the same for freehand drawing.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pandas as pd
import torch

from engine.targets.base import LOG_2PI, Target

MAX_KERNEL_CENTRES = 5_000
MAX_ABS_COORDINATE = 1_000_000.0
_PAIRS_PER_CHUNK = 2_000_000
_MISSING_TOKENS = {"", "nan", "na", "n/a", "null", "none", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _as_points(points) -> np.ndarray:
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError("Points must be numbers in an array of shape (n, 2).") from error
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] not in (1, 2):
        raise ValueError(f"Points must have shape (n, 2), or (n, 1) for 1D data; got shape {arr.shape}.")
    if len(arr) == 0:
        raise ValueError("There are no points yet; draw or upload some first.")
    if not np.isfinite(arr).all():
        raise ValueError("Some points are missing or infinite; remove them first.")
    return arr


class PointCloudTarget(Target):
    """Points smoothed by a Gaussian kernel: p(x) = 1/K sum_{i=1..K} N(x; c_i, h^2 I).

    log p(x) = logsumexp_i(-|x - c_i|^2 / (2 h^2)) - log K - d/2 log(2 pi h^2), exact, computed
    in chunks of queries (20,000 queries x 5,000 centres take well under a second on a CPU).
    Sampling is exact too: pick a centre uniformly, add h * N(0, I).

    The centres c_i are the points; above ``max_centres`` (5,000) points a fixed random subset
    (``torch.randperm`` seeded with ``seed``) is used for both the density and sampling, so the
    two always describe the same distribution. The default width h is Scott's rule on the
    centres, h = K^(-1/(d+4)) * (mean per-axis standard deviation), floored at 1% of the data's
    range (and at 1e-3) so a handful of points still gives a visible density.

    Args:
        points: array (n, 2), or (n, 1) / (n,) for 1D.
        bandwidth: kernel width h; ``None`` for Scott's rule.
        label, key: names for the page.
        max_centres: most kernel centres kept.
        seed: seed of the subset choice.
    """

    def __init__(
        self,
        points,
        bandwidth: float | None = None,
        label: str = "Your points",
        *,
        key: str = "points",
        max_centres: int = MAX_KERNEL_CENTRES,
        seed: int = 0,
    ):
        arr = _as_points(points)
        n, d = arr.shape
        if int(max_centres) < 1:
            raise ValueError("max_centres must be at least 1.")
        self.n_points = n
        self.subsampled = n > max_centres
        if self.subsampled:
            gen = torch.Generator().manual_seed(int(seed))
            idx = torch.randperm(n, generator=gen)[: int(max_centres)].sort().values.numpy()
            arr = arr[idx]
        k = len(arr)
        range_max = float(np.ptp(arr, axis=0).max())
        if bandwidth is None:
            spread = float(arr.std(axis=0, ddof=1).mean()) if k > 1 else 0.0
            h = max(k ** (-1.0 / (d + 4)) * spread, 0.01 * range_max, 1e-3)
        else:
            try:
                h = float(bandwidth)
            except (TypeError, ValueError) as error:
                raise ValueError("The kernel width must be a positive number.") from error
            if not (math.isfinite(h) and h > 0):
                raise ValueError(f"The kernel width must be a positive number; got {bandwidth!r}.")
        self.bandwidth = h
        self.centres = torch.from_numpy(np.ascontiguousarray(arr))
        self._origin = self.centres.mean(0)
        self.key, self.label, self.dim = key, label, d
        self.has_exact_density = True
        note = f"Exact density: your {n:,} points smoothed by a Gaussian kernel of width {h:.3g}."
        if self.subsampled:
            note += (
                f" Above {int(max_centres):,} points a fixed random subset of "
                f"{k:,} serves as kernel centres, for both sampling and the density."
            )
        self.density_note = note
        self.extent = self._extent_from(arr, h)

    @staticmethod
    def _extent_from(arr: np.ndarray, h: float) -> tuple:
        """0.5th-99.5th percentile box, widened by max(4h, 10% of its size); square in 2D."""
        lo = np.percentile(arr, 0.5, axis=0)
        hi = np.percentile(arr, 99.5, axis=0)
        margin = np.maximum(4 * h, 0.1 * (hi - lo))
        lo, hi = lo - margin, hi + margin
        if arr.shape[1] == 1:
            return (float(lo[0]), float(hi[0]))
        centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2
        return tuple((float(c - half), float(c + half)) for c in centre)

    def _sample(self, n, generator):
        idx = torch.randint(0, len(self.centres), (n,), generator=generator)
        noise = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return self.centres[idx] + self.bandwidth * noise

    def _log_prob(self, x):
        # Kernel sums run in float32 (about 8x faster than float64 for the ~1e8 exponentials of
        # 20,000 queries x 5,000 centres; relative error ~1e-6) on coordinates centred on the
        # data's mean, so large offsets do not cost precision; the constant is added in x's dtype.
        origin = self._origin.to(x)
        c = (self.centres.to(x) - origin).to(torch.float32)
        q = (x - origin).to(torch.float32)
        k, h = len(c), self.bandwidth
        const = -math.log(k) - 0.5 * self.dim * (LOG_2PI + 2 * math.log(h))
        chunk = max(1, _PAIRS_PER_CHUNK // k)
        parts = []
        for start in range(0, len(q), chunk):
            dist = torch.cdist(q[start : start + chunk], c, compute_mode="donot_use_mm_for_euclid_dist")
            parts.append(torch.logsumexp(-0.5 * (dist / h) ** 2, dim=1))
        return torch.cat(parts).to(x.dtype) + const


def _format_mb(n_bytes: int) -> str:
    return f"{n_bytes / 1_000_000:.3g}"


def _unreadable() -> ValueError:
    return ValueError("This file is not a readable CSV text file.")


def _is_number_or_blank(field: str) -> bool:
    if field.strip().lower() in _MISSING_TOKENS:
        return True
    try:
        float(field)
    except ValueError:
        return False
    return True


def _clean_name(name: str) -> str:
    return str(name).strip().strip("\"'").strip().lower()


def _split_fields(line: str, sep: str) -> list[str]:
    parts = line.split() if sep == r"\s+" else line.split(sep)
    return [p.strip().strip("\"'").strip() for p in parts]


def points_csv(points) -> bytes:
    """Points of shape (n, 2) or (n, 1) as CSV text with columns x,y (or x): what
    :func:`parse_points_csv` reads back, and what the pages' sample downloads hold."""
    points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    buffer = io.StringIO()
    np.savetxt(buffer, points, delimiter=",", header="x,y" if points.shape[1] == 2 else "x", comments="", fmt="%.6f")
    return buffer.getvalue().encode()


def parse_points_csv(
    data: bytes, max_bytes: int = 20_000_000, max_rows: int = 100_000, min_rows: int = 10
) -> np.ndarray:
    """Parse an uploaded CSV of points into a float64 array of shape (n, 2), or (n, 1) for 1D.

    Accepted: a header naming columns ``x`` and ``y`` (any case, spaces allowed; other columns
    are ignored), a header with a single column ``x`` (1D data), or exactly two numeric columns
    without a header. Separators: comma, semicolon, tab or whitespace. Every failure raises a
    ValueError with one sentence for the user (rows are counted from 1, after the header);
    nothing else is raised for any bytes input. Oversized input is rejected before parsing.
    """
    try:
        return _parse_points_csv(data, max_bytes, max_rows, min_rows)
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - an upload must only ever produce a user-facing sentence
        raise ValueError(
            "This file could not be read as a CSV table; check that every row "
            "has the same columns, separated by commas."
        ) from None


def _parse_points_csv(data, max_bytes: int, max_rows: int, min_rows: int) -> np.ndarray:
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise ValueError("The upload could not be read; upload a CSV file.")
    if len(data) > max_bytes:
        size, limit = f"{_format_mb(len(data))} MB", f"{_format_mb(max_bytes)} MB"
        if size == limit:
            size, limit = f"{len(data):,} bytes", f"{max_bytes:,} bytes"
        raise ValueError(f"This file is {size}; the limit is {limit} — subsample it first.")
    if not data.strip():
        raise ValueError("The file is empty; upload a CSV with columns x and y.")
    if b"\x00" in data:
        raise _unreadable()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _unreadable() from None
    if _CONTROL_CHARS.search(text):
        raise _unreadable()
    stripped = text.lstrip()
    if not stripped:
        raise ValueError("The file is empty; upload a CSV with columns x and y.")
    first_line = stripped.splitlines()[0]
    sep = next((s for s in (",", ";", "\t") if s in first_line), r"\s+")
    fields = _split_fields(first_line, sep)
    has_header = any(not _is_number_or_blank(f) for f in fields)

    if has_header:
        names = [_clean_name(f) for f in fields]
        if "x" in names and "y" in names:
            wanted = ["x", "y"]
        elif names == ["x"]:
            wanted = ["x"]
        else:
            shown = ", ".join(" ".join(n.split())[:30] for n in names[:10])
            shown += ", ..." if len(names) > 10 else ""
            raise ValueError(f"The CSV needs columns named x and y (found: {shown}).")
    else:
        if len(fields) != 2:
            raise ValueError(
                "Without a header row the CSV needs exactly two numeric columns (x and y), but "
                f"this one has {len(fields)}; add a header line x,y (or x for 1D data)."
            )
        wanted = [0, 1]

    # Quick row count before parsing: line breaks bound the number of rows from above.
    rough_lines = max(text.count("\n"), text.count("\r")) + 1
    if rough_lines > max_rows + 1:
        n_rows = sum(1 for line in text.splitlines() if line.strip()) - int(has_header)
        if n_rows > max_rows:
            raise ValueError(f"This file has {n_rows:,} rows; the limit is {max_rows:,} — subsample it first.")

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=0 if has_header else None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            skipinitialspace=True,
        )
    except Exception as error:  # noqa: BLE001 - any parser failure becomes one user sentence
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if found:
            expected, line, saw = found.groups()
            raise ValueError(
                f"Line {line} has {saw} values but the first line has {expected}; "
                "every row needs the same number of columns."
            ) from None
        raise ValueError(
            "This file could not be read as a CSV table; check that every row "
            "has the same columns, separated by commas."
        ) from None
    if has_header:
        frame.columns = [_clean_name(c) for c in frame.columns]
        frame = frame.loc[:, ~frame.columns.duplicated()]
    if any(col not in frame.columns for col in wanted):  # e.g. a quote spanning lines
        raise ValueError("This file could not be read as a CSV table; check the header line and any quote marks.")
    frame = frame[wanted]

    n = len(frame)
    if n > max_rows:
        raise ValueError(f"This file has {n:,} rows; the limit is {max_rows:,} — subsample it first.")
    if n < min_rows:
        raise ValueError(f"Upload at least {min_rows} points; this file has {n}.")

    columns, first_text, first_missing = [], None, None
    for col in wanted:
        raw = frame[col].fillna("").astype(str).str.strip().str.strip("\"'")
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values) & ~raw.str.lower().isin(_MISSING_TOKENS).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            if first_text is None or row < first_text[0]:
                first_text = (row, "x" if col in ("x", 0) else "y", raw.iloc[row])
        nonfinite = ~np.isfinite(values) & ~bad
        if nonfinite.any():
            row = int(np.argmax(nonfinite))
            first_missing = row if first_missing is None else min(first_missing, row)
        columns.append(values)
    if first_text is not None and (first_missing is None or first_text[0] <= first_missing):
        row, name, value = first_text
        value = " ".join(value.split())
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise ValueError(
            f"Row {row + 1}, column {name} holds '{shown}', which is not a number; use plain numbers such as 1.5."
        )
    if first_missing is not None:
        raise ValueError(f"Row {first_missing + 1} has a missing or infinite value; remove it or fill it in.")
    points = np.stack(columns, axis=1)
    if np.abs(points).max() > MAX_ABS_COORDINATE:
        raise ValueError("Values must lie between -1,000,000 and 1,000,000; rescale the data first.")
    if (points == points[0]).all():
        raise ValueError("All points are identical; upload points that are spread out.")
    return points


def points_from_strokes(strokes, canvas_size: tuple[int, int], extent, spacing_px: float = 4.0) -> np.ndarray:
    """Freehand strokes on a canvas -> points in data coordinates, shape (n, 2), float64.

    Each stroke is a list of (px, py) pixel positions (origin top-left, y pointing down). It is
    resampled to points evenly spaced along its length, at most ``spacing_px`` pixels apart
    (both ends kept; a stroke with no length gives one point), clipped to the canvas, then
    mapped onto ``extent = ((xmin, xmax), (ymin, ymax))`` with y pointing up:
    x = xmin + px / width (xmax - xmin),  y = ymax - py / height (ymax - ymin).
    """
    try:
        width, height = (float(v) for v in canvas_size)
        (xmin, xmax), (ymin, ymax) = ((float(a), float(b)) for a, b in extent)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "The canvas size must be (width, height) and the extent ((xmin, xmax), (ymin, ymax))."
        ) from error
    if not (width > 0 and height > 0):
        raise ValueError("The canvas must have a positive width and height.")
    if not (xmax > xmin and ymax > ymin):
        raise ValueError("The extent must have xmin < xmax and ymin < ymax.")
    if not spacing_px > 0:
        raise ValueError("The point spacing must be a positive number of pixels.")
    out = []
    for stroke in strokes or []:
        try:
            p = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError) as error:
            raise ValueError("Each stroke must be a list of (x, y) pixel positions.") from error
        p = p[np.isfinite(p).all(axis=1)]
        if len(p) == 0:
            continue
        p = np.clip(p, 0.0, [width, height])
        step = np.hypot(*np.diff(p, axis=0).T) if len(p) > 1 else np.zeros(0)
        keep = np.concatenate([[True], step > 0])
        p, step = p[keep], step[step > 0]
        if len(p) == 1:
            out.append(p)
            continue
        arc = np.concatenate([[0.0], np.cumsum(step)])
        count = int(math.ceil(arc[-1] / spacing_px)) + 1
        s = np.linspace(0.0, arc[-1], count)
        out.append(np.stack([np.interp(s, arc, p[:, 0]), np.interp(s, arc, p[:, 1])], 1))
    if not out:
        return np.zeros((0, 2))
    px = np.concatenate(out)
    return np.stack([xmin + px[:, 0] / width * (xmax - xmin), ymax - px[:, 1] / height * (ymax - ymin)], 1)


def check_drawn_points(points, min_points: int = 20) -> np.ndarray:
    """Check a drawing has enough points to learn from; returns them as an (n, 2) array.

    Raises ValueError("Draw a little more: 12 points so far; at least 20 are needed.") when
    there are fewer than ``min_points``, and when all points sit at the same place.
    """
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        arr = arr.reshape(0, 2)
    n = len(arr)
    if n < min_points:
        noun = "point" if n == 1 else "points"
        raise ValueError(f"Draw a little more: {n} {noun} so far; at least {min_points} are needed.")
    if (arr == arr[0]).all():
        raise ValueError("Draw a little more: all the points are at the same place; draw a shape.")
    return arr
