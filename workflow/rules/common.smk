from snakemake.logging import logger

from neighborhoods import experiments, protocol
from neighborhoods.generated import control
from neighborhoods.ingestion import sources
from neighborhoods.settings import TrainingSettings

DATASET = config["dataset"]
# Two configs of one dataset keep apart by their name (config/curves.yaml's is "curves").
RUN_NAME = config["name"] or DATASET
RESULTS = f"results/{RUN_NAME}"
LOGS = f"logs/{RUN_NAME}"
SPLITS = list(range(config["splits"]["count"]))
SWEEP_SPLITS = SPLITS[: config["sweeps"]["splits"]]
BACKBONE = config["features"]["backbone"]
# The CNN's input size, a param of the feature rules only when set: unset, it leaves the
# features of runs made before it existed as they are.
INPUT_SIZE = (
    {"input_size": config["features"]["input_size"]}
    if config["features"]["input_size"]
    else {}
)
MAX_RANK = config["neighbors"]["max_rank"]
MODEL = config["model"]
TRAINING = TrainingSettings.from_config(config)
# Which ready job starts first (larger first): what every training waits for, then the
# trainings (the longest jobs), then the short jobs that read them, so that a run does not end
# with one long training alone on a machine. Snakemake's scheduler adds up the priorities of
# the jobs it starts together, so the features' 10 outweighs the 4 cores' worth of neighbor
# jobs (2 each) that its threads could hold instead.
PRIORITY_FEATURES = 10
PRIORITY_NEIGHBORS = 2
PRIORITY_TRAINING = 1
# The tables' rows, the sweeps' points and the experiments of each target (src/neighborhoods/protocol.py),
# less what needs metadata the inputs lack (no photo sets, say), which is said once here.
PROVIDED = sources.provided(config)
PROTOCOL = protocol.Protocol(config, PROVIDED.missing, PROVIDED.names)
# The splits the learning curves read, at the fraction that covers most of them.
CURVE_SPLITS = SPLITS[
    : max(point.splits for points in PROTOCOL.curves.values() for point in points)
]
if PROTOCOL.missing:
    logger.warning(PROTOCOL.left_out_message())
# The neighbors of each kind of metadata (tags, sets, groups) and of the backbone's features.
NEIGHBORS = PROTOCOL.neighbors
# The user's NUS-WIDE image folder, or where images are generated or downloaded to.
IMAGE_ROOT = (
    DATASET == "nuswide" and config["nuswide"]["images"]
) or f"{RESULTS}/images"
# Features extracted elsewhere (features.import), or the control's generated features; with no
# image folder either, no image is downloaded, checked or read, and the figures that show photos
# draw placeholders.
CONTROL = DATASET == "control"
PLANTED = f"{RESULTS}/data/{control.PLANTED_FILE}"
IMPORTED = (
    f"{RESULTS}/data/{control.FEATURES_FILE}"
    if CONTROL
    else config["features"]["import"]
)
WITHOUT_IMAGES = bool(IMPORTED) and not config["nuswide"]["images"]


def run_file(experiment, name, k):
    """A file of one split's run folder of an experiment."""
    return f"{RESULTS}/runs/{experiment}/split{k}/{name}"


def split_runs(experiment, name, splits=SPLITS):
    """One file per split of an experiment's run folder."""
    return [run_file(experiment, name, k) for k in splits]


def neighbors_file(meta, k):
    return f"{RESULTS}/neighbors/{meta}/split{k}.parquet"


def data_inputs(k):
    """What every model or baseline reads for split k."""
    return {
        "images": f"{RESULTS}/data/images.parquet",
        "concepts": f"{RESULTS}/data/concepts.txt",
        "split": f"{RESULTS}/splits/split{k}.parquet",
        "features": f"{RESULTS}/features/{BACKBONE}.parquet",
        # Memory-mapped by the jobs in place of decoding the Parquet file (rule feature_matrix).
        "matrix": f"{RESULTS}/features/{BACKBONE}.npy",
    }


def run_inputs(wildcards):
    """Data for a run; neighbors when the experiment uses them (at test time, those of
    the `meta` wildcard where there is one: Table 4 tests with other metadata)."""
    inputs = data_inputs(wildcards.k)
    meta = wildcards.get("meta") or experiments.parse(wildcards.experiment).meta
    if meta is not None:
        inputs["neighbors"] = neighbors_file(meta, wildcards.k)
    return inputs


def table_inputs(table):
    """Each row's metrics files over the splits, named by the row's key."""
    return {row.key: split_runs(row.experiment, row.metrics) for row in table.rows}


def sweep_inputs(name, points):
    """Each point's metrics files over the sweep splits, named `<name>_<value>`."""
    return {
        f"{name}_{point.value}": split_runs(
            point.experiment, point.metrics, SWEEP_SPLITS
        )
        for point in points
    }


def table_outputs(name):
    """Markdown (in the report), CSV and LaTeX of one table."""
    return {
        "markdown": report(
            f"{RESULTS}/tables/{name}.md",
            caption=f"../report/{name}.rst",
            category="Tables",
            subcategory=name,
        ),
        "csv": f"{RESULTS}/tables/{name}.csv",
        "latex": f"{RESULTS}/tables/{name}.tex",
    }


def figure_outputs(name):
    """PNG (in the report) and PDF of one figure."""
    return {
        "png": report(
            f"{RESULTS}/figures/{name}.png",
            caption=f"../report/{name}.rst",
            category="Figures",
            subcategory=name,
        ),
        "pdf": f"{RESULTS}/figures/{name}.pdf",
    }


def doc_tables():
    """The markdown table of each of config docs.targets that has one (rule docs)."""
    outputs = {
        target: getattr(rules, target).output for target in config["docs"]["targets"]
    }
    return {
        target: output.get("markdown") or output.get("table_markdown")
        for target, output in outputs.items()
        if output.get("markdown") or output.get("table_markdown")
    }


def doc_figures():
    """The figure of each of config docs.targets that has one (rule docs)."""
    outputs = {
        target: getattr(rules, target).output for target in config["docs"]["targets"]
    }
    return {
        target: output.png for target, output in outputs.items() if output.get("png")
    }


# What a run folder's job writes beside its metrics.json, which records where the job ran.
RUN_FILES = ("metrics.json", "scores.parquet", "history.parquet", "model.pt")


def doc_runs():
    """The metrics.json of every run behind config docs.targets' tables and figures (rule
    docs): the results page states their provenance, from the runs' own files."""
    runs = set()
    for target in config["docs"]["targets"]:
        for path in getattr(rules, target).input:
            if not isinstance(path, str) or not path.startswith(f"{RESULTS}/runs/"):
                continue
            folder, _, name = path.rpartition("/")
            if name in RUN_FILES:
                runs.add(f"{folder}/metrics.json")
    return sorted(runs)
