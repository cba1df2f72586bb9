"""Autoencoders on MNIST: AE as non-linear PCA, denoising, compression (with a VQ-VAE), clustering
and anomaly detection, as in the lecture notes' "Autoencoder" and "Applications of AE"."""
