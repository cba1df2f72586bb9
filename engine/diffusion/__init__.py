"""Diffusion models and flow matching on 2-D data: DDPM (epsilon prediction) with linear and cosine
schedules, the same network as a score model sampled by annealed Langevin dynamics, and flow
matching / rectified flow; their samplers and their exact log-likelihood through an ODE.

- :mod:`~engine.diffusion.models`: the MLP of (x, t, class) every model shares;
- :mod:`~engine.diffusion.schedules`: the noise schedules; :mod:`~engine.diffusion.losses`: the objectives;
- :mod:`~engine.diffusion.samplers`: DDPM ancestral, DDIM, Langevin, Euler and Heun;
- :mod:`~engine.diffusion.likelihood`: the exact log-likelihood through the ODE;
- :mod:`~engine.diffusion.task`: the live task; :mod:`~engine.diffusion.explore`: the field view's settings;
- :mod:`~engine.diffusion.views`: the frames' pictures.
"""
