"""Autoencoders on MNIST: AE as non-linear PCA, denoising, compression (with a VQ-VAE), clustering
and anomaly detection, as in the lecture notes' "Autoencoder" and "Applications of AE".

- :mod:`~engine.autoencoders.models`: linear, MLP and convolutional AEs and a VQ-VAE (shipped in pretrained/);
- :mod:`~engine.autoencoders.pca`: PCA, the optimal linear AE, and principal angles;
- :mod:`~engine.autoencoders.measures`: squared error and PSNR;
- :mod:`~engine.autoencoders.denoising`, :mod:`~engine.autoencoders.compression`,
  :mod:`~engine.autoencoders.clustering`, :mod:`~engine.autoencoders.anomaly`: the four applications;
- :mod:`~engine.autoencoders.shipped`: the shipped models; :mod:`~engine.autoencoders.explore`: the page's
  config and computations;
- :mod:`~engine.autoencoders.task`: an AE trained live against PCA's line; :mod:`~engine.autoencoders.views`:
  the charts and images.
"""
