"""Autoregressive models of binary MNIST digits: FVSBN, NADE, MADE, PixelCNN and a small pixel
transformer, each with an exact log p(x) by the chain rule (lecture notes: "Autoregressive models")."""
