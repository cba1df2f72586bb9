"""Evaluating image models by their samples (classifier-feature FID, Inception score, precision
and recall) and by their test likelihood, one table for every shipped image model.

- :mod:`~engine.evaluation.metrics`: Inception score, precision and recall, FID against the number of samples;
- :mod:`~engine.evaluation.table`: every shipped image model sampled and scored (the table's rows);
- :mod:`~engine.evaluation.explore`: the page's settings and the shipped table;
- :mod:`~engine.evaluation.views`: the table's rows and the FID curve.

It aggregates other families (it samples their shipped models), so it may import them.
"""
