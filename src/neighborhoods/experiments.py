"""Experiment and neighbors names: the one grammar that paths, rules and scripts share.

A name is one readable path component that says how a result was built.

| experiment                    | method                                                    |
| ----------------------------- | --------------------------------------------------------- |
| `visual`                      | CNN + logistic (visual only)                              |
| `upper`                       | logistic on the ground-truth label vector (upper bound)   |
| `tagonly-tau<N>`              | logistic on the binary vector of the N top training tags  |
| `knn`                         | CNN + kNN voting                                          |
| `nbrvote-<neighbors>-M<M>`    | image neighborhoods + CNN voting over the M nearest       |
| `nbrvote-...-logits`          | the same, averaged in logits only (the paper's form)      |
| `imagepath`                   | the neighborhood model's image path alone (no neighbors)  |
| `nbr-<neighbors>-m<m>-M<M>`   | the neighborhood model: m of the M nearest per sample     |
| `nbr-tags-tau<N>-...-tagvec`  | the same with the image's tag vector in the hidden state  |
| `nbr-...-tuned`               | hidden size and L2 chosen on validation from a small grid |
| `nbr-...-nbronly`             | the model without its image branch: W_y v_z alone         |
| `nbr-...-meanpool`            | v_z the mean over the neighborhood instead of the max     |
| `nbr-...-zinit-imagepath`     | W_z, b_z started from the trained image path's W_x, b_x   |
| `nbr-...-zinit-visual`        | W_z's first L rows started from the visual-only classifier |
| `nbrvote-...-perlabel`        | voting with its mix alpha chosen per label on validation  |
| `nbrvote-...-nbronly`         | voting with alpha = 1: the neighbors' visual scores alone |
| `oracle-<neighbors>-M<M>`     | the control's posterior from its planted parameters       |
| `<visual, imagepath, nbrvote, nbr>-train<P>` | trained on P% (1..99) of the labelled training images |

| neighbors                     | ranked by                                                 |
| ----------------------------- | --------------------------------------------------------- |
| `tags-tau<N>`                 | Jaccard over the N most frequent training tags            |
| `sets`, `groups`              | Jaccard over every photo set / group                      |
| `<tags, sets, groups>-pooled` | the same, training images ranked within pools the test subset's size |
| `tagsplit<N>-overlap<P>`      | Fig. 8: the top N tags split in two vocabularies, P% shared (P in 0..100) |
| `visual-<backbone>`           | L2 distance of the backbone's CNN features                |

Numbers are written without leading zeros, and 1 <= m <= M. `parse` and `parse_neighbors`
read names; the constructors below write them; `experiment_pattern` and `neighbors_pattern`
are the regular expressions of the same grammar for Snakemake's wildcard constraints. Those
take the largest M (the neighbors stored per image), so that m <= M <= max_rank is part of the
pattern and every name a rule accepts also parses.
"""

import re
from dataclasses import dataclass, replace

POSITIVE = r"[1-9][0-9]*"
PERCENT = r"100|[1-9]?[0-9]"
FRACTION = r"[1-9][0-9]?"  # a training fraction in percent, 1..99 (100 is written as no suffix)
TRAIN = rf"(?:-train(?P<train>{FRACTION}))?"
CURVED = ("visual", "imagepath", "nbrvote", "neighborhood")  # the kinds a learning curve trains on fractions
BACKBONE = r"[a-z0-9_]+"

# Neighbors names; named groups are the parameters.
POOLED = r"(?P<pooled>-pooled)?"  # training images ranked within pools the test subset's size
_NEIGHBORS = {
    "tags": rf"tags-tau(?P<tau>{POSITIVE}){POOLED}",
    "sets": rf"sets{POOLED}",
    "groups": rf"groups{POOLED}",
    "tagsplit": rf"tagsplit(?P<size>{POSITIVE})-overlap(?P<overlap>{PERCENT})",
    "visual": rf"visual-(?P<backbone>{BACKBONE})",
}
METADATA_KINDS = ("tags", "sets", "groups", "tagsplit")  # ranked by Jaccard over metadata

# Models trained by the shared recipe, and what each reads as its input.
TRAINED = {
    "visual": "features",
    "upper": "labels",
    "tagonly": "tags",
    "imagepath": "features",
    "neighborhood": "features",
}
KINDS = ("visual", "upper", "knn", "tagonly", "imagepath", "nbrvote", "neighborhood", "oracle")
# Named experiments next to the paper's rows, never in place of them: how the model's neighbor
# branch starts or pools, or what it is without its image branch; how voting mixes.
MODEL_VARIANTS = ("nbronly", "meanpool", "zinit-imagepath", "zinit-visual")
VOTE_VARIANTS = ("perlabel", "nbronly")
# The trained model a variant's W_z starts from (same split, same fraction).
STARTS_FROM = {"zinit-imagepath": "imagepath", "zinit-visual": "visual"}


def _variants(names: tuple[str, ...]) -> str:
    return "(?:-(?P<variant>" + "|".join(re.escape(name) for name in names) + "))?"


def _plain(pattern: str) -> str:
    """The pattern without its named groups (Snakemake wraps constraints in groups of its own)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _any_neighbors(named: bool, kinds=tuple(_NEIGHBORS)) -> str:
    pattern = "|".join(f"(?:{_NEIGHBORS[kind]})" for kind in kinds)
    return pattern if named else _plain(pattern)


def at_most(n: int) -> str:
    """A regex of the integers 1..n written without leading zeros (n >= 1)."""
    digits = str(n)
    parts = ["[1-9]" + "[0-9]" * (width - 1) for width in range(1, len(digits))]
    for i, digit in enumerate(digits):  # same width as n: n's prefix, then a smaller digit
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(digits[:i] + f"[{low}-{int(digit) - 1}]" + "[0-9]" * (len(digits) - i - 1))
    return "|".join([*parts, digits])


def _pairs(max_rank: int) -> str:
    """`m<m>-M<M>` with 1 <= m <= M <= max_rank."""
    return "|".join(f"m(?:{at_most(M)})-M{M}" for M in range(1, max_rank + 1))


_EXPERIMENTS = {
    "visual": rf"visual{TRAIN}",
    "upper": r"upper",
    "knn": r"knn",
    "tagonly": rf"tagonly-tau(?P<tau>{POSITIVE})",
    "imagepath": rf"imagepath{TRAIN}",
    "nbrvote": (
        rf"nbrvote-(?P<meta>{_any_neighbors(named=False)})-M(?P<M>{POSITIVE})(?P<logits>-logits)?"
        rf"{_variants(VOTE_VARIANTS)}{TRAIN}"
    ),
    "neighborhood": (
        rf"nbr-(?P<meta>{_any_neighbors(named=False)})-m(?P<m>{POSITIVE})-M(?P<M>{POSITIVE})"
        rf"(?P<tagvec>-tagvec)?(?P<tuned>-tuned)?{_variants(MODEL_VARIANTS)}{TRAIN}"
    ),
    "oracle": rf"oracle-(?P<meta>{_any_neighbors(named=False)})-M(?P<M>{POSITIVE})",
}


def neighbors_pattern(*kinds: str) -> str:
    """The wildcard constraint for neighbors names of the given kinds (default: all)."""
    return _any_neighbors(named=False, kinds=kinds or tuple(_NEIGHBORS))


def experiment_pattern(*kinds: str, max_rank: int) -> str:
    """The wildcard constraint for experiment names of the given kinds (default: all)."""
    neighbors = neighbors_pattern()
    train = _plain(TRAIN)
    model_variants, vote_variants = _plain(_variants(MODEL_VARIANTS)), _plain(_variants(VOTE_VARIANTS))
    strict = {
        "nbrvote": rf"nbrvote-(?:{neighbors})-M(?:{at_most(max_rank)})(?:-logits)?{vote_variants}{train}",
        "neighborhood": (
            rf"nbr-(?:{neighbors})-(?:{_pairs(max_rank)})(?:-tuned)?{model_variants}{train}"
            rf"|nbr-(?:{neighbors_pattern('tags')})-(?:{_pairs(max_rank)})-tagvec(?:-tuned)?"
            rf"{model_variants}{train}"
        ),
        "oracle": rf"oracle-(?:{neighbors})-M(?:{at_most(max_rank)})",
    }
    return "|".join(f"(?:{strict.get(kind) or _plain(_EXPERIMENTS[kind])})" for kind in kinds or KINDS)


@dataclass(frozen=True)
class Neighbors:
    kind: str
    tau: int | None = None  # tags: vocabulary size
    size: int | None = None  # tagsplit: top tags split in two
    overlap: int | None = None  # tagsplit: percent shared
    backbone: str | None = None  # visual
    pooled: bool = False  # training images ranked within pools the test subset's size

    @property
    def name(self) -> str:
        base = {
            "tags": f"tags-tau{self.tau}",
            "tagsplit": f"tagsplit{self.size}-overlap{self.overlap}",
            "visual": f"visual-{self.backbone}",
        }.get(self.kind, self.kind)
        return base + "-pooled" * self.pooled

    @property
    def params(self) -> dict:
        """The parameters the name carries, by field name."""
        fields = {"tau": self.tau, "size": self.size, "overlap": self.overlap, "backbone": self.backbone}
        return {key: value for key, value in fields.items() if value is not None} | (
            {"pooled": True} if self.pooled else {}
        )


def parse_neighbors(name: str) -> Neighbors:
    for kind, pattern in _NEIGHBORS.items():
        match = re.fullmatch(pattern, name)
        if match:
            fields = {k: int(v) if v.isdigit() else v for k, v in match.groupdict().items() if v}
            return Neighbors(kind, **{**fields, "pooled": "pooled" in fields})
    raise ValueError(
        f"unknown neighbors {name!r}; accepted: 'tags-tau<N>' (N a positive integer, e.g. "
        "'tags-tau5000'), 'sets', 'groups' (each with an optional '-pooled'), "
        "'tagsplit<N>-overlap<P>' (P in 0..100), 'visual-<backbone>'"
    )


@dataclass(frozen=True)
class Experiment:
    model: str
    meta: str | None = None  # neighbors name
    m: int | None = None
    M: int | None = None
    tag_vector: bool = False
    tau: int | None = None  # tag vocabulary of the tag vector (tagonly, -tagvec)
    tuned: bool = False  # hidden size and L2 chosen on validation (the neighborhood model)
    train: int = 100  # percent of the labelled training images it learns from
    logits: bool = False  # voting averages logits only, as the paper does (else chosen on val)
    variant: str | None = None  # of MODEL_VARIANTS (the model) or VOTE_VARIANTS (voting)

    @property
    def name(self) -> str:
        if self.model == "tagonly":
            return f"tagonly-tau{self.tau}"
        suffix = (
            "-tuned" * self.tuned
            + (f"-{self.variant}" if self.variant else "")
            + (f"-train{self.train}" if self.train < 100 else "")
        )
        if self.model == "nbrvote":
            return f"nbrvote-{self.meta}-M{self.M}" + "-logits" * self.logits + suffix
        if self.model == "neighborhood":
            return f"nbr-{self.meta}-m{self.m}-M{self.M}" + "-tagvec" * self.tag_vector + suffix
        if self.model == "oracle":
            return f"oracle-{self.meta}-M{self.M}" + suffix
        return self.model + suffix

    @property
    def trained(self) -> bool:
        return self.model in TRAINED


def parse(name: str) -> Experiment:
    for model, pattern in _EXPERIMENTS.items():
        match = re.fullmatch(pattern, name)
        if match:
            return _build(name, model, match.groupdict())
    raise ValueError(
        f"unknown experiment {name!r}; expected one of 'visual', 'upper', 'knn', 'tagonly-tau<N>', "
        "'imagepath', 'nbrvote-<neighbors>-M<M>[-logits]', 'nbr-<neighbors>-m<m>-M<M>[-tagvec]'"
    )


def _build(name: str, model: str, fields: dict) -> Experiment:
    m = int(fields["m"]) if fields.get("m") else None
    M = int(fields["M"]) if fields.get("M") else None
    if m is not None and not m <= M:
        raise ValueError(f"experiment {name!r}: need 1 <= m <= M, got m={m}, M={M}")
    tag_vector = bool(fields.get("tagvec"))
    tau = int(fields["tau"]) if fields.get("tau") else None
    if tag_vector:
        neighbors = parse_neighbors(fields["meta"])
        if neighbors.kind != "tags":
            raise ValueError(f"experiment {name!r}: a tag vector needs tag neighbors ('tags-tau<N>')")
        tau = neighbors.tau
    train = int(fields["train"]) if fields.get("train") else 100
    return Experiment(
        model,
        fields.get("meta"),
        m,
        M,
        tag_vector,
        tau,
        bool(fields.get("tuned")),
        train,
        bool(fields.get("logits")),
        fields.get("variant"),
    )


# Constructors: every name the pipeline writes comes from one of these.
VISUAL = "visual"
IMAGE_PATH = "imagepath"
UPPER = "upper"
KNN = "knn"
SETS = "sets"
GROUPS = "groups"


def tag_only(tau: int) -> str:
    return parse(f"tagonly-tau{tau}").name


def neighborhood_vote(meta: str, M: int, logits: bool = False) -> str:
    return parse(f"nbrvote-{meta}-M{M}" + "-logits" * logits).name


def neighborhood(meta: str, m: int, M: int, tag_vector: bool = False) -> str:
    return parse(f"nbr-{meta}-m{m}-M{M}" + ("-tagvec" if tag_vector else "")).name


def tag_neighbors(tau: int) -> str:
    return parse_neighbors(f"tags-tau{tau}").name


def pooled(meta: str) -> str:
    """The same metadata neighbors, training images ranked within pools the test subset's size."""
    return replace(parse_neighbors(meta), pooled=True).name


def tag_split(size: int, overlap: int) -> str:
    return parse_neighbors(f"tagsplit{size}-overlap{overlap}").name


def visual_neighbors(backbone: str) -> str:
    return parse_neighbors(f"visual-{backbone}").name


def on_fraction(name: str, percent: int) -> str:
    """The experiment trained on `percent` of the labelled training images (100: all of them)."""
    experiment = parse(name)
    if experiment.model not in CURVED:
        raise ValueError(f"{name!r}: learning curves train {', '.join(CURVED)}, not {experiment.model}")
    if not 1 <= percent <= 100:
        raise ValueError(f"a training fraction is a percent in 1..100, got {percent}")
    return replace(experiment, train=percent).name


def variant(name: str, which: str) -> str:
    """The model or voting experiment `name` in one of its named variants."""
    experiment = parse(name)
    allowed = {"neighborhood": MODEL_VARIANTS, "nbrvote": VOTE_VARIANTS}.get(experiment.model, ())
    if which not in allowed:
        raise ValueError(f"{name!r} has no variant {which!r}; it has {', '.join(allowed) or 'none'}")
    return replace(experiment, variant=which).name


def oracle(meta: str, M: int) -> str:
    return parse(f"oracle-{meta}-M{M}").name


def starts_from(name: str) -> str | None:
    """The trained experiment a part of this one starts from (else None): the tag-only model
    for the tag vector's weights (the one rule: a model's weights on an input that another
    trained method reads alone start from that method); the image path or visual only, on the
    same fraction, for W_z of the variants that say so."""
    experiment = parse(name)
    if experiment.model != "neighborhood":
        return None
    start = STARTS_FROM.get(experiment.variant)
    if experiment.tag_vector:
        if start is not None:
            raise ValueError(f"{name!r}: the tag vector's start and W_z's start cannot be combined")
        return tag_only(experiment.tau)
    return None if start is None else on_fraction(start, experiment.train)


def tuned(name: str) -> str:
    """The neighborhood model with its hidden size and L2 chosen on validation."""
    experiment = parse(name)
    if experiment.model != "neighborhood":
        raise ValueError(f"{name!r}: only the neighborhood model is tuned")
    return replace(experiment, tuned=True).name


def visual_twin(name: str) -> str:
    """The visual-only model a voting experiment scores with: trained on the same fraction."""
    return on_fraction(VISUAL, parse(name).train)


def labels_photos(experiment: Experiment) -> bool:
    """Whether a model can label new photos from their pixels and their own metadata: the
    visual-only model, or the neighborhood model with tag, set or group neighbors."""
    if experiment.model == "visual":
        return True
    return experiment.model == "neighborhood" and parse_neighbors(experiment.meta).kind in (
        "tags",
        "sets",
        "groups",
    )
