import pytest

from neighborhoods import experiments


@pytest.mark.parametrize(
    "name",
    [
        "visual",
        "upper",
        "knn",
        "tagonly-tau5000",
        "nbrvote-tags-tau5000-M6",
        "nbr-tags-tau5000-m3-M6",
        "nbr-sets-m1-M20",
        "nbr-visual-efficientnet_lite0-m3-M6",
        "nbr-tags-tau500-m3-M6-tagvec",
    ],
)
def test_names_round_trip(name):
    assert experiments.parse(name).name == name


def test_parse_reads_every_field():
    parsed = experiments.parse("nbr-tags-tau500-m2-M8-tagvec")
    assert (parsed.model, parsed.meta, parsed.m, parsed.M, parsed.tag_vector, parsed.tau) == (
        "neighborhood", "tags-tau500", 2, 8, True, 500,
    )
    assert experiments.parse("tagonly-tau70").tau == 70
    vote = experiments.parse("nbrvote-groups-M6")
    assert (vote.model, vote.meta, vote.M, vote.trained) == ("nbrvote", "groups", 6, False)
    assert experiments.parse("upper").trained and not experiments.parse("knn").trained


@pytest.mark.parametrize(
    "name",
    ["", "nbr-tags-m3", "nbr-tags-m7-M6", "nbr-tags-m0-M6", "visual2", "tagonly-tau0", "nbr-sets-m3-M6-tagvec"],
)
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match="experiment"):
        experiments.parse(name)
