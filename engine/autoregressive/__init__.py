"""Autoregressive models of binary MNIST digits: FVSBN, NADE, MADE, PixelCNN and a small pixel
transformer, each with an exact log p(x) by the chain rule (lecture notes: "Autoregressive models").

- :mod:`~engine.autoregressive.models`: FVSBN, NADE, MADE, PixelCNN, the transformer (shipped in pretrained/);
- :mod:`~engine.autoregressive.rnade`: RNADE on 2-D data;
- :mod:`~engine.autoregressive.shipped`: the shipped models; :mod:`~engine.autoregressive.explore`: the
  page's config and computations (sampling, completion, surprise, receptive fields, the table);
- :mod:`~engine.autoregressive.task`: FVSBN/NADE/MADE on the digits and RNADE on 2-D targets, live;
- :mod:`~engine.autoregressive.views`: the pictures and charts.
"""
