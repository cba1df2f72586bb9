"""Imported first by the trainers' fork server (:data:`engine.live.fork_server.FORKSERVER_PRELOAD`,
right after torch): torch on one thread (``GP_TORCH_THREADS``), as every trainer runs, before any
other preloaded module can start an OpenMP thread pool. A pool started in the fork server does not
survive the fork: a trainer's first parallel operation would hang."""

import os

import torch

torch.set_num_threads(int(os.environ.get("GP_TORCH_THREADS", "1")))
