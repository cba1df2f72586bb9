"""A hand-drawn digit from a drawing canvas, turned into an MNIST-style 28 x 28 image.

MNIST's own preprocessing (LeCun, Cortes & Burges, "The MNIST database of handwritten digits",
http://yann.lecun.com/exdb/mnist/): "The original black and white (bilevel) images from NIST
were size normalized to fit in a 20x20 pixel box while preserving their aspect ratio. The
resulting images contain grey levels as a result of the anti-aliasing technique used by the
normalization algorithm. The images were centered in a 28x28 image by computing the center of
mass of the pixels, and translating the image so as to position this center of mass at the
center of the 28x28 field."

:func:`canvas_to_digit` does the same to a canvas drawing, so that a drawn digit looks to a
model like the digits it was trained on: find the ink, crop to its bounding box, scale the
longer side to 20 px (area-averaged, which anti-aliases), and paste it into 28 x 28 with its
centre of mass at the centre of the field. numpy and PIL only; no streamlit, no torch.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

DIGIT_SIZE = 28
BOX_SIZE = 20
INK_THRESHOLD = 0.1  # ink above this (of full white) counts when finding the bounding box
MIN_EXTENT_PIXELS = 3  # a drawing whose ink spans fewer canvas pixels than this is a dot
MIN_EXTENT_FRACTION = 0.1  # ... or fewer than this fraction of the canvas's shorter side
MAX_INK_FRACTION = 0.5  # ink on more than this fraction of the canvas is not one digit
# Where MNIST puts a digit's centre of mass, in (row, column) pixel indices: measured on the
# training digits, it is at (14.0, 14.0) +- 0.3 (whole-pixel shifts), not at the geometric 13.5.
FIELD_CENTRE = 14.0


def canvas_ink(image: np.ndarray) -> np.ndarray:
    """The ink of a canvas image as float32 in [0, 1]: light strokes on a dark or clear background.

    ``image`` is uint8, (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA (what a drawing canvas
    returns). Ink is the luminance composited onto black, ``Y * alpha``: white strokes on a black
    background, and strokes of any light colour on a transparent background, are ink.
    Raises ``ValueError`` for anything else.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"The drawing could not be read: expected 8-bit image data (uint8), got {image.dtype}.")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))):
        raise ValueError(
            f"The drawing could not be read: expected an image of shape (height, width, 4), got {image.shape}."
        )
    if min(image.shape[:2]) < DIGIT_SIZE:
        raise ValueError(
            f"The drawing could not be read: the canvas is {image.shape[1]} x {image.shape[0]} pixels, "
            f"it must be at least {DIGIT_SIZE} x {DIGIT_SIZE}."
        )
    pixels = image.astype(np.float32) / 255.0
    if pixels.ndim == 2:
        return pixels
    luminance = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    if pixels.shape[2] == 4:
        luminance = luminance * pixels[..., 3]
    return np.clip(luminance, 0.0, 1.0)


def canvas_to_digit(rgba: np.ndarray | None) -> np.ndarray | None:
    """A canvas drawing as a 28 x 28 float32 MNIST-style digit in [0, 1], or None if it is empty.

    ``rgba`` is the canvas's image data, (h, w, 4) uint8, white strokes on a black (or
    transparent) background; grey (h, w) and RGB (h, w, 3) uint8 are read too. ``None`` (no
    image yet) and a drawing with no ink give ``None``.

    Steps, after MNIST (see the module docstring): the ink's bounding box (pixels above
    :data:`INK_THRESHOLD`) is cropped, its longer side scaled to 20 px keeping the aspect ratio
    with an area-averaging (box) filter, and the result placed in a 28 x 28 field, shifted by
    whole pixels so that its intensity-weighted centre of mass is at the field's centre
    (:data:`FIELD_CENTRE`, where MNIST's digits have theirs), as far as the whole digit stays
    inside the field.

    Raises ``ValueError``, with a sentence a user can act on, for data that is not an image, a
    drawing that is only a dot (its ink spans less than :data:`MIN_EXTENT_FRACTION` of the
    canvas), and ink over more than half of the canvas.
    """
    if rgba is None:
        return None
    ink = canvas_ink(rgba)
    inked = ink > INK_THRESHOLD
    if not inked.any():
        return None
    if inked.mean() > MAX_INK_FRACTION:
        raise ValueError(
            "The drawing covers most of the canvas, so it cannot be read as a digit: "
            "clear it and draw a single digit in white on the black background."
        )
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    extent = max(bottom - top, right - left)
    if extent < max(MIN_EXTENT_PIXELS, MIN_EXTENT_FRACTION * min(ink.shape)):
        raise ValueError(
            "The drawing is too small to read as a digit (it is only a dot): "
            "draw the digit larger, filling most of the canvas."
        )
    crop = ink[top:bottom, left:right]
    scale = BOX_SIZE / extent
    height = max(1, round(crop.shape[0] * scale))
    width = max(1, round(crop.shape[1] * scale))
    small = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32)).resize((width, height), Image.Resampling.BOX)
    small = np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)

    centre_y, centre_x = centre_of_mass(small)
    offset_y = int(np.clip(round(FIELD_CENTRE - centre_y), 0, DIGIT_SIZE - height))
    offset_x = int(np.clip(round(FIELD_CENTRE - centre_x), 0, DIGIT_SIZE - width))
    digit = np.zeros((DIGIT_SIZE, DIGIT_SIZE), dtype=np.float32)
    digit[offset_y : offset_y + height, offset_x : offset_x + width] = small
    return digit


def canvas_to_field(rgba: np.ndarray | None) -> np.ndarray | None:
    """A drawing as it lies on the canvas, area-averaged down to a 28 x 28 float32 field in [0, 1]
    (no crop, no centring: strokes drawn over a digit shown at the canvas's full size stay where
    they were drawn), or None if there is no image or no ink."""
    if rgba is None:
        return None
    ink = canvas_ink(rgba)
    if not (ink > INK_THRESHOLD).any():
        return None
    field = Image.fromarray(np.ascontiguousarray(ink, dtype=np.float32)).resize(
        (DIGIT_SIZE, DIGIT_SIZE), Image.Resampling.BOX
    )
    return np.clip(np.asarray(field, dtype=np.float32), 0.0, 1.0)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """The intensity-weighted centre (row, column) of a 2-D image, in pixel indices."""
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total <= 0:
        raise ValueError("The image has no ink, so it has no centre of mass.")
    ys, xs = np.indices(image.shape)
    return float((ys * image).sum() / total), float((xs * image).sum() / total)
