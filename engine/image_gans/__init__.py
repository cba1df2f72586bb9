"""GANs on MNIST images: DCGAN, a conditional GAN with a projection discriminator, ACGAN and InfoGAN."""
