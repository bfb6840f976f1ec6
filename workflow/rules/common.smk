from neighborhoods import experiments, paper
from neighborhoods.experiments import FIT_KEYS

DATASET = config["dataset"]
RESULTS = f"results/{DATASET}"
LOGS = f"logs/{DATASET}"
SPLITS = list(range(config["splits"]["count"]))
SWEEP_SPLITS = SPLITS[: config["sweeps"]["splits"]]
BACKBONE = config["features"]["backbone"]
MODEL = config["model"]
TAGS = f"tags-tau{config['neighbors']['tau']}"
# The user's NUS-WIDE image folder, or where images are generated or downloaded to.
IMAGE_ROOT = (
    DATASET == "nuswide" and config["nuswide"]["images"]
) or f"{RESULTS}/images"
VISUAL = f"visual-{BACKBONE}"
# Metadata kinds as the paper names them, and the neighbors folder of each.
META = {"tags": TAGS, "sets": "sets", "groups": "groups"}


def nbr(meta, m=MODEL["m"], M=MODEL["M"], tag_vector=False):
    """The neighborhood model's experiment name, at the config's m and M by default."""
    return experiments.neighborhood(meta, m, M, tag_vector)


def split_runs(experiment, name, splits=SPLITS):
    """One file per split of an experiment's run folder."""
    return expand(f"{RESULTS}/runs/{experiment}/split{{k}}/{name}", k=splits)


def data_inputs(k):
    """What every model or baseline reads for split k."""
    return {
        "images": f"{RESULTS}/data/images.parquet",
        "concepts": f"{RESULTS}/data/concepts.txt",
        "split": f"{RESULTS}/splits/split{k}.parquet",
        "features": f"{RESULTS}/features/{BACKBONE}.parquet",
    }


def run_inputs(wildcards):
    """Data for a run; neighbors when the experiment uses them (at test time, those of
    the `meta` wildcard where there is one: Table 4 tests with other metadata)."""
    inputs = data_inputs(wildcards.k)
    meta = wildcards.get("meta") or experiments.parse(wildcards.experiment).meta
    if meta is not None:
        inputs["neighbors"] = f"{RESULTS}/neighbors/{meta}/split{wildcards.k}.parquet"
    return inputs


def table_inputs(rows):
    """Inputs of a table: row{i} holds the i-th row's metrics files."""
    return {f"row{i}": files for i, (_, files, _) in enumerate(rows)}


def table_params(rows):
    """(label, paper's numbers) per row, in the order of table_inputs."""
    return [(label, numbers) for label, _, numbers in rows]


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
