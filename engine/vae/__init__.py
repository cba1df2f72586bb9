"""Variational autoencoders on MNIST: models, bounds, latent-space tools and evaluation."""
