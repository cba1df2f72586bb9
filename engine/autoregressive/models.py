"""Autoregressive models of binary images (lecture notes: "Autoregressive models"): the chain rule

    p(x) = prod_{i=1}^{D} p(x_{o(i)} | x_{o(1)}, ..., x_{o(i-1)}),  p(x_{o(i)} = 1 | ...) = sigmoid(logit_i),

in an order o over the D = side^2 pixels (raster order unless said), so log p(x) is exact:
sum_i [x_i log sigmoid(logit_i) + (1 - x_i) log sigmoid(-logit_i)] (nats).

* :class:`FVSBN`: fully visible sigmoid belief network (Frey et al., 1996): a logistic regression
  per pixel on all earlier pixels, logit_i = alpha_i + sum_{j<i} W_ij x_j.
* :class:`NADE`: neural autoregressive density estimator (Larochelle & Murray, AISTATS 2011):
  h_i = sigmoid(c + W_{:,<i} x_{<i}) with W shared across i, logit_i = b_i + V_i . h_i; the
  pre-activations are a running sum, so all D conditionals cost O(D d).
* :class:`MADE`: masked autoencoder for distribution estimation (Germain et al., ICML 2015): an MLP
  whose weight masks, built from each unit's degree, let output i see only inputs earlier in the
  order; with several orderings it is trained order-agnostically (one ordering per minibatch).
* :class:`PixelCNN`: van den Oord et al., ICML 2016: a 7x7 convolution masked to type A (the
  centre pixel and everything after it in raster order hidden), then 3x3 type B ones (the centre
  allowed). Stacked masked convolutions leave a *blind spot*: pixels up and to the right of the
  current one, beyond the growing cone, are never seen (the gated PixelCNN removes it).
* :class:`PixelTransformer`: a small causal transformer over the pixel sequence (decoder-only, as
  the generative transformers of the notes): the input at position i is pixel i - 1 (a start
  token at 0), and masked self-attention lets position i attend to positions <= i only.

Every model has ``logits(x)`` (n, D) in raster positions, ``log_prob(x)`` (n,) and
``sample(n, generator)``; the constructor's arguments are its config (PyTorchModelHubMixin).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn


def bits_per_dim(nats: float, pixels: int = 784) -> float:
    """-log p(x) in nats per image as bits per pixel: nats / (D ln 2)."""
    return nats / pixels / math.log(2)


class AutoregressiveModel(nn.Module):
    """What every model shares: log p(x) from the logits, and sampling pixel by pixel in ``order``."""

    side: int

    @property
    def pixels(self) -> int:
        return self.side * self.side

    def order(self, ordering: int = 0) -> torch.Tensor:
        """The pixels' order: raster (0, 1, ..., D - 1) unless the model says otherwise."""
        return torch.arange(self.pixels)

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        """logit of p(x_i = 1 | the pixels before i in the order), (n, D), at raster positions."""
        raise NotImplementedError

    def log_prob(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        """Exact log p(x) in nats, (n,), for binary images (n, side, side) or (n, D)."""
        x = x.reshape(len(x), -1).float()
        return -F.binary_cross_entropy_with_logits(self.logits(x, ordering), x, reduction="none").sum(dim=1)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        ordering: int = 0,
        given: torch.Tensor | None = None,
        known: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """n images (n, side, side) drawn pixel by pixel in the order; pixels where ``known`` (D,)
        is True keep their value from ``given`` (n, D) (completion)."""
        x = torch.zeros(n, self.pixels) if given is None else given.reshape(n, -1).float().clone()
        for _ in self.sample_steps(x, generator, ordering, known):
            pass  # the steps fill x
        return x.reshape(n, self.side, self.side)

    @torch.no_grad()
    def sample_steps(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        ordering: int = 0,
        known: torch.Tensor | None = None,
    ):
        """Fill ``x`` (n, D) in place pixel by pixel in the model's order; after each drawn pixel
        yield (step, pixel, p(x_pixel = 1 | the pixels before it) (n,)), for views that show the
        sampling as it goes. One full forward pass per pixel (the transformer caches instead)."""
        for step, pixel in enumerate(self.order(ordering).tolist()):
            if known is not None and bool(known[pixel]):
                continue
            probability = torch.sigmoid(self.logits(x, ordering)[:, pixel])
            x[:, pixel] = torch.bernoulli(probability, generator=generator)
            yield step, pixel, probability


# ----- FVSBN -----


class FVSBN(
    AutoregressiveModel, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoregressive", "mnist"]
):
    """logit_i = alpha_i + sum_{j<i} W_ij x_j: a strictly lower-triangular linear map."""

    def __init__(self, side: int = 28):
        super().__init__()
        self.side = side
        self.weight = nn.Parameter(torch.zeros(self.pixels, self.pixels))
        self.bias = nn.Parameter(torch.zeros(self.pixels))
        self.register_buffer("mask", torch.ones(self.pixels, self.pixels).tril(-1), persistent=False)

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        return F.linear(x.reshape(len(x), -1).float(), self.weight * self.mask, self.bias)


# ----- NADE -----


class NADE(
    AutoregressiveModel, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoregressive", "mnist"]
):
    """Shared W (hidden x D): a_i = c + sum_{j<i} W_{:,j} x_j, h_i = sigmoid(a_i), logit_i = b_i + V_i . h_i."""

    def __init__(self, side: int = 28, hidden: int = 256):
        super().__init__()
        self.side, self.hidden = side, hidden
        self.W = nn.Parameter(torch.randn(hidden, self.pixels) * 0.01)
        self.c = nn.Parameter(torch.zeros(hidden))
        self.V = nn.Parameter(torch.randn(self.pixels, hidden) * 0.01)
        self.b = nn.Parameter(torch.zeros(self.pixels))

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        x = x.reshape(len(x), -1).float()
        contributions = x[:, None, :] * self.W[None]  # (n, hidden, D): W_{:,j} x_j
        before = torch.cumsum(contributions, dim=2) - contributions  # sum over j < i
        h = torch.sigmoid(self.c[None, :, None] + before)  # (n, hidden, D)
        return self.b + torch.einsum("nhd,dh->nd", h, self.V)

    @torch.no_grad()
    def sample_steps(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        ordering: int = 0,
        known: torch.Tensor | None = None,
    ):
        """The O(D d) sampler of the paper: the pre-activation a = c + sum_{j<i} W_{:,j} x_j is
        carried along and updated by one column per drawn pixel."""
        a = self.c.expand(len(x), -1).clone()
        for pixel in range(self.pixels):
            probability = torch.sigmoid(self.b[pixel] + torch.sigmoid(a) @ self.V[pixel])
            if known is None or not bool(known[pixel]):
                x[:, pixel] = torch.bernoulli(probability, generator=generator)
                yield pixel, pixel, probability
            a += x[:, pixel : pixel + 1] * self.W[:, pixel]


# ----- MADE -----


class MADE(
    AutoregressiveModel, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoregressive", "mnist"]
):
    """An MLP (ReLU) with masks from degrees: input d has degree o^-1(d) + 1 (its place in the order),
    each hidden unit a degree m in [1, D - 1], a unit sees only units of degree <= its own, and
    output d only hidden degrees < its place. ``orderings`` > 1: ordering 0 is the raster order,
    the others random (fixed by ``seed``), each with its own hidden degrees (Germain et al., 2015)."""

    def __init__(self, side: int = 28, hidden: tuple[int, ...] = (500,), orderings: int = 1, seed: int = 0):
        super().__init__()
        self.side, self.hidden, self.orderings, self.seed = side, tuple(hidden), orderings, seed
        sizes = [self.pixels, *self.hidden, self.pixels]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        generator = torch.Generator().manual_seed(seed)
        orders, masks = [], []
        for k in range(orderings):
            order = torch.arange(self.pixels) if k == 0 else torch.randperm(self.pixels, generator=generator)
            orders.append(order)
            masks.append(self._masks(order, generator))
        # Orders and masks follow from the seed: rebuilt, not saved (8 orderings' masks would be 25 MB).
        self.register_buffer("orders", torch.stack(orders), persistent=False)
        for layer_index in range(len(self.layers)):
            self.register_buffer(f"masks_{layer_index}", torch.stack([m[layer_index] for m in masks]), persistent=False)

    def _masks(self, order: torch.Tensor, generator: torch.Generator) -> list[torch.Tensor]:
        place = torch.empty(self.pixels, dtype=torch.long)
        place[order] = torch.arange(1, self.pixels + 1)  # input d's degree: its place in the order
        degrees = [place]
        for width in self.hidden:
            low = int(degrees[-1].min()) if len(degrees) > 1 else 1
            degrees.append(torch.randint(low, self.pixels, (width,), generator=generator))
        masks = [(degrees[k + 1][:, None] >= degrees[k][None, :]).float() for k in range(len(self.hidden))]
        masks.append((place[:, None] > degrees[-1][None, :]).float())
        return masks

    def masks(self, ordering: int = 0) -> list[torch.Tensor]:
        """Each layer's mask for ``ordering``, input to output, (units out, units in)."""
        if not 0 <= ordering < self.orderings:
            raise ValueError(f"This MADE has {self.orderings} ordering(s); got ordering {ordering}.")
        return [getattr(self, f"masks_{layer_index}")[ordering] for layer_index in range(len(self.layers))]

    def order(self, ordering: int = 0) -> torch.Tensor:
        return self.orders[ordering]

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        h = x.reshape(len(x), -1).float()
        for index, (layer, mask) in enumerate(zip(self.layers, self.masks(ordering))):
            h = F.linear(h, layer.weight * mask, layer.bias)
            h = torch.relu(h) if index < len(self.layers) - 1 else h
        return h

    def mixture_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log (1/K) sum_k p(x; ordering k): the ensemble of the K orderings (Germain et al., 2015,
        section 5.2), itself an exact density (a mixture of K autoregressive models), (n,)."""
        each = torch.stack([self.log_prob(x, ordering) for ordering in range(self.orderings)])
        return torch.logsumexp(each, dim=0) - math.log(self.orderings)

    def connectivity(self, ordering: int = 0) -> torch.Tensor:
        """(D, D): 1 where output i can depend on input j (the product of the masks, > 0)."""
        masks = self.masks(ordering)
        path = masks[0]
        for mask in masks[1:]:
            path = mask @ path
        return (path > 0).float()


# ----- PixelCNN -----


class MaskedConv2d(nn.Conv2d):
    """A convolution whose kernel sees only pixels before the centre in raster order (type A), or
    those and the centre (type B)."""

    def __init__(self, kind: str, n_in: int, n_out: int, kernel: int):
        super().__init__(n_in, n_out, kernel, padding=kernel // 2)
        mask = torch.ones_like(self.weight)
        centre = kernel // 2
        mask[:, :, centre, centre + (kind == "B") :] = 0
        mask[:, :, centre + 1 :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCNN(
    AutoregressiveModel, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoregressive", "mnist"]
):
    """A 7x7 type-A masked convolution, ``layers`` 3x3 type-B ones with ReLU (residual), a 1x1 to logits."""

    def __init__(self, side: int = 28, channels: int = 32, layers: int = 5):
        super().__init__()
        self.side, self.channels, self.n_layers = side, channels, layers
        self.first = MaskedConv2d("A", 1, channels, 7)
        self.body = nn.ModuleList(MaskedConv2d("B", channels, channels, 3) for _ in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1))

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        return self.band_logits(x.reshape(len(x), self.side, self.side)).reshape(len(x), -1)

    @torch.no_grad()
    def sample_steps(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        ordering: int = 0,
        known: torch.Tensor | None = None,
    ):
        """Pixel (r, c) sees only rows r - reach .. r (reach = 3 rows for the 7x7 type-A layer, one
        more for each 3x3), so each step convolves that band, not the whole image."""
        reach = self.first.kernel_size[0] // 2 + len(self.body)
        images = x.view(len(x), self.side, self.side)
        for pixel in range(self.pixels):
            if known is not None and bool(known[pixel]):
                continue
            row, column = divmod(pixel, self.side)
            top = max(0, row - reach)
            band = images[:, top : row + 1]
            logits = self.band_logits(band)[:, row - top, column]
            probability = torch.sigmoid(logits)
            x[:, pixel] = torch.bernoulli(probability, generator=generator)
            yield pixel, pixel, probability

    def band_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (n, rows, columns) of a band of whole rows (n, rows, side)."""
        h = self.first(images[:, None].float())
        for layer in self.body:
            h = h + layer(torch.relu(h))
        return self.head(h)[:, 0]


# ----- the transformer -----


class CausalBlock(nn.Module):
    """Pre-norm transformer block: h + Attention(LN(h)), then h + MLP(LN(h)); causal attention,
    or, with a ``cache`` (dict of the keys and values so far), attention of the new positions to
    every cached one (sampling one position at a time)."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.attention_norm, self.mlp_norm = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.projection = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, h: torch.Tensor, cache: dict | None = None) -> torch.Tensor:
        n, length, width = h.shape
        q, k, v = (
            part.reshape(n, length, self.heads, -1).transpose(1, 2)
            for part in self.qkv(self.attention_norm(h)).chunk(3, dim=-1)
        )
        if cache is not None:
            if cache:
                k, v = torch.cat([cache["k"], k], dim=2), torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None)
        h = h + self.projection(attended.transpose(1, 2).reshape(n, length, width))
        return h + self.mlp(self.mlp_norm(h))


class PixelTransformer(
    AutoregressiveModel, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoregressive", "mnist"]
):
    """Decoder-only transformer over the raster sequence: token i is pixel i - 1 (2 = start), with
    learned position embeddings; ``layers`` causal blocks of ``heads`` heads. Sampling keeps each
    block's keys and values, so drawing pixel i costs one position, not a pass over all D."""

    def __init__(self, side: int = 28, width: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        self.side, self.width, self.n_layers, self.heads = side, width, layers, heads
        self.tokens = nn.Embedding(3, width)  # 0, 1, and the start token
        self.positions = nn.Parameter(torch.randn(self.pixels, width) * 0.02)
        self.blocks = nn.ModuleList(CausalBlock(width, heads) for _ in range(layers))
        self.out = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 1))

    def _logits(self, tokens: torch.Tensor, start: int, caches: list | None = None) -> torch.Tensor:
        h = self.tokens(tokens) + self.positions[start : start + tokens.shape[1]]
        for index, block in enumerate(self.blocks):
            h = block(h, None if caches is None else caches[index])
        return self.out(h).squeeze(-1)

    def logits(self, x: torch.Tensor, ordering: int = 0) -> torch.Tensor:
        x = x.reshape(len(x), -1).long()
        return self._logits(torch.cat([torch.full((len(x), 1), 2, dtype=torch.long), x[:, :-1]], dim=1), 0)

    @torch.no_grad()
    def sample_steps(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        ordering: int = 0,
        known: torch.Tensor | None = None,
    ):
        caches = [{} for _ in self.blocks]
        previous = torch.full((len(x), 1), 2, dtype=torch.long)
        for pixel in range(self.pixels):
            probability = torch.sigmoid(self._logits(previous, pixel, caches)[:, 0])
            if known is None or not bool(known[pixel]):
                x[:, pixel] = torch.bernoulli(probability, generator=generator)
                yield pixel, pixel, probability
            previous = x[:, pixel : pixel + 1].long()


MODELS = {"fvsbn": FVSBN, "nade": NADE, "made": MADE, "pixelcnn": PixelCNN, "transformer": PixelTransformer}
