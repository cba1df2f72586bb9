"""Training scripts that reproduce every model in ``pretrained/`` from a seed.

    python -m engine.train.classifier            # first: the VAE cards use it
    python -m engine.train.vae --name vae-2d     # see ``python -m engine.train.vae --help``
    python -m engine.train.all                   # every shipped model, in order

Each writes ``pretrained/<name>/``: config.json and model.safetensors (``save_pretrained``),
figures.json (the measured test figures) and README.md (the model card: the command, the
training time on the machine that ran it, and the figures).
"""
