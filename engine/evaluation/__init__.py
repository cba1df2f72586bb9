"""Evaluating image models by their samples (classifier-feature FID, Inception score, precision
and recall) and by their test likelihood, one table for every shipped image model."""
