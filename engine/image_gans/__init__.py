"""GANs on MNIST images: DCGAN, a conditional GAN with a projection discriminator, ACGAN and InfoGAN.

- :mod:`~engine.image_gans.models`: one generator and one discriminator serving the four GANs;
- :mod:`~engine.image_gans.shipped`: the shipped models; :mod:`~engine.image_gans.explore`: samples, the
  classes x noise grid, InfoGAN's code sweeps, interpolation;
- :mod:`~engine.image_gans.task`: a small DCGAN trained live; :mod:`~engine.image_gans.views`: its frames.
"""
