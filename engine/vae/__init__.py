"""Variational autoencoders on MNIST (lecture "Latent variable models"): the VAE page's family.

- :mod:`~engine.vae.models`: the VAE and the digit classifier (Hub mixin, shipped in pretrained/);
- :mod:`~engine.vae.bounds`: ELBO and IWAE bounds; :mod:`~engine.vae.latent`: latent grids, posteriors;
- :mod:`~engine.vae.shipped`: the shipped models; :mod:`~engine.vae.explore`: the page's config and computations;
- :mod:`~engine.vae.task`: the live training task and its frame; :mod:`~engine.vae.toy`: a VAE on 2-D data
  with a Gaussian decoder (the Arena's contender);
- :mod:`~engine.vae.views`: the explore views' figures and the live view's images (a drawn digit -> 28x28:
  :mod:`engine.digit_drawing`).
"""
