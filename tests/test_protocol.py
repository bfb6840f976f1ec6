"""The paper's protocol as data: the tables' rows and the sweeps' points, checked by hand."""

import pytest

from neighborhoods import experiments, protocol
from neighborhoods.reporting import paper
from neighborhoods.settings import TrainingSettings

CONFIG = {
    "model": {"m": 3, "M": 6},
    "neighbors": {"tau": 5000},
    "features": {"backbone": "efficientnet_lite0"},
    "sweeps": {
        "m": [1, 3, 5],
        "M": [2, 6, 12],
        "tau": [300, 5000],
        "vocabulary": 2000,
        "overlap": [0, 50, 100],
    },
    "curves": {
        "fractions": [100, 10, 50],
        "splits": 2,
        "methods": ["visual", "imagepath", "vote_logits", "nbrvote", "model", "tuned"],
    },
}


@pytest.fixture(scope="module")
def plan():
    return protocol.Protocol(CONFIG)


def test_table2_rows_name_their_experiments_and_the_papers_numbers(plan):
    table = plan.tables["table2"]
    assert [(row.key, row.experiment, row.metrics) for row in table.rows] == [
        ("upper", "upper", "metrics.json"),
        ("tagonly", "tagonly-tau5000", "metrics.json"),
        ("knn", "knn", "metrics.json"),
        ("visual", "visual", "metrics.json"),
        ("nbrvote", "nbrvote-tags-tau5000-M6", "metrics.json"),
        ("nbr-tags", "nbr-tags-tau5000-m3-M6", "metrics.json"),
        ("nbr-tags-tagvec", "nbr-tags-tau5000-m3-M6-tagvec", "metrics.json"),
    ]
    assert table.rows[5].paper["mAP_L"] == 52.78 and table.rows[0].paper == paper.TABLE2["upper"]
    assert table.metrics == paper.METRICS and table.quoted == paper.TABLE2_QUOTED and table.layout == "rows"


def test_table3_compares_kinds_of_neighbors(plan):
    rows = plan.tables["table3"].rows
    assert [row.experiment for row in rows] == [
        "visual",
        "nbr-visual-efficientnet_lite0-m3-M6",
        "nbr-groups-m3-M6",
        "nbr-sets-m3-M6",
        "nbr-tags-tau5000-m3-M6",
    ]
    assert [row.paper["mAP_L"] for row in rows] == [45.78, 47.45, 48.87, 48.02, 52.78]


def test_table4_tests_each_model_with_each_kind_of_metadata(plan):
    table = plan.tables["table4"]
    assert table.layout == "matrix" and len(table.rows) == 9
    cell = {(row.train, row.test): row for row in table.rows}
    assert cell["sets", "tags"].experiment == "nbr-sets-m3-M6"
    assert cell["sets", "tags"].metrics == "test-tags-tau5000/metrics.json"
    assert cell["groups", "groups"].metrics == "metrics.json"
    assert cell["groups", "tags"].paper == {"mAP_L": 50.32}
    assert len({row.key for row in table.rows}) == 9


def test_sweeps_hold_the_other_settings_at_the_config(plan):
    assert [(p.value, p.experiment) for p in plan.sweeps["m"]] == [
        (1, "nbr-tags-tau5000-m1-M6"),
        (3, "nbr-tags-tau5000-m3-M6"),
        (5, "nbr-tags-tau5000-m5-M6"),
    ]
    # M below the config's m lowers m to M.
    assert [p.experiment for p in plan.sweeps["M"]] == [
        "nbr-tags-tau5000-m2-M2",
        "nbr-tags-tau5000-m3-M6",
        "nbr-tags-tau5000-m3-M12",
    ]
    assert [p.experiment for p in plan.sweeps["tau"]] == ["nbr-tags-tau300-m3-M6", "nbr-tags-tau5000-m3-M6"]


def test_figure8_tests_one_model_with_each_overlap(plan):
    model = "nbr-tagsplit2000-overlap100-m3-M6"
    assert [(p.value, p.experiment, p.metrics) for p in plan.overlaps] == [
        (0, model, "test-tagsplit2000-overlap0/metrics.json"),
        (50, model, "test-tagsplit2000-overlap50/metrics.json"),
        (100, model, "metrics.json"),
    ]


def test_each_model_tested_with_other_neighbors_lists_them_once(plan):
    """One job per model and split tests with all of them (Table 4's off-diagonal, Fig. 8)."""
    assert plan.other_neighbor_tests() == {
        "nbr-tags-tau5000-m3-M6": ["sets", "groups"],
        "nbr-sets-m3-M6": ["tags-tau5000", "groups"],
        "nbr-groups-m3-M6": ["tags-tau5000", "sets"],
        "nbr-tagsplit2000-overlap100-m3-M6": ["tagsplit2000-overlap0", "tagsplit2000-overlap50"],
    }


def test_each_target_lists_the_experiments_it_reads(plan):
    assert plan.experiments("fig7") == [
        "nbr-tags-tau5000-m1-M6",
        "nbr-tags-tau5000-m3-M6",
        "nbr-tags-tau5000-m5-M6",
        "nbr-tags-tau5000-m2-M2",
        "nbr-tags-tau5000-m3-M12",
        "nbr-tags-tau300-m3-M6",
        "visual",
    ]
    assert plan.experiments("fig8") == ["nbr-tagsplit2000-overlap100-m3-M6", "visual"]
    assert plan.experiments("table4") == ["nbr-tags-tau5000-m3-M6", "nbr-sets-m3-M6", "nbr-groups-m3-M6"]
    assert plan.experiments("fig5") == ["nbr-tags-tau5000-m3-M6", "visual"]
    assert plan.experiments("learning_curves") == [
        f"{name}{suffix}"
        for name in (
            "visual",
            "imagepath",
            "nbrvote-tags-tau5000-M6-logits",
            "nbrvote-tags-tau5000-M6",
            "nbr-tags-tau5000-m3-M6",
            "nbr-tags-tau5000-m3-M6-tuned",
        )
        for suffix in ("-train10", "-train50", "")
    ]
    assert [point.value for point in plan.curves["model"]] == [10, 50, 100]
    targets = ("table2", "table3", "table4", "fig7", "fig8", "learning_curves")
    every = {name for target in targets for name in plan.experiments(target)}
    for name in every:  # all of them in the grammar
        assert experiments.parse(name).name == name
    with pytest.raises(ValueError, match="unknown target"):
        plan.experiments("table9")


def test_tables_and_settings_travel_as_plain_values(plan):
    """Snakemake compares params between runs as plain values: both round-trip through them."""
    for table in plan.tables.values():
        assert protocol.Table.from_dict(table.as_dict()) == table
    settings = TrainingSettings.from_config(
        {
            "model": {
                **dict.fromkeys(("hidden", "batch_size", "max_epochs", "patience", "test_samples"), 5),
                **dict.fromkeys(("dropout", "l2"), 0.5),
                "learning_rates": [0.1, 0.01],
                "device": "cpu",
                "feature_dtype": "float16",
            },
        }
    )
    assert TrainingSettings.from_dict(settings.as_dict()) == settings
    assert settings.learning_rates == (0.1, 0.01)
    # Each kind of model is handed only what it reads, so a change reruns only what it affects;
    # halving, unset, is left out (runs trained before it existed stay up to date).
    read = {key: value for key, value in settings.as_dict().items() if key != "halving_epochs"}
    assert settings.halving_epochs is None
    assert settings.read_by("neighborhood") == read
    assert settings.read_by("imagepath") == {**read, "test_samples": None}
    for logistic in ("visual", "tagonly", "upper"):
        unread = dict.fromkeys(("hidden", "dropout", "test_samples"))
        assert settings.read_by(logistic) == {**read, **unread}


def test_curves_take_their_methods_and_splits_per_share_and_the_oracle_needs_the_control():
    curves = {
        "fractions": [100, 10],
        "splits": [1, 3],
        "methods": ["model_nbronly", "vote_perlabel", "oracle"],
    }
    plan = protocol.Protocol({**CONFIG, "dataset": "control", "splits": {"count": 2}, "curves": curves})
    assert [(p.value, p.experiment, p.splits) for p in plan.curves["model_nbronly"]] == [
        (10, "nbr-tags-tau5000-m3-M6-nbronly-train10", 2),  # 3 asked, 2 exist
        (100, "nbr-tags-tau5000-m3-M6-nbronly", 1),
    ]
    assert [p.experiment for p in plan.curves["vote_perlabel"]][-1] == "nbrvote-tags-tau5000-M6-perlabel"
    assert {p.experiment for p in plan.curves["oracle"]} == {"oracle-tags-tau5000-M6"}  # trains nothing
    assert "oracle − our model" in [c.label for c in plan.comparisons]
    with pytest.raises(ValueError, match="dataset control only"):
        protocol.Protocol({**CONFIG, "curves": curves})
    with pytest.raises(ValueError, match="one per fraction"):
        protocol.Protocol({**CONFIG, "curves": {**curves, "splits": [1]}})
