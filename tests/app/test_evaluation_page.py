"""The Evaluation page run headless with AppTest: the shipped table, sorting, samples, a missing table."""

import pytest

from engine.evaluation import explore
from engine.evaluation.table import IMAGE_MODELS
from tests.app.test_pages import open_page


def test_the_table_lists_every_shipped_model_and_the_floor_sorted_by_fid():
    app = open_page("evaluation")
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert len(table) == len(IMAGE_MODELS) + 1 and table["Model"].iloc[-1].startswith("Real digits")
    fids = list(table["FID"][:-1])
    assert fids == sorted(fids)
    assert any("exact" in v for v in table["−log p(x), nats"]) and any(
        "IWAE bound" in v for v in table["−log p(x), nats"]
    )


def test_sorting_by_recall_and_showing_samples_follow_the_link():
    app = open_page("evaluation", {"sort": "recall", "samples": "true"})
    assert not app.exception and not app.error
    recalls = list(app.dataframe[0].value["Recall"][:-1])
    assert recalls == sorted(recalls, reverse=True)
    assert len(app.get("image")) == len(IMAGE_MODELS)


def test_a_missing_table_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setattr(explore, "TABLE", tmp_path / "evaluation.json")
    app = open_page("evaluation")
    assert not app.exception and any("python -m engine.train.evaluation" in e.value for e in app.error)


@pytest.mark.parametrize("query", [{"sort": "beauty"}, {"samples": "maybe"}])
def test_a_bad_link_says_so(query):
    app = open_page("evaluation", query)
    assert not app.exception and any("could not be used" in e.value for e in app.error)
