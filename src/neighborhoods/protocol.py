"""The paper's protocol as data: each table's rows, each sweep's points, what each target runs.

Everything here is a function of the config and of which kinds of metadata the inputs hold;
the Snakemake rules only turn it into paths.
A row or point names an experiment and the run file it reads (`metrics.json`, or the
`test-<neighbors>/metrics.json` of a model tested with neighbors from other metadata), so no
file is matched to a row by position and no display label is ever parsed.
"""

from dataclasses import asdict, dataclass, field, replace

from neighborhoods import experiments
from neighborhoods.reporting import paper

# Metadata kinds as the paper names them (Tables 3 and 4).
METADATA = ("tags", "sets", "groups")
SINGULAR = {"tags": "tag", "sets": "set", "groups": "group", "galleries": "gallery"}
# The targets of `all`: every table and figure of the paper, and the neighbors table.
ALL = ("table2", "table3", "table4", "comparison", "neighbors_summary", *(f"fig{n}" for n in range(3, 9)))


def run_file(test_neighbors: str | None = None, name: str = "metrics.json") -> str:
    """A file of a run folder: the run's own, or that of its test with other neighbors."""
    if test_neighbors is None:
        return name
    return f"test-{test_neighbors}/{name}"


@dataclass(frozen=True)
class Comparison:
    """Two experiments compared split by split (tables/comparison)."""

    label: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class Row:
    key: str  # unique within its table; names the row's input files
    label: str
    experiment: str
    paper: dict = field(default_factory=dict)  # the paper's numbers by metric
    test_neighbors: str | None = None  # None: the neighbors the model was trained with
    train: str | None = None  # Table 4: the metadata kind trained with ...
    test: str | None = None  # ... and the one tested with

    @property
    def metrics(self) -> str:
        return run_file(self.test_neighbors)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    metrics: tuple[str, ...]
    rows: tuple[Row, ...]
    layout: str = "rows"  # "rows", or "matrix": train kind x test kind of one metric
    quoted: dict = field(default_factory=dict)  # rows the paper quotes from other work

    def as_dict(self) -> dict:
        """Plain values, which Snakemake compares between runs (a changed row reruns the table)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Table":
        rows = tuple(Row(**row) for row in values["rows"])
        return cls(**{**values, "rows": rows, "metrics": tuple(values["metrics"])})


@dataclass(frozen=True)
class Point:
    """One point of a sweep: the swept value, and the run file that measures it (on the first
    `splits` splits, for the learning curves; None: the sweep's own)."""

    value: int
    experiment: str
    test_neighbors: str | None = None
    splits: int | None = None

    @property
    def metrics(self) -> str:
        return run_file(self.test_neighbors)


class Protocol:
    """The experiments of Tables 2-4 and Figures 3-8 at one config, less what needs metadata
    the inputs lack: `missing` maps a kind to why it is missing (naming the input), `names` a
    kind to what stands in for it (src/neighborhoods/ingestion/sources.py)."""

    def __init__(
        self, config: dict, missing: dict[str, str] | None = None, names: dict[str, str] | None = None
    ):
        self.missing, self.names = dict(missing or {}), dict(names or {})
        self.left_out: list[str] = []  # what needs a missing kind, as the dry run lists it
        self.control = config.get("dataset") == "control"
        self.split_count = config.get("splits", {}).get("count")
        model, sweeps = config["model"], config["sweeps"]
        self.m, self.M = model["m"], model["M"]
        self.tau = config["neighbors"]["tau"]
        self.neighbors = {
            "tags": experiments.tag_neighbors(self.tau),
            "sets": experiments.SETS,
            "groups": experiments.GROUPS,
            "visual": experiments.visual_neighbors(config["features"]["backbone"]),
        }
        self.visual = experiments.VISUAL
        self.tag_model = self.model("tags")
        self.tables = {
            table.name: self._available(table) for table in (self._table2(), self._table3(), self._table4())
        }
        # The kinds whose neighbors Fig. 6 and the neighbors table show.
        self.shown_neighbors = {
            kind: meta for kind, meta in self.neighbors.items() if kind not in self.missing
        }
        self.left_out += [
            f"the {kind} curve of Fig. 6 and row of the neighbors table" for kind in self.missing
        ]
        self.sweeps = self._sweeps(sweeps)
        self.overlaps = self._overlaps(sweeps)
        self.curves = self._curves(config["curves"])
        self.comparisons = self._comparisons()
        # What `all` builds (Snakefile): the targets whose experiments need no missing kind.
        self.in_all = [target for target in ALL if not self._lacks(target)]
        self.left_out += [target for target in ALL if target not in self.in_all]

    def model(
        self, kind: str, *, m: int | None = None, M: int | None = None, tag_vector: bool = False
    ) -> str:
        """The neighborhood model with neighbors of `kind`, at the config's m and M by default."""
        m, M = self.m if m is None else m, self.M if M is None else M
        return experiments.neighborhood(self.neighbors[kind], m, M, tag_vector)

    def _table2(self) -> Table:
        rows = (
            Row("upper", "Upper bound", experiments.UPPER),
            Row("tagonly", "Tag-only + logistic", experiments.tag_only(self.tau)),
            Row("knn", "CNN + kNN voting", experiments.KNN),
            Row("visual", "CNN + logistic (visual only)", self.visual),
            Row(
                "nbrvote",
                "Image neighborhoods + CNN voting",
                experiments.neighborhood_vote(self.neighbors["tags"], self.M),
            ),
            Row("nbr-tags", "Our model: tag neighbors", self.tag_model),
            Row(
                "nbr-tags-tagvec",
                "Our model: tag neighbors + tag vector",
                self.model("tags", tag_vector=True),
            ),
        )
        return Table(
            "table2",
            "Table 2: all methods on the test subsets (precision and recall at 3 labels per image)",
            paper.METRICS,
            tuple(replace(row, paper=paper.TABLE2[row.key]) for row in rows),
            quoted=paper.TABLE2_QUOTED,
        )

    def _table3(self) -> Table:
        rows = [
            Row("none", "none (CNN + logistic)", self.visual),
            Row("visual", "visual neighbors (L2 on CNN features)", self.model("visual")),
            *[
                Row(kind, self._neighbors_label(kind), self.model(kind))
                for kind in ("groups", "sets", "tags")
            ],
        ]
        return Table(
            "table3",
            "Table 3: the model with neighbors from different metadata",
            ("mAP_L", "mAP_I"),
            tuple(replace(row, paper=paper.TABLE3[row.key]) for row in rows),
        )

    def _table4(self) -> Table:
        rows = tuple(
            Row(
                f"{train}-{test}",
                f"{self.name(train)} → {self.name(test)}",
                self.model(train),
                {"mAP_L": paper.TABLE4[train][test]},
                test_neighbors=None if train == test else self.neighbors[test],
                train=self.name(train),
                test=self.name(test),
            )
            for train in METADATA
            for test in METADATA
        )
        return Table(
            "table4",
            "Table 4: mAP_L, trained with one metadata and tested with another",
            ("mAP_L",),
            rows,
            layout="matrix",
        )

    def _sweeps(self, sweeps: dict) -> dict[str, tuple[Point, ...]]:
        """Fig. 7: each hyperparameter swept with the others at the config's values; where the
        swept M is below the config's m, m is lowered to M."""
        tags = self.neighbors["tags"]
        return {
            "m": tuple(Point(m, experiments.neighborhood(tags, m, self.M)) for m in sweeps["m"]),
            "M": tuple(Point(M, experiments.neighborhood(tags, min(self.m, M), M)) for M in sweeps["M"]),
            "tau": tuple(
                Point(tau, experiments.neighborhood(experiments.tag_neighbors(tau), self.m, self.M))
                for tau in sweeps["tau"]
            ),
        }

    def _overlaps(self, sweeps: dict) -> tuple[Point, ...]:
        """Fig. 8: the training vocabulary (hence the train and val neighbors) is the same at
        every overlap, so one model, named after overlap 100, is tested with each overlap's
        test neighbors."""
        size = sweeps["vocabulary"]
        trained = experiments.tag_split(size, 100)
        model = experiments.neighborhood(trained, self.m, self.M)
        return tuple(
            Point(p, model, None if p == 100 else experiments.tag_split(size, p)) for p in sweeps["overlap"]
        )

    def curve_methods(self) -> dict[str, str]:
        """Every method a learning curve can show, by key (`curves.methods`), at 100%. Voting
        appears in the paper's form (logits) and tuned (logits or probabilities, chosen on
        validation); the image path alone tells what the hidden layer adds without neighbors;
        the variants diagnose the model's neighbor branch; the oracle is the control's ceiling."""
        tags = self.neighbors["tags"]
        vote = experiments.neighborhood_vote(tags, self.M)
        return {
            "visual": self.visual,
            "imagepath": experiments.IMAGE_PATH,
            "vote_logits": experiments.neighborhood_vote(tags, self.M, logits=True),
            "nbrvote": vote,
            "vote_perlabel": experiments.variant(vote, "perlabel"),
            "vote_nbronly": experiments.variant(vote, "nbronly"),
            "model": self.tag_model,
            "tuned": experiments.tuned(self.tag_model),
            **{
                f"model_{name.replace('-', '_')}": experiments.variant(self.tag_model, name)
                for name in experiments.MODEL_VARIANTS
            },
            "oracle": experiments.oracle(tags, self.M),
        }

    def _curves(self, curves: dict) -> dict[str, tuple[Point, ...]]:
        """The learning curves: each method of `curves.methods` at each percent of the training
        images, on the first `curves.splits` splits (one count, or one per fraction in the
        order of `curves.fractions`). The oracle trains nothing: it is the same at every percent."""
        fractions, splits = curves["fractions"], curves["splits"]
        if isinstance(splits, list) and len(splits) != len(fractions):
            raise ValueError(
                f"curves.splits lists {len(splits)} counts but curves.fractions {len(fractions)} "
                "fractions: give one count, or one per fraction"
            )
        counts = splits if isinstance(splits, list) else [splits] * len(fractions)
        splits = dict(zip(fractions, counts, strict=True))
        if self.split_count is not None:  # at most every split
            splits = {p: min(count, self.split_count) for p, count in splits.items()}
        names = self.curve_methods()
        if "oracle" in curves["methods"] and not self.control:
            raise ValueError(
                "curves.methods holds oracle, which needs the parameters the control planted: "
                "dataset control only"
            )
        return {
            method: tuple(
                Point(
                    p,
                    names[method] if method == "oracle" else experiments.on_fraction(names[method], p),
                    splits=splits[p],
                )
                for p in sorted(fractions)
            )
            for method in curves["methods"]
        }

    def _comparisons(self) -> tuple[Comparison, ...]:
        """The question Table 2 is read for: does the model beat its simple baselines? On the
        control, also: how far is each from the oracle, and does voting need an alpha per label?"""
        vote = experiments.neighborhood_vote(self.neighbors["tags"], self.M)
        control = ()
        if self.control:
            oracle = experiments.oracle(self.neighbors["tags"], self.M)
            control = (
                Comparison("oracle − our model", oracle, self.tag_model),
                Comparison("oracle − image neighborhoods + CNN voting", oracle, vote),
                Comparison(
                    "our model − voting with alpha per label",
                    self.tag_model,
                    experiments.variant(vote, "perlabel"),
                ),
            )
        return (
            Comparison("our model − image neighborhoods + CNN voting", self.tag_model, vote),
            Comparison("our model − visual only", self.tag_model, self.visual),
            Comparison("image neighborhoods + CNN voting − visual only", vote, self.visual),
            Comparison(
                "our model, training neighbors from test-sized pools − our model",
                experiments.neighborhood(experiments.pooled(self.neighbors["tags"]), self.m, self.M),
                self.tag_model,
            ),
            Comparison(
                "our model, training neighbors from test-sized pools − image neighborhoods + CNN voting",
                experiments.neighborhood(experiments.pooled(self.neighbors["tags"]), self.m, self.M),
                vote,
            ),
            Comparison(
                "our model + tag vector − tag only",
                self.model("tags", tag_vector=True),
                experiments.tag_only(self.tau),
            ),
        ) + control

    def experiments(self, target: str) -> list[str]:
        """The experiments a table or figure reads, in order, each once."""
        if target in self.tables:
            names = [row.experiment for row in self.tables[target].rows]
        elif target == "fig7":
            names = [point.experiment for points in self.sweeps.values() for point in points] + [self.visual]
        elif target == "fig8":
            names = [point.experiment for point in self.overlaps] + [self.visual]
        elif target in ("fig3", "fig4", "fig5"):
            names = [self.tag_model] + ([self.visual] if target != "fig3" else [])
        elif target in ("fig6", "neighbors_summary"):
            names = []
        elif target == "comparison":
            names = [name for c in self.comparisons for name in (c.ours, c.theirs)]
        elif target == "learning_curves":
            names = [point.experiment for points in self.curves.values() for point in points]
        else:
            raise ValueError(f"unknown target {target!r}")
        return list(dict.fromkeys(names))

    def other_neighbor_tests(self) -> dict[str, list[str]]:
        """Each model tested with neighbors other than its own (Table 4, Fig. 8), with those
        neighbors in order: one job per model and split tests with them all."""
        tests: dict[str, list[str]] = {}
        for item in (*self.tables["table4"].rows, *self.overlaps):
            if item.test_neighbors is not None and item.test_neighbors not in tests.get(item.experiment, []):
                tests.setdefault(item.experiment, []).append(item.test_neighbors)
        return tests

    def name(self, kind: str) -> str:
        """What the tables call a kind of metadata: its own name, or what stands in for it."""
        return self.names.get(kind, kind)

    def _neighbors_label(self, kind: str) -> str:
        """Table 3's row: 'set neighbors', or 'gallery neighbors (in place of sets)'."""
        label = f"{SINGULAR[self.name(kind)]} neighbors"
        return label + (f" (in place of {kind})" if kind in self.names else "")

    def _kinds(self, experiment: str, test_neighbors: str | None = None) -> set[str]:
        """The metadata kinds an experiment reads (its neighbors, its tag vector), and those of
        the neighbors it is tested with."""
        parsed = experiments.parse(experiment)
        kinds = {"tags"} if parsed.tau is not None else set()
        for meta in (parsed.meta, test_neighbors):
            kinds |= _kind(meta) if meta is not None else set()
        return kinds

    def _available(self, table: Table) -> Table:
        """The table without the rows that need a missing kind, which are listed as left out."""
        kept = tuple(
            row
            for row in table.rows
            if not self._kinds(row.experiment, row.test_neighbors) & set(self.missing)
        )
        dropped = [f"'{row.label}'" for row in table.rows if row not in kept]
        self.left_out += [f"{table.name} rows {', '.join(dropped)}"] if dropped else []
        return replace(table, rows=kept)

    def _lacks(self, target: str) -> set[str]:
        """The missing kinds a target's experiments need."""
        return {kind for name in self.experiments(target) for kind in self._kinds(name)} & set(self.missing)

    def require(self, meta: str) -> list:
        """Nothing, for neighbors the inputs can build (an input function's empty list); refuses
        the others, naming the missing input."""
        lacking = sorted(_kind(meta) & set(self.missing))
        if lacking:
            raise ValueError(f"{meta} neighbors cannot be built: {self.missing[lacking[0]]}")
        return []

    def left_out_message(self) -> str:
        """The one message the dry run gives for what the inputs cannot build ('' if nothing)."""
        if not self.missing:
            return ""
        return (
            f"The inputs hold {'; and '.join(self.missing.values())}. "
            f"Left out of `all`, and refused if asked for: {'; '.join(self.left_out)}."
        )


def _kind(meta: str) -> set[str]:
    """The metadata kind a neighbors name is ranked by (none for visual neighbors)."""
    kind = experiments.parse_neighbors(meta).kind
    return {"tagsplit": {"tags"}, "visual": set()}.get(kind, {kind})
