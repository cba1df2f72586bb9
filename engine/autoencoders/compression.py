"""Compression by an autoencoder (seeds: "Applications of AE: Compression"): keep the latent vector
instead of the image, each of its r numbers quantised to b bits, so an image costs r b / 8 bytes
(the decoder, the quantiser's ranges and JPEG's tables are shared by all images and not counted).
Against JPEG (Pillow) and PCA quantised the same way; a VQ-VAE's code costs exactly
49 log2 K bits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class UniformQuantiser:
    """b bits per dimension, uniform over [low, high] per dimension (the training latents' range):
    q(z) = round((z - low) / step), clipped to [0, 2^b - 1], and back z_hat = low + q step, with
    step = (high - low) / (2^b - 1)."""

    low: np.ndarray
    high: np.ndarray
    bits: int

    def __post_init__(self):
        if not 1 <= self.bits <= 16:
            raise ValueError(f"bits per dimension must be between 1 and 16; got {self.bits}.")

    @classmethod
    def fit(cls, latents: np.ndarray, bits: int) -> UniformQuantiser:
        latents = np.asarray(latents, dtype=np.float64)
        return cls(latents.min(axis=0), latents.max(axis=0), bits)

    @property
    def step(self) -> np.ndarray:
        return np.maximum(self.high - self.low, 1e-12) / (2**self.bits - 1)

    def quantise(self, latents: np.ndarray) -> np.ndarray:
        """The integer codes, shape of ``latents``."""
        codes = np.round((np.asarray(latents, dtype=np.float64) - self.low) / self.step)
        return np.clip(codes, 0, 2**self.bits - 1).astype(np.int64)

    def dequantise(self, codes: np.ndarray) -> np.ndarray:
        return (self.low + codes * self.step).astype(np.float32)

    def round_trip(self, latents: np.ndarray) -> np.ndarray:
        return self.dequantise(self.quantise(latents))

    def bytes_per_image(self, latent_dim: int) -> float:
        return latent_dim * self.bits / 8


def jpeg_round_trip(images: np.ndarray, quality: int) -> tuple[np.ndarray, float]:
    """Each digit through a greyscale JPEG at ``quality`` (1-95, Pillow, optimised Huffman tables):
    the decoded images and the mean bytes per image of the entropy-coded scan (its headers and
    tables, ~300 bytes that all images could share, left out, as the AE's decoder is)."""
    if not 1 <= quality <= 95:
        raise ValueError(f"JPEG quality must be between 1 and 95; got {quality}.")
    decoded, sizes = [], []
    for image in np.asarray(images, dtype=np.float32).reshape(-1, 28, 28):
        buffer = io.BytesIO()
        Image.fromarray(np.round(image * 255).astype(np.uint8), mode="L").save(
            buffer, "JPEG", quality=quality, optimize=True
        )
        data = buffer.getvalue()
        sizes.append(scan_bytes(data))
        decoded.append(np.asarray(Image.open(io.BytesIO(data)), dtype=np.float32) / 255.0)
    return np.stack(decoded), float(np.mean(sizes))


def scan_bytes(jpeg: bytes) -> int:
    """The bytes of a baseline JPEG's entropy-coded data: after the start-of-scan segment, up to
    the end-of-image marker."""
    start = jpeg.index(b"\xff\xda")
    header_length = int.from_bytes(jpeg[start + 2 : start + 4], "big")
    end = jpeg.rindex(b"\xff\xd9")
    return end - (start + 2 + header_length)


def code_usage(codes: np.ndarray, codebook_size: int) -> tuple[int, float]:
    """(how many of the K codes occur, the perplexity exp(H) of their frequencies): K when all are
    used equally often, 1 when one code is used everywhere."""
    counts = np.bincount(np.asarray(codes).ravel(), minlength=codebook_size)
    frequencies = counts[counts > 0] / counts.sum()
    return int((counts > 0).sum()), float(np.exp(-(frequencies * np.log(frequencies)).sum()))
