"""A small StyleGAN on coloured digits (lecture "GANs": StyleGAN): the Style Mixing page's family.

- :mod:`~engine.stylegan.models`: the style-based generator and its discriminator (shipped in pretrained/);
- :mod:`~engine.stylegan.data`: coloured 32 x 32 MNIST, where coarse and fine factors differ;
- :mod:`~engine.stylegan.explore`: the page's config and views (mixing grid, truncation, noise, interpolation);
- :mod:`~engine.stylegan.evaluate`: the mixing measured with the classifier, per-layer influence, FID;
- :mod:`~engine.stylegan.views`: the page's figures.

It has no live task: its weights take minutes on a GPU, so the page explores the shipped model
(trained by ``python -m engine.train.stylegan``).
"""
