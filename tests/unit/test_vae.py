"""VAE engine: data split, Hub-mixin save/load and the loader, bounds, latent-space tools."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import pretrained
from engine.mnist import binarize, load_mnist, stratified_split
from engine.mnist_classifier import CLASSIFIER, MnistClassifier
from engine.pretrained import ModelUnavailable, load_model
from engine.vae import explore, latent, views
from engine.vae.bounds import (
    bernoulli_log_likelihood,
    diagonal_normal_log_density,
    elbo_terms,
    gaussian_kl,
    iwae_bound,
    iwae_bounds,
    reparameterize,
    standard_normal_log_density,
    training_loss,
)
from engine.vae.models import VAE
from engine.vae.shipped import SHIPPED_VAES


@pytest.fixture(scope="module")
def split():
    return load_mnist()


@pytest.fixture(scope="module")
def vae_2d():
    return load_model("vae-2d", VAE)


# ----- data -----
def test_split_is_stratified_disjoint_and_seeded(split):
    assert split.train_images.shape == (4000, 28, 28) and split.test_images.shape == (1000, 28, 28)
    assert np.bincount(split.test_labels).tolist() == [100] * 10
    assert 0.0 <= split.train_images.min() and split.train_images.max() <= 1.0
    train, test = stratified_split(np.repeat(np.arange(10), 50), 0.2, seed=3)
    assert not set(train) & set(test) and len(train) + len(test) == 500
    assert np.array_equal(test, stratified_split(np.repeat(np.arange(10), 50), 0.2, seed=3)[1])
    assert not np.array_equal(test, stratified_split(np.repeat(np.arange(10), 50), 0.2, seed=4)[1])


def test_binarize_thresholds_at_one_half():
    assert binarize(np.array([0.0, 0.49, 0.51, 1.0])).tolist() == [0.0, 0.0, 1.0, 1.0]


def test_full_mnist_is_optional_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("GP_MNIST_NPZ", raising=False)
    with pytest.raises(ValueError, match="GP_MNIST_NPZ"):
        load_mnist("full")


def test_full_mnist_reads_a_local_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    images = np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)
    np.savez(path, x_train=images[:4], y_train=np.arange(4), x_test=images[4:], y_test=np.arange(2))
    split = load_mnist("full", path=str(path))
    assert split.train_images.shape == (4, 28, 28) and split.train_images.max() <= 1.0


# ----- saving and loading through the Hub mixin -----
@pytest.mark.parametrize("model", [VAE(3, (32, 16), beta=4.0, importance_samples=5), MnistClassifier((4, 8), 16)])
def test_save_pretrained_round_trip(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert {"config.json", "model.safetensors"} <= {p.name for p in tmp_path.iterdir()}
    loaded = load_model(tmp_path.name, type(model), directory=tmp_path.parent)
    x = torch.rand(5, 28, 28)
    assert torch.equal(loaded.eval()(x), model.eval()(x))
    if isinstance(model, VAE):
        assert (loaded.latent_dim, loaded.beta, loaded.importance_samples) == (3, 4.0, 5)


@pytest.mark.parametrize("name", [*SHIPPED_VAES, CLASSIFIER])
def test_every_shipped_model_loads_offline_and_strictly(name, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(pretrained, "snapshot_download", _refuse)  # nothing may be downloaded
    model = load_model(name, MnistClassifier if name == CLASSIFIER else VAE)
    assert not model.training
    folder = pretrained.PRETRAINED_DIR / name
    assert (folder / "README.md").read_text().count("python -m engine.train") >= 1
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))  # nothing to unpickle
    if name in SHIPPED_VAES:
        assert model.latent_dim == SHIPPED_VAES[name].latent_dim and model.beta == SHIPPED_VAES[name].beta


def test_weights_that_do_not_match_the_config_are_refused(tmp_path):
    VAE(2, (32,)).save_pretrained(tmp_path / "m")
    config = tmp_path / "m" / "config.json"
    config.write_text(config.read_text().replace('"latent_dim": 2', '"latent_dim": 3'))
    with pytest.raises(RuntimeError):
        load_model("m", VAE, directory=tmp_path)


def _refuse(**kwargs):
    raise OSError("offline")


def test_the_loader_falls_back_to_the_hub(tmp_path, monkeypatch):
    source = tmp_path / "hub-copy"
    VAE(2, (32,)).save_pretrained(source)
    (source / "pytorch_model.bin").write_bytes(b"a pickle that must never be fetched")
    calls = []

    def fake_snapshot_download(repo_id, allow_patterns):
        calls.append((repo_id, allow_patterns))
        cache = tmp_path / "cache"
        shutil.copytree(
            source,
            cache,
            ignore=lambda _, names: [n for n in names if not any(Path(n).match(p) for p in allow_patterns)],
        )
        return str(cache)

    monkeypatch.setattr(pretrained, "snapshot_download", fake_snapshot_download)
    monkeypatch.setenv("GP_HUB_NAMESPACE", "someone")
    model = load_model("not-shipped", VAE, directory=tmp_path / "empty")
    assert calls == [("someone/not-shipped", pretrained.MODEL_FILES)]
    assert isinstance(model, VAE) and not (tmp_path / "cache" / "pytorch_model.bin").exists()


def test_an_unavailable_model_gets_a_message_that_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "snapshot_download", _refuse)
    with pytest.raises(ModelUnavailable, match="not shipped.*python -m engine.train"):
        load_model("vae-2d", VAE, directory=tmp_path)
    with pytest.raises(ValueError, match="plain folder name"):
        load_model("../vae-2d", VAE)


# ----- bounds -----
def test_bernoulli_log_likelihood_by_hand():
    logits, x = torch.tensor([[0.0, 2.0]]), torch.tensor([[1.0, 0.0]])
    expected = math.log(0.5) + math.log(1 - 1 / (1 + math.exp(-2.0)))
    assert bernoulli_log_likelihood(logits, x).item() == pytest.approx(expected, abs=1e-6)


def test_analytic_kl_matches_monte_carlo():
    mu, log_var = torch.tensor([[0.7, -1.2, 0.1]]), torch.tensor([[-1.0, 0.5, -3.0]])
    z = reparameterize(mu, log_var, 400_000, torch.Generator().manual_seed(0))
    monte_carlo = (diagonal_normal_log_density(z, mu, log_var) - standard_normal_log_density(z)).mean()
    assert gaussian_kl(mu, log_var).sum().item() == pytest.approx(monte_carlo.item(), rel=0.01)


def test_iwae_bound_rises_with_k_above_the_elbo(vae_2d, split):
    x = binarize(split.test_images[:100]).reshape(100, -1)
    with torch.no_grad():
        elbo = elbo_terms(vae_2d, x, samples=500, generator=torch.Generator().manual_seed(0))["elbo"].mean().item()
        bounds = [iwae_bound(vae_2d, x, k, torch.Generator().manual_seed(k)).mean().item() for k in (5, 50, 500)]
        pooled_l1 = iwae_bounds(vae_2d, x, [1], pool=500, generator=torch.Generator().manual_seed(1))[1].mean().item()
    assert pooled_l1 == pytest.approx(elbo, abs=0.3)  # L_1 is the ELBO (up to Monte Carlo noise)
    assert elbo < bounds[0] < bounds[1] < bounds[2]
    assert bounds[-1] > elbo + 1.0


def test_pooled_iwae_bounds_are_smooth_in_k_and_agree_with_fresh_draws(vae_2d, split):
    x = binarize(split.test_images[:50]).reshape(50, -1)
    with torch.no_grad():
        pooled = iwae_bounds(vae_2d, x, [1, 10, 100, 1000], pool=1000, generator=torch.Generator().manual_seed(1))
        fresh = iwae_bound(vae_2d, x, 10, torch.Generator().manual_seed(2)).mean().item()
    means = [pooled[k].mean().item() for k in (1, 10, 100, 1000)]
    assert means == sorted(means)
    assert means[1] == pytest.approx(fresh, abs=0.5)
    with pytest.raises(ValueError, match="pool size"):
        iwae_bounds(vae_2d, x, [2000], pool=1000)


def test_training_loss_is_the_negative_beta_objective():
    torch.manual_seed(0)
    model, x = VAE(2, (16,)), binarize(torch.rand(8, 784))
    torch.manual_seed(1)
    terms = training_loss(model, x, beta=3.0)
    torch.manual_seed(1)
    direct = elbo_terms(model, x)
    assert terms["loss"].item() == pytest.approx(
        -(direct["reconstruction"] - 3.0 * direct["kl"]).mean().item(), rel=1e-5
    )


# ----- latent-space tools -----
def test_quantile_grid_is_even_in_prior_mass():
    u = latent.to_map_coordinates(latent.grid_axis(8, "quantile"), "quantile")
    assert np.allclose(np.diff(u), 1 / 8) and np.allclose(
        latent.from_map_coordinates(u, "quantile"), latent.grid_axis(8)
    )
    assert latent.grid_points(3, "linear")[0].tolist() == [-3.0, 3.0]  # top-left cell: z2 at its largest
    with pytest.raises(ValueError, match="between 2 and 60"):
        latent.grid_axis(1)


def test_decode_grid_tiles_and_refuses_other_latents(vae_2d):
    assert latent.decode_grid(vae_2d, 4).shape == (112, 112)
    with pytest.raises(ValueError, match="2-D latent"):
        latent.decode_grid(VAE(16, (8,)), 4)


def test_interpolations_end_at_both_points_and_slerp_keeps_the_radius():
    a, b = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 2.0])
    for kind in ("linear", "spherical"):
        path = latent.interpolate(a, b, 5, kind)
        assert torch.allclose(path[0], a) and torch.allclose(path[-1], b, atol=1e-6)
    assert torch.allclose(latent.interpolate(a, b, 5, "spherical").norm(dim=1), torch.full((5,), 2.0))
    assert latent.interpolate(a, b, 3, "linear")[1].tolist() == [1.0, 1.0]


def test_true_posterior_is_normalised_oriented_and_covers_q_and_its_mode(vae_2d, split):
    inference = explore.infer_digit(vae_2d, split.test_images[0])
    assert inference.posterior.sum() == pytest.approx(1.0, abs=1e-5)
    axis_1, axis_2 = inference.posterior_axes
    assert axis_1[0] <= inference.mu[0] <= axis_1[-1] and axis_2[0] <= inference.mu[1] <= axis_2[-1]
    assert inference.elbo <= inference.iwae[-1] + 0.5
    # Orientation: cell (row, column) is z = (axis_1[column], axis_2 reversed[row]), so differences
    # of log p(z|x) between cells equal differences of log p(x|z) + log p(z) computed directly.
    x = binarize(split.test_images[0]).reshape(1, -1)
    cells = [(0, 60), (60, 0), (10, 45), (30, 30)]
    z = torch.tensor([[axis_1[c], axis_2[::-1][r]] for r, c in cells], dtype=torch.float32)
    with torch.no_grad():
        log_joint = bernoulli_log_likelihood(vae_2d.decoder_logits(z), x) + standard_normal_log_density(z)
    log_posterior = np.log(np.array([inference.posterior[r, c] for r, c in cells], dtype=np.float64) + 1e-300)
    finite = log_posterior > -600
    assert finite.sum() >= 2
    assert np.allclose(np.diff(log_posterior[finite]), np.diff(log_joint.numpy()[finite]), atol=0.05)


def test_training_loss_for_iwae_is_the_negative_k_sample_bound():
    torch.manual_seed(0)
    model, x = VAE(2, (16,), importance_samples=5), binarize(torch.rand(8, 784))
    torch.manual_seed(1)
    loss = training_loss(model, x, importance_samples=5)["loss"]
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    with torch.no_grad():
        bound = iwae_bounds(model, x, [5], pool=5000, generator=torch.Generator().manual_seed(2))[5].mean().item()
    assert loss.item() == pytest.approx(-bound, abs=3.0)  # one draw of L_5 against its expectation


def test_knn_accuracy_and_active_units_on_constructed_sets():
    centres = np.repeat(np.eye(10) * 10, 20, axis=0)
    labels = np.repeat(np.arange(10), 20)
    assert latent.knn_accuracy(centres, labels, centres + 0.1, labels) == 1.0
    assert latent.knn_accuracy(centres, labels, centres[::-1].copy(), labels) < 0.2
    means = np.column_stack([np.linspace(-1, 1, 50), np.full(50, 0.3), 0.01 * np.sin(np.arange(50))])
    variance, active = latent.active_units(means)
    assert active == 1 and variance[1] == pytest.approx(0.0, abs=1e-12)


def test_view_config_round_trips_and_refuses_bad_values():
    config = explore.VaeViewConfig(view="interpolate", model="vae-16d", start=7, z1=-1.5)
    assert explore.VaeViewConfig.from_query(config.to_query()) == config
    with pytest.raises(ValueError, match="Unknown model"):
        explore.VaeViewConfig(model="gpt")
    with pytest.raises(ValueError, match="Start must be between 0 and 999"):
        explore.VaeViewConfig(start=1000)


@pytest.mark.parametrize("spacing", ["quantile", "linear"])
def test_map_image_pixels_and_latent_points_agree(spacing):
    drawn = views.latent_map_image(
        np.zeros((56, 56)), 2, spacing, np.array([[0.5, -1.0]]), np.array([3]), selected=np.zeros(2)
    )
    assert drawn.image.shape == (views.MAP_TOP + views.MAP_SIZE + 40, views.MAP_LEFT + views.MAP_SIZE + 64, 3)
    for z in ([0.0, 0.0], [1.2, -0.7], [-2.0, 2.5]):
        ((x, y),) = drawn.to_pixels(np.array(z))
        assert np.allclose(drawn.to_latent(x, y), z, atol=1e-6)
    assert drawn.to_latent(0, 0) is None  # the axis margin, outside the plot area
    centre = drawn.to_pixels(np.zeros(2))[0].round().astype(int)
    assert tuple(drawn.image[centre[1], centre[0]]) == tuple(
        int(views.SELECTED_COLOR[i : i + 2], 16) for i in (1, 3, 5)
    )
