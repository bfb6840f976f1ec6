"""The grammar of experiment and neighbors names: parsing, constructors and the wildcard
patterns agree, checked over names drawn from the grammar and from near misses of it."""

import itertools
import random
import re

import pytest

from neighborhoods import experiments

MAX_RANK = 20


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
        "nbr-tagsplit2000-overlap100-m3-M6",
    ],
)
def test_names_round_trip(name):
    assert experiments.parse(name).name == name


def test_parse_reads_every_field():
    parsed = experiments.parse("nbr-tags-tau500-m2-M8-tagvec")
    assert (parsed.model, parsed.meta, parsed.m, parsed.M, parsed.tag_vector, parsed.tau) == (
        "neighborhood",
        "tags-tau500",
        2,
        8,
        True,
        500,
    )
    assert experiments.parse("tagonly-tau70").tau == 70
    vote = experiments.parse("nbrvote-groups-M6")
    assert (vote.model, vote.meta, vote.M, vote.trained) == ("nbrvote", "groups", 6, False)
    assert experiments.parse("upper").trained and not experiments.parse("knn").trained


@pytest.mark.parametrize(
    "name",
    [
        "",
        "nbr-tags-m3-M6",
        "nbr-tags-tau5-m3",
        "nbr-sets-m7-M6",
        "nbr-sets-m0-M6",
        "nbr-sets-m03-M6",
        "visual2",
        "tagonly-tau0",
        "nbr-sets-m3-M6-tagvec",
        "nbr-anything-m1-M2",
        "nbrvote-tagsplit10-overlap101-M3",
    ],
)
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match="experiment"):
        experiments.parse(name)


def test_neighbors_names():
    parse = experiments.parse_neighbors
    assert parse("tags-tau5000").params == {"tau": 5000}
    assert parse("sets").kind == "sets" and parse("groups").params == {}
    assert parse("tagsplit2000-overlap25").params == {"size": 2000, "overlap": 25}
    assert parse("visual-resnet50").params == {"backbone": "resnet50"}
    bad = ["tags", "tags-tau0", "tags-tau-5", "tags-tau5k", "visual-", "Sets", "", "tagsplit10-overlap101"]
    for name in bad:
        with pytest.raises(ValueError, match="tags-tau<N>.*'sets', 'groups'"):
            parse(name)


def test_at_most_matches_exactly_one_to_n():
    for n in [*range(1, 130), 199, 200, 201, 999, 1000, 4096]:
        pattern = re.compile(experiments.at_most(n))
        for x in range(0, max(n, 150) + 30):
            assert bool(pattern.fullmatch(str(x))) == (1 <= x <= n), (n, x)
        assert not pattern.fullmatch("0" + str(min(n, 9)))  # no leading zeros


def _numbers(rng: random.Random) -> str:
    return rng.choice(
        ["0", "1", "2", "3", "6", "9", "10", "20", "21", "99", "100", "101", "5000", "007", "-1", ""]
    )


def _neighbors_candidate(rng: random.Random) -> str:
    return rng.choice(
        [
            f"tags-tau{_numbers(rng)}",
            "sets",
            "groups",
            f"tagsplit{_numbers(rng)}-overlap{_numbers(rng)}",
            f"visual-{rng.choice(['efficientnet_lite0', 'resnet50', 'Res', '', 'a-b'])}",
            rng.choice(["tags", "set", "visual", "tagsplit5"]),
        ]
    )


def _experiment_candidate(rng: random.Random) -> str:
    """Names from the grammar with random parts, many of them just outside it."""
    meta = _neighbors_candidate(rng)
    name = rng.choice(
        [
            rng.choice(["visual", "upper", "knn", "visuals", "nbr"]),
            f"tagonly-tau{_numbers(rng)}",
            f"nbrvote-{meta}-M{_numbers(rng)}",
            f"nbr-{meta}-m{_numbers(rng)}-M{_numbers(rng)}",
            f"nbr-{meta}-m{_numbers(rng)}-M{_numbers(rng)}-tagvec",
        ]
    )
    # Learning-curve suffixes, in order and out of it, on every kind.
    suffix = rng.choice(
        ["", "", "-tuned", f"-train{_numbers(rng)}", f"-tuned-train{_numbers(rng)}", "-train5-tuned"]
    )
    return name + suffix


def _parses(parse, name: str) -> bool:
    try:
        parse(name)
    except ValueError:
        return False
    return True


def test_every_name_the_patterns_accept_parses_and_back():
    """Accepted by the wildcard pattern <=> parses (with M <= max_rank), over 20,000 drawn names."""
    rng = random.Random(0)
    experiment = re.compile(experiments.experiment_pattern(max_rank=MAX_RANK))
    neighbors = re.compile(experiments.neighbors_pattern())
    accepted = 0
    for _ in range(20_000):
        name = _experiment_candidate(rng)
        parsed = _parses(experiments.parse, name) and (experiments.parse(name).M or 0) <= MAX_RANK
        assert bool(experiment.fullmatch(name)) == parsed, name
        accepted += parsed
        meta = _neighbors_candidate(rng)
        assert bool(neighbors.fullmatch(meta)) == _parses(experiments.parse_neighbors, meta), meta
    assert accepted > 2_000  # the draw reaches well into the grammar


def test_kind_patterns_accept_only_their_kind():
    names = [
        "visual",
        "upper",
        "knn",
        "tagonly-tau5",
        "nbrvote-sets-M6",
        "nbr-sets-m3-M6",
        "nbr-tags-tau5-m3-M6-tagvec",
    ]
    trained = re.compile(experiments.experiment_pattern(*experiments.TRAINED, max_rank=MAX_RANK))
    for name in names:
        assert bool(trained.fullmatch(name)) == experiments.parse(name).trained, name
    vote = re.compile(experiments.experiment_pattern("nbrvote", max_rank=MAX_RANK))
    assert [name for name in names if vote.fullmatch(name)] == ["nbrvote-sets-M6"]
    metadata = re.compile(experiments.neighbors_pattern(*experiments.METADATA_KINDS))
    assert metadata.fullmatch("tagsplit5-overlap0") and not metadata.fullmatch("visual-resnet50")


def test_every_name_the_constructors_make_matches_the_pattern():
    experiment = re.compile(experiments.experiment_pattern(max_rank=MAX_RANK))
    neighbors = re.compile(experiments.neighbors_pattern())
    metas = [
        experiments.tag_neighbors(5000),
        experiments.SETS,
        experiments.GROUPS,
        experiments.tag_split(2000, 0),
        experiments.tag_split(2000, 100),
        experiments.visual_neighbors("efficientnet_lite0"),
    ]
    made = [experiments.VISUAL, experiments.UPPER, experiments.KNN, experiments.tag_only(300)]
    for meta, M in itertools.product(metas, range(1, MAX_RANK + 1)):
        assert neighbors.fullmatch(meta)
        made.append(experiments.neighborhood_vote(meta, M))
        made += [experiments.neighborhood(meta, m, M) for m in range(1, M + 1)]
    made.append(experiments.neighborhood(experiments.tag_neighbors(7), 2, 4, tag_vector=True))
    curved = [experiments.VISUAL, made[-1], experiments.neighborhood_vote(experiments.SETS, 6)]
    made += [experiments.on_fraction(name, p) for name in curved for p in (1, 10, 99, 100)]
    made += [experiments.tuned(experiments.on_fraction(made[-8], 25)), experiments.tuned(made[-8])]
    for name in made:
        assert experiment.fullmatch(name), name
    with pytest.raises(ValueError):
        experiments.neighborhood(experiments.SETS, 4, 3)


def test_learning_curve_names():
    assert experiments.on_fraction("nbr-sets-m3-M6", 25) == "nbr-sets-m3-M6-train25"
    assert experiments.on_fraction("nbr-sets-m3-M6-train25", 100) == "nbr-sets-m3-M6"
    assert (
        experiments.tuned("nbr-tags-tau5-m3-M6-tagvec-train10") == "nbr-tags-tau5-m3-M6-tagvec-tuned-train10"
    )
    assert experiments.visual_twin("nbrvote-sets-M6-train10") == "visual-train10"
    assert experiments.visual_twin("nbrvote-sets-M6") == "visual"
    parsed = experiments.parse("nbr-tags-tau5-m3-M6-tuned-train50")
    assert (parsed.tuned, parsed.train, parsed.m, parsed.M) == (True, 50, 3, 6)
    with pytest.raises(ValueError, match="learning curves train"):
        experiments.on_fraction("knn", 10)
    with pytest.raises(ValueError, match="only the neighborhood model is tuned"):
        experiments.tuned("visual")
    for bad in (
        "visual-train100",
        "visual-train0",
        "nbr-sets-m3-M6-train10-tuned",
        "upper-train10",
        "visual-tuned",
    ):
        with pytest.raises(ValueError):
            experiments.parse(bad)
