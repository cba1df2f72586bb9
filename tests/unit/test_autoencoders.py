"""The autoencoders family: PCA as the optimal linear AE, the measures, corruptions, quantiser,
JPEG, clustering and detection scores against hand values, the VQ-VAE, the shipped models."""

import copy
import io

import numpy as np
import pytest
import torch
from PIL import Image

from engine.autoencoders import anomaly, clustering, compression, denoising
from engine.autoencoders.measures import psnr, squared_errors
from engine.autoencoders.models import VQVAE, Autoencoder
from engine.autoencoders.pca import fit_pca, principal_angles_deg
from engine.autoencoders.shipped import SHIPPED_AUTOENCODERS, SHIPPED_VQVAES
from engine.autoencoders.task import AutoencoderRunConfig, AutoencoderTrainingTask
from engine.mnist import load_mnist
from engine.pretrained import load_model
from engine.train.autoencoders import train_autoencoder


@pytest.fixture(scope="module")
def data():
    return load_mnist()


def test_a_trained_linear_autoencoder_reaches_pca_and_spans_its_subspace(data):
    """The notes' "PCA as the optimal linear autoencoder": on 1,000 training digits, r = 3."""
    train, held_out, r = data.train_images[:1000], data.test_images[:500], 3
    torch.manual_seed(0)
    model = Autoencoder("linear", r)
    train_autoencoder(model, torch.from_numpy(train), epochs=400, seed=0, batch=250, lr=1e-2, log_every=0)
    pca = fit_pca(train, components=8)
    with torch.no_grad():
        ae_error = squared_errors(held_out, model(torch.from_numpy(held_out))).mean()
    pca_error = pca.squared_errors(held_out, [r])[r]
    assert pca_error <= ae_error * 1.005, "no linear map beats PCA (up to the held-out noise)"
    assert ae_error <= pca_error * 1.02, f"linear AE {ae_error:.2f} vs PCA {pca_error:.2f}: within 2%"
    angles = principal_angles_deg(model.decoder.weight.detach().numpy(), pca.components[:r].T)
    assert angles.max() < 5.0, f"principal angles {angles} degrees"


def test_pca_errors_from_one_projection_match_explicit_reconstructions(data):
    pca = fit_pca(data.train_images[:500], components=16)
    images = data.test_images[:50]
    errors = pca.squared_errors(images, [1, 4, 16])
    for r in (1, 4, 16):
        assert errors[r] == pytest.approx(squared_errors(images, pca.reconstruct(images, r)).mean(), rel=1e-4)
    assert errors[1] > errors[4] > errors[16]
    with pytest.raises(ValueError, match="r must be between 1 and 16"):
        pca.reconstruct(images, 17)


def test_principal_angles_are_zero_for_one_subspace_and_ninety_for_orthogonal_ones():
    basis = np.eye(784)[:, :2]
    assert np.allclose(principal_angles_deg(basis, basis @ np.array([[2.0, 1.0], [0.0, 3.0]])), 0, atol=1e-6)
    assert np.allclose(principal_angles_deg(basis, np.eye(784)[:, 2:4]), 90)


def test_squared_error_and_psnr_against_hand_values():
    images = np.zeros((2, 28, 28))
    reconstructions = np.full((2, 28, 28), 0.1)
    assert squared_errors(images, reconstructions) == pytest.approx([7.84, 7.84])  # 784 x 0.01
    assert psnr(images, reconstructions) == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    assert psnr(images, images) == float("inf")


def test_the_uniform_quantiser_against_hand_values():
    quantiser = compression.UniformQuantiser(low=np.array([0.0, -1.0]), high=np.array([3.0, 1.0]), bits=2)
    latents = np.array([[1.4, 0.2], [5.0, -3.0]])
    assert quantiser.quantise(latents).tolist() == [[1, 2], [3, 0]]  # steps 1 and 2/3; clipped
    assert np.allclose(quantiser.round_trip(latents), [[1.0, 1 / 3], [3.0, -1.0]])
    assert quantiser.bytes_per_image(latent_dim=8) == 2.0
    with pytest.raises(ValueError, match="bits per dimension"):
        compression.UniformQuantiser(np.zeros(1), np.ones(1), bits=0)


def test_jpeg_counts_the_scan_only_and_costs_more_at_higher_quality(data):
    digit = data.test_images[:1]
    buffer = io.BytesIO()
    Image.fromarray((digit[0] * 255).astype(np.uint8), mode="L").save(buffer, "JPEG", quality=50, optimize=True)
    whole = buffer.getvalue()
    assert 0 < compression.scan_bytes(whole) < len(whole) - 100, "headers and tables are left out"
    (low, low_bytes), (high, high_bytes) = (compression.jpeg_round_trip(digit, q) for q in (10, 90))
    assert low_bytes < high_bytes
    assert squared_errors(digit, high)[0] < squared_errors(digit, low)[0]


def test_code_usage_and_perplexity():
    assert compression.code_usage(np.array([0, 1, 2, 3]), 8) == (4, pytest.approx(4.0))
    assert compression.code_usage(np.zeros(10, dtype=int), 8) == (1, pytest.approx(1.0))


def test_corruptions(data):
    images = torch.from_numpy(data.test_images[:20])
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(denoising.corrupt(images, "gaussian", 0.0, generator), images)
    salted = denoising.corrupt(torch.full((20, 28, 28), 0.5), "salt_and_pepper", 0.3, generator)
    assert 0.28 < (salted != 0.5).float().mean() < 0.32 and 0.45 < (salted == 1).float().mean() / 0.3 < 0.55
    blocked = denoising.corrupt(torch.ones(3, 28, 28), "block", 0.25, generator)
    assert ((blocked == 0).sum(dim=(1, 2)) == 49).all(), "a 7 x 7 square of each digit masked"
    with pytest.raises(ValueError, match="must be one of"):
        denoising.corrupt(images, "blur", 0.1, generator)
    with pytest.raises(ValueError, match="between 0 and 1"):
        denoising.corrupt(images, "gaussian", 3.0, generator)
    assert denoising.classical_filter(salted, "median", 3).shape == (20, 28, 28)


def test_cluster_scores_against_hand_values():
    labels = np.array([0, 0, 1, 1, 2, 2])
    perfect = clustering.score_clusters(labels, np.array([5, 5, 3, 3, 4, 4]))  # renamed clusters
    assert (perfect.nmi, perfect.ari, perfect.best_match_accuracy) == pytest.approx((1.0, 1.0, 1.0))
    assert clustering.best_match_accuracy(labels, np.array([0, 0, 0, 1, 2, 2])) == pytest.approx(5 / 6)
    points = np.r_[np.zeros((5, 2)), np.full((5, 2), 10.0)]
    clusters = clustering.kmeans_clusters(points, k=2)
    assert len(set(clusters[:5])) == 1 and len(set(clusters[5:])) == 1 and clusters[0] != clusters[5]


def test_detection_of_separated_and_mixed_scores():
    found = anomaly.detection(np.arange(100.0), np.arange(200.0, 210.0), false_alarm_rate=0.05)
    assert found.auc == 1.0 and found.detected_at_threshold == 1.0
    assert found.threshold == pytest.approx(np.quantile(np.arange(100.0), 0.95))
    assert anomaly.detection(np.array([1.0, 3.0]), np.array([2.0, 4.0])).auc == pytest.approx(0.75)
    with pytest.raises(ValueError, match="both normal and anomalous"):
        anomaly.detection(np.array([]), np.array([1.0]))


def test_the_vq_vae_quantises_to_the_nearest_code_and_passes_gradients_straight_through():
    torch.manual_seed(0)
    model = VQVAE(codebook_size=16, code_dim=4)
    assert model.bits_per_image == pytest.approx(49 * 4)
    images = torch.rand(3, 28, 28)
    z_e = model.encode_continuous(images)
    codes = model.nearest_codes(z_e)
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, 4)
    brute = ((flat[:, None, :] - model.codebook.weight[None]) ** 2).sum(-1).argmin(1)
    assert torch.equal(codes.reshape(-1), brute)
    total, reconstruction, codebook_loss, commitment = model.losses(images)
    reconstruction.backward()
    assert model.encoder[-1].weight.grad.abs().sum() > 0, "the decoder's gradient reaches the encoder"
    assert total.item() == pytest.approx(
        reconstruction.item() + codebook_loss.item() + 0.25 * commitment.item(), rel=1e-5
    )


@pytest.mark.parametrize("model", [Autoencoder("conv", 4, "random corruptions", 3), VQVAE(8, 4)])
def test_save_pretrained_round_trip(model, tmp_path):
    model.save_pretrained(tmp_path / "m")
    loaded = load_model("m", type(model), directory=tmp_path)
    images = torch.rand(2, 28, 28)
    assert torch.allclose(loaded(images), model.eval()(images))
    if isinstance(model, Autoencoder):
        assert (loaded.kind, loaded.latent_dim, loaded.trained_on, loaded.left_out_digit) == (
            "conv",
            4,
            "random corruptions",
            3,
        )


def test_bad_model_settings_say_what_is_wrong():
    with pytest.raises(ValueError, match="kind must be one of linear, mlp, conv"):
        Autoencoder("transformer", 8)
    with pytest.raises(ValueError, match="latent_dim must be between 1 and 64"):
        Autoencoder("mlp", 0)
    with pytest.raises(ValueError, match="codebook_size"):
        VQVAE(1)


@pytest.mark.parametrize("name", [*SHIPPED_AUTOENCODERS, *SHIPPED_VQVAES])
def test_every_shipped_autoencoder_loads_offline_and_strictly(name, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = load_model(name, VQVAE if name in SHIPPED_VQVAES else Autoencoder)
    assert not model.training
    arguments = SHIPPED_AUTOENCODERS.get(name, SHIPPED_VQVAES.get(name)).training_arguments
    if isinstance(model, Autoencoder):
        assert model.kind == arguments[arguments.index("--kind") + 1]
        assert model.latent_dim == int(arguments[arguments.index("--latent-dim") + 1])


def test_a_training_digit_scores_below_pure_noise(data):
    model = load_model("ae-conv-8", Autoencoder)
    digits = anomaly.anomaly_scores(model, data.train_images[:50])
    noise = anomaly.anomaly_scores(model, torch.rand(50, 28, 28, generator=torch.Generator().manual_seed(0)))
    assert digits.max() < noise.min()


def test_the_live_task_learns_and_restores_its_state():
    task = AutoencoderTrainingTask(AutoencoderRunConfig(kind="mlp", latent_dim=4, seed=1))
    before = task.metrics()["held_out_error"]
    state = copy.deepcopy(task.state_dict())  # as LiveRun's checkpoints: the state's tensors are the live ones
    losses = [task.train_step() for _ in range(60)]
    after = task.metrics()
    assert after["held_out_error"] < 0.7 * before and np.isfinite(losses).all()
    assert after["pca_error"] == pytest.approx(task.pca_error) and after["epochs"] == pytest.approx(60 * 64 / 4000)
    frame = task.visuals()
    assert frame.originals.shape == frame.reconstructions.shape == frame.pca_reconstructions.shape == (8, 28, 28)
    task.load_state_dict(state)
    assert task.metrics()["held_out_error"] == pytest.approx(before)
    assert [task.train_step() for _ in range(60)] == pytest.approx(losses), "restored exactly, random order included"


def test_bad_run_settings_are_refused():
    with pytest.raises(ValueError, match="Latent dim must be between 1 and 64"):
        AutoencoderRunConfig(latent_dim=100)
    with pytest.raises(ValueError, match="Unknown kind .rnn.; choose one of: linear, mlp, conv"):
        AutoencoderRunConfig(kind="rnn")
