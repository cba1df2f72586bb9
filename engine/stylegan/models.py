"""A small style-based generator (StyleGAN2-like) and its discriminator, for 32 x 32 RGB.

Karras et al., "A Style-Based Generator Architecture for GANs" (2019) and "Analyzing and
Improving the Image Quality of StyleGAN" (2020):

* mapping network f: z -> w (an MLP on the normalised z, learning rate x 0.01), and a running
  average w_avg of w for the truncation trick w' = w_avg + psi (w - w_avg);
* synthesis network g: a learned constant 4 x 4 input, then blocks at 8, 16 and 32 pixels, each
  an upsampling 3 x 3 convolution and a 3 x 3 convolution whose weights are *modulated* by a
  per-layer style s = A(w) and *demodulated* (w'_ijk = s_i w_ijk / sqrt(sum (s_i w_ijk)^2 + eps)),
  with per-pixel noise scaled by a learned strength after each convolution, and skip connections
  from a 1 x 1 toRGB at every resolution;
* every layer has its own w (``num_ws`` of them): style mixing feeds some layers the w of
  another z (``mix_styles``); the noise can be the fixed buffers ("const"), fresh ("random") or
  off ("none");
* equalised learning rate everywhere (weights drawn N(0, 1) and scaled by 1/sqrt(fan_in) at run
  time), so Adam's steps are alike across layers.

The discriminator is StyleGAN2's residual one, with minibatch standard deviation. The generator
is a ``PyTorchModelHubMixin``: ``save_pretrained`` writes config.json and model.safetensors.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

NOISE_MODES = ("const", "random", "none")
SQRT2 = math.sqrt(2.0)


class EqualLinear(nn.Module):
    """y = x W^T c + b with W ~ N(0, 1 / lr_multiplier^2) and c = lr_multiplier / sqrt(fan_in)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias_init: float = 0.0,
        lr_multiplier: float = 1.0,
        activation: bool = False,
    ):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)) / lr_multiplier)
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.activation else x


class MappingNetwork(nn.Module):
    """z (n, z_dim) -> w (n, w_dim): normalise z to unit RMS, then ``layers`` leaky-ReLU layers."""

    def __init__(self, z_dim: int, w_dim: int, layers: int, lr_multiplier: float = 0.01):
        super().__init__()
        sizes = [z_dim] + [w_dim] * layers
        self.net = nn.Sequential(
            *(EqualLinear(a, b, lr_multiplier=lr_multiplier, activation=True) for a, b in zip(sizes, sizes[1:]))
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8))


def modulated_conv2d(
    x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True
) -> torch.Tensor:
    """Convolve each sample of ``x`` (n, in, H, W) with ``weight`` (out, in, k, k) scaled by its
    ``styles`` (n, in) along the input channels and, if ``demodulate``, renormalised to unit norm
    per output channel (StyleGAN2, eq. 1-3). Computed as scale the input, one shared convolution,
    scale the output (the paper's non-fused form: the same numbers, and on a CPU much faster than
    a grouped convolution with per-sample weights)."""
    x = F.conv2d(x * styles[:, :, None, None], weight, padding=weight.shape[-1] // 2)
    if demodulate:
        # sigma_j = sqrt(sum_{i,k} (s_i w_ijk)^2) = sqrt(sum_i s_i^2 sum_k w_ijk^2)
        sigma = torch.rsqrt(styles.square() @ weight.square().sum(dim=(2, 3)).T + 1e-8)  # (n, out)
        x = x * sigma[:, :, None, None]
    return x


class SynthesisLayer(nn.Module):
    """[upsample x2] -> modulated 3 x 3 conv -> + noise * strength -> + bias -> leaky ReLU."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: bool):
        super().__init__()
        self.up, self.resolution = up, resolution
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        self.weight_gain = 1 / math.sqrt(in_channels * 9)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.register_buffer("noise_const", torch.randn(resolution, resolution))

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, noise_mode: str, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = modulated_conv2d(x, self.weight * self.weight_gain, self.affine(w))
        if noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        elif noise_mode == "random":
            noise = torch.randn(len(x), 1, self.resolution, self.resolution, generator=generator, device=x.device)
            x = x + noise * self.noise_strength
        return F.leaky_relu(x + self.bias[None, :, None, None], 0.2) * SQRT2


class ToRGB(nn.Module):
    """A modulated 1 x 1 convolution to RGB, not demodulated (StyleGAN2's tRGB)."""

    def __init__(self, in_channels: int, w_dim: int):
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(3, in_channels, 1, 1))
        self.weight_gain = 1 / math.sqrt(in_channels)
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (
            modulated_conv2d(x, self.weight, self.affine(w) * self.weight_gain, demodulate=False)
            + self.bias[None, :, None, None]
        )


class Generator(
    nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["stylegan", "style-mixing"]
):
    """Mapping + synthesis (see the module docstring). ``channels`` gives the width at 4, 8, 16
    and 32 pixels. Style layers (``num_ws`` = 7, one w each), in order: the 4 x 4 conv, then per
    block the upsampling conv and the conv; each toRGB takes the w of the last conv before it."""

    def __init__(
        self, z_dim: int = 64, w_dim: int = 64, mapping_layers: int = 4, channels: tuple[int, ...] = (128, 128, 64, 32)
    ):
        super().__init__()
        channels = list(channels)
        if len(channels) != 4 or any(not 4 <= c <= 512 for c in channels):
            raise ValueError(f"channels are four widths (4, 8, 16, 32 pixels) between 4 and 512; got {channels}.")
        if not (1 <= z_dim <= 512 and 1 <= w_dim <= 512 and 1 <= mapping_layers <= 8):
            raise ValueError("z_dim and w_dim must be between 1 and 512, mapping_layers between 1 and 8.")
        self.z_dim, self.w_dim = z_dim, w_dim
        self.mapping = MappingNetwork(z_dim, w_dim, mapping_layers)
        self.const = nn.Parameter(torch.randn(channels[0], 4, 4))
        self.layers = nn.ModuleList([SynthesisLayer(channels[0], channels[0], w_dim, 4, up=False)])
        self.to_rgb = nn.ModuleList([ToRGB(channels[0], w_dim)])
        self.layer_names = ["4×4"]
        for i, resolution in enumerate((8, 16, 32)):
            self.layers.append(SynthesisLayer(channels[i], channels[i + 1], w_dim, resolution, up=True))
            self.layers.append(SynthesisLayer(channels[i + 1], channels[i + 1], w_dim, resolution, up=False))
            self.to_rgb.append(ToRGB(channels[i + 1], w_dim))
            self.layer_names += [f"{resolution}×{resolution} up", f"{resolution}×{resolution}"]
        self.num_ws = len(self.layers)
        self.register_buffer("w_avg", torch.zeros(w_dim))

    # ----- z -> w -----
    def map(self, z: torch.Tensor, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        """ws (n, num_ws, w_dim): w = f(z) for every layer, truncated towards w_avg by ``psi`` in
        the first ``cutoff`` layers (all when None): w' = w_avg + psi (w - w_avg)."""
        w = self.mapping(z)[:, None, :].repeat(1, self.num_ws, 1)
        return self.truncate(w, psi, cutoff)

    def truncate(self, ws: torch.Tensor, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        if psi == 1.0:
            return ws
        ws = ws.clone()
        layers = slice(0, self.num_ws if cutoff is None else cutoff)
        ws[:, layers] = self.w_avg + psi * (ws[:, layers] - self.w_avg)
        return ws

    @staticmethod
    def mix_styles(ws_a: torch.Tensor, ws_b: torch.Tensor, layers) -> torch.Tensor:
        """A's ws with B's copied in at ``layers`` (indices): the style-mixing operation."""
        mixed = ws_a.clone()
        layers = list(layers)
        if layers:
            mixed[:, layers] = ws_b[:, layers]
        return mixed

    # ----- w -> image -----
    def synthesize(
        self, ws: torch.Tensor, noise_mode: str = "const", noise_layers=None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Images (n, 3, 32, 32) in about [-1, 1] from ws (n, num_ws, w_dim). ``noise_layers``:
        the layer indices that get noise (all when None); ``generator`` seeds "random" noise."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {', '.join(NOISE_MODES)}; got {noise_mode!r}.")
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must have shape (n, {self.num_ws}, {self.w_dim}); got {tuple(ws.shape)}.")
        with_noise = set(range(self.num_ws) if noise_layers is None else noise_layers)
        x = self.const[None].expand(len(ws), -1, -1, -1)
        image = None
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], noise_mode if i in with_noise else "none", generator)
            if i % 2 == 0:  # the 4 x 4 conv and each block's second conv end a resolution
                rgb = self.to_rgb[i // 2](x, ws[:, i])
                image = (
                    rgb
                    if image is None
                    else F.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False) + rgb
                )
        return image

    def forward(
        self, z: torch.Tensor, psi: float = 1.0, cutoff: int | None = None, noise_mode: str = "const"
    ) -> torch.Tensor:
        return self.synthesize(self.map(z, psi, cutoff), noise_mode)


def z_from_seed(seed: int, z_dim: int) -> torch.Tensor:
    """The z of a seed (1, z_dim), as stylegan2-ada's scripts make it (numpy's RandomState)."""
    return torch.from_numpy(np.random.RandomState(seed).randn(1, z_dim)).float()


def z_from_seeds(seeds, z_dim: int) -> torch.Tensor:
    """One z per seed, (len(seeds), z_dim)."""
    return torch.cat([z_from_seed(seed, z_dim) for seed in seeds])


# ----- discriminator -----
class EqualConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel: int, activation: bool = True, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel * kernel)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.weight.shape[-1] // 2)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.activation else x


class DiscriminatorBlock(nn.Module):
    """Two 3 x 3 convs and a 2x average-pool down, with a residual 1 x 1 skip (StyleGAN2's resnet D)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, activation=False, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(F.avg_pool2d(x, 2))
        x = F.avg_pool2d(self.conv1(self.conv0(x)), 2)
        return (x + skip) / SQRT2


class Discriminator(nn.Module):
    """32 x 32 RGB -> one logit: fromRGB, blocks down to 4 x 4, minibatch std, conv, two dense layers."""

    def __init__(self, channels: tuple[int, ...] = (32, 64, 128, 128), mbstd_group: int = 4):
        super().__init__()
        self.mbstd_group = mbstd_group
        self.from_rgb = EqualConv2d(3, channels[0], 1)
        self.blocks = nn.Sequential(
            *(DiscriminatorBlock(a, b) for a, b in zip(channels, channels[1:]))
        )  # 32 -> 16 -> 8 -> 4
        self.conv = EqualConv2d(channels[-1] + 1, channels[-1], 3)
        self.fc = EqualLinear(channels[-1] * 16, channels[-1], activation=True)
        self.out = EqualLinear(channels[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.from_rgb(x))
        n, c, h, w = x.shape
        group = min(self.mbstd_group, n) if n % min(self.mbstd_group, n) == 0 else 1
        spread = x.reshape(group, -1, c, h, w).std(dim=0, unbiased=False).mean(dim=(1, 2, 3))  # (n / group,)
        x = torch.cat([x, spread.repeat(group)[:, None, None, None].expand(n, 1, h, w)], dim=1)
        return self.out(self.fc(self.conv(x).flatten(1))).squeeze(1)
