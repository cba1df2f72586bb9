"""The Evaluation page's table rows and figure, built from the shipped table (no Streamlit here)."""

from __future__ import annotations

import plotly.graph_objects as go

from engine.evaluation.explore import sorted_rows
from engine.evaluation.table import IMAGE_MODELS


def likelihood_cell(row: dict) -> str:
    """-log p(x) as the table shows it: exact, an upper bound (IWAE), or none for a GAN."""
    if row["nll"] is None:
        return "– (no density)"
    return f"{row['nll']:.1f} exact" if row["likelihood"] == "exact" else f"≤ {row['nll']:.1f} (IWAE bound)"


def table_rows(table: dict, sort: str) -> list[dict]:
    """One row per model, sorted by ``sort``, then the real-vs-real floor row."""
    floor = table["floor"]
    rows = [
        {
            "Model": row["label"],
            "Family": row["family"],
            "FID": round(row["fid"], 1),
            "Inception score": round(row["inception_score"], 2),
            "Precision": round(row["precision"], 2),
            "Recall": round(row["recall"], 2),
            "−log p(x), nats": likelihood_cell(row),
            "ms / digit": round(row["sample_ms"], 3),
        }
        for row in sorted_rows(table, sort)
    ]
    rows.append(
        {
            "Model": "Real digits (1,000 training vs the held-out)",
            "Family": "floor",
            "FID": round(floor["fid"], 1),
            "Inception score": round(floor["inception_score"], 2),
            "Precision": round(floor["precision"], 2),
            "Recall": round(floor["recall"], 2),
            "−log p(x), nats": "",
            "ms / digit": None,
        }
    )
    return rows


def fid_by_samples_figure(table: dict) -> go.Figure:
    """FID against the number of generated samples, one line per model, and the real-vs-real floor."""
    figure = go.Figure()
    for name, curve in table["fid_by_samples"].items():
        counts, fids = zip(*curve, strict=True)
        figure.add_scatter(x=counts, y=fids, mode="lines+markers", name=IMAGE_MODELS[name].label)
    figure.add_hline(
        y=table["floor"]["fid"], line_dash="dash", line_color="green", annotation_text="real vs real, 1,000"
    )
    figure.update_layout(
        xaxis_type="log",
        xaxis_title="generated samples",
        yaxis_title="FID against the held-out digits",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        title="FID needs enough samples",
    )
    return figure
