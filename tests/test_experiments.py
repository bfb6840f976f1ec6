import pytest

from neighborhoods import experiments


@pytest.mark.parametrize(
    "name", ["visual", "nbr-tags-tau5000-m3-M6", "nbr-sets-m1-M20", "nbr-groups-m3-M6-tagvec"]
)
def test_names_round_trip(name):
    assert experiments.parse(name).name == name


def test_parse_reads_every_field():
    parsed = experiments.parse("nbr-tags-tau500-m2-M8-tagvec")
    assert (parsed.model, parsed.meta, parsed.m, parsed.M, parsed.tag_vector) == ("neighborhood", "tags-tau500", 2, 8, True)


@pytest.mark.parametrize("name", ["", "nbr-tags-m3", "nbr-tags-m7-M6", "nbr-tags-m0-M6", "visual2"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match="experiment"):
        experiments.parse(name)
