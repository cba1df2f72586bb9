"""A canvas drawing becomes an MNIST-style digit: 20 px box, centre of mass at the centre."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from engine.digit_drawing import BOX_SIZE, DIGIT_SIZE, FIELD_CENTRE, canvas_to_digit, centre_of_mass
from engine.mnist import load_mnist

CANVAS = 280


def blank_canvas() -> Image.Image:
    """An opaque black canvas, as st_canvas(background_color="#000000") returns it."""
    return Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 255))


def as_canvas(digit: np.ndarray, resample: Image.Resampling) -> np.ndarray:
    """An MNIST digit blown up to the canvas's size, as opaque RGBA."""
    grey = Image.fromarray((digit * 255).round().astype(np.uint8)).resize((CANVAS, CANVAS), resample)
    return np.asarray(grey.convert("RGBA"))


def ink_extent(digit: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((digit > 0).any(axis=1))
    cols = np.flatnonzero((digit > 0).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize("box", [(80, 40, 200, 240), (20, 20, 120, 90), (150, 60, 270, 270)])
def test_stroke_is_scaled_to_20_pixels_and_centred_by_mass(box):
    image = blank_canvas()
    ImageDraw.Draw(image).ellipse(box, outline=(255, 255, 255, 255), width=18)
    digit = canvas_to_digit(np.asarray(image))
    assert digit.shape == (DIGIT_SIZE, DIGIT_SIZE) and digit.dtype == np.float32
    assert digit.min() >= 0.0 and digit.max() <= 1.0 and digit.max() > 0.9
    height, width = ink_extent(digit)
    assert max(height, width) in (BOX_SIZE, BOX_SIZE + 1)
    aspect = (box[3] - box[1]) / (box[2] - box[0])
    assert height / width == pytest.approx(aspect, rel=0.15)
    row, col = centre_of_mass(digit)
    assert abs(row - FIELD_CENTRE) <= 0.5 + 1e-6 and abs(col - FIELD_CENTRE) <= 0.5 + 1e-6


def test_a_vertical_stroke_keeps_its_aspect_ratio():
    image = blank_canvas()
    ImageDraw.Draw(image).line([(140, 30), (150, 250)], fill=(255, 255, 255, 255), width=18)
    digit = canvas_to_digit(np.asarray(image))
    height, width = ink_extent(digit)
    assert height == BOX_SIZE and width <= 4
    row, col = centre_of_mass(digit)
    assert abs(row - FIELD_CENTRE) <= 1 and abs(col - FIELD_CENTRE) <= 1


def test_transparent_background_uses_alpha_as_ink():
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((80, 40, 200, 240), outline=(255, 255, 255, 255), width=18)
    opaque = blank_canvas()
    ImageDraw.Draw(opaque).ellipse((80, 40, 200, 240), outline=(255, 255, 255, 255), width=18)
    np.testing.assert_allclose(canvas_to_digit(np.asarray(image)), canvas_to_digit(np.asarray(opaque)))


def test_a_real_mnist_digit_round_trips():
    split = load_mnist()
    for original in split.test_images[:5]:
        digit = canvas_to_digit(as_canvas(original, Image.Resampling.NEAREST))
        assert np.corrcoef(digit.ravel(), original.ravel())[0, 1] > 0.95
    original = split.test_images[0]
    digit = canvas_to_digit(as_canvas(original, Image.Resampling.BILINEAR))
    assert np.corrcoef(digit.ravel(), original.ravel())[0, 1] > 0.8


def test_empty_drawing_and_no_image_give_none():
    assert canvas_to_digit(np.asarray(blank_canvas())) is None
    assert canvas_to_digit(np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)) is None
    assert canvas_to_digit(None) is None


def test_a_dot_is_too_small_to_read():
    image = blank_canvas()
    ImageDraw.Draw(image).ellipse((130, 130, 148, 148), fill=(255, 255, 255, 255))
    with pytest.raises(ValueError, match="too small"):
        canvas_to_digit(np.asarray(image))
    single_pixel = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    single_pixel[5, 5] = 255
    with pytest.raises(ValueError, match="too small"):
        canvas_to_digit(single_pixel)


def test_ink_over_most_of_the_canvas_is_refused():
    image = blank_canvas()
    ImageDraw.Draw(image).rectangle((0, 0, 250, 250), fill=(255, 255, 255, 255))
    with pytest.raises(ValueError, match="covers most of the canvas"):
        canvas_to_digit(np.asarray(image))


@pytest.mark.parametrize(
    "data",
    [
        np.zeros((CANVAS, CANVAS, 2), dtype=np.uint8),
        np.zeros((CANVAS,), dtype=np.uint8),
        np.zeros((CANVAS, CANVAS, 4), dtype=np.float32),
        np.zeros((10, 10, 4), dtype=np.uint8),
    ],
)
def test_unreadable_data_raises_a_clear_error(data):
    with pytest.raises(ValueError, match="could not be read"):
        canvas_to_digit(data)


def test_a_scribble_stays_where_it_was_drawn():
    from engine.digit_drawing import canvas_to_field

    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[0:10, 270:280] = 255  # a white, opaque 10 x 10 patch in the top-right corner
    field = canvas_to_field(canvas)
    assert field.shape == (28, 28) and field[0, 27] == pytest.approx(1.0) and field[1:, :27].sum() == 0
    assert canvas_to_field(np.zeros((280, 280, 4), dtype=np.uint8)) is None and canvas_to_field(None) is None
