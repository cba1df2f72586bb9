"""Diffusion models and flow matching on 2-D data: DDPM (epsilon prediction) with linear and cosine
schedules, the same network as a score model sampled by annealed Langevin dynamics, and flow
matching / rectified flow; their samplers and their exact log-likelihood through an ODE."""
