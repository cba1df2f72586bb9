"""Divergences between distributions (lecture "Divergences"): the Divergences page's family.

- :mod:`~engine.divergences.measures`: KL both ways, JS, TV, Hellinger, χ², α/Rényi, W₁/W₂, MMD on a
  grid, from samples and in closed form;
- :mod:`~engine.divergences.fitting`: q fitted by any divergence (all at once), the variational estimate;
- :mod:`~engine.divergences.explore`: the page's 1-D config and computations;
- :mod:`~engine.divergences.samples_2d`: two 2-D sample sets, exact W₁/W₂ with the plan, MMD;
- :mod:`~engine.divergences.views`: the page's figures.

The f-divergence table (f, f', f* and the f-GAN output activation of each) is shared with the GANs
family: :mod:`engine.f_divergences`.
"""
