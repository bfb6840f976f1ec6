"""Config checks the schema cannot state, run when the workflow loads.

Each would otherwise surface hours into a run, as Snakemake internals or a torch traceback, or
not at all (a misspelt key leaves its section at the defaults). Run at load time, `snakemake -n`
reports them. Every check raises ValueError with a message that names the config keys.
"""

import difflib
import math
import re
import shutil
import zipfile
from pathlib import Path

import yaml

from neighborhoods import experiments, parquet, splits
from neighborhoods.ingestion import photos


def unknown_keys(config: dict, schema_path: str | Path) -> None:
    """Refuse keys the schema does not know, at any depth, naming the nearest valid key.

    Run before the schema's own validation, whose message for an unknown top-level key prints
    the whole schema and suggests nothing."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    problems = list(_unknown(config, schema, ""))
    if problems:
        raise ValueError("; ".join(problems) + f" (every key is described in {schema_path})")


# Keys that an earlier config shape had, and what replaced them.
RENAMED = {
    "model.lr": "model.learning_rates (a list: one grid for every trained method)",
    "model.epochs": "model.max_epochs and model.patience (trainings stop on patience)",
    "baselines.logistic_lr": "model.learning_rates (one grid for every trained method)",
}


def _unknown(config: dict, schema: dict, prefix: str):
    known = schema.get("properties", {})
    for key, value in config.items():
        if key in known:
            if isinstance(value, dict):
                yield from _unknown(value, known[key], f"{prefix}{key}.")
        elif f"{prefix}{key}" in RENAMED:
            yield f"config key '{prefix}{key}' is now {RENAMED[f'{prefix}{key}']}"
        elif schema.get("additionalProperties", True) is False:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            yield f"unknown config key '{prefix}{key}'{hint}"


# A name that becomes a folder (results/<name>, results/annotate/<name>): one path component,
# never `.`, `..`, hidden, absolute or holding a separator, so no run writes outside the
# project's result folders.
FOLDER_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
FOLDER_NAME_RULE = (
    "a plain folder name: ASCII letters, digits, '_', '-' and '.', not starting with '.' "
    "(no '/', no '..', no absolute path)"
)
NAMED_FOLDERS = {
    "name": "the folders results/<name>/ and logs/<name>/",
    "annotate.name": "the folder results/annotate/<name>/",
}


def check_names(config: dict) -> None:
    """The names that become folders are plain single folder names (FOLDER_NAME). Run before
    the schema's validation, whose message for a pattern names neither the key nor the rule;
    values of other types are left to it."""
    annotate = config.get("annotate")
    values = {
        "name": config.get("name"),
        "annotate.name": annotate.get("name") if isinstance(annotate, dict) else None,
    }
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(
                f"{key} is {value!r}, a number: expected a folder name as text; quote it ({key}: '{value}')"
            )
        if isinstance(value, str) and not FOLDER_NAME.fullmatch(value):
            raise ValueError(
                f"{key} is {value!r}: it names {NAMED_FOLDERS[key]}, so it must be {FOLDER_NAME_RULE}"
            )


def check(config: dict) -> None:
    """Every check across keys, on the config as validated (defaults filled in)."""
    check_names(config)
    check_neighborhood_sizes(config)
    check_splits(config)
    check_nuswide(config)
    check_imported_features(config)
    check_devices(config)
    check_annotate(config)


def check_neighborhood_sizes(config: dict) -> None:
    """m <= M <= max_rank for every (m, M) an experiment uses: training draws m of the M nearest
    of the max_rank neighbors stored per image."""
    model, sweeps, max_rank = config["model"], config["sweeps"], config["neighbors"]["max_rank"]
    stored = f"neighbors.max_rank ({max_rank}), the neighbors stored per image"
    if model["m"] > model["M"]:
        raise ValueError(
            f"model.m ({model['m']}) is above model.M ({model['M']}): "
            "each neighborhood is m of the M nearest neighbors"
        )
    if model["M"] > max_rank:
        raise ValueError(
            f"model.M ({model['M']}) is above {stored}; raise neighbors.max_rank or lower model.M"
        )
    above = [str(M) for M in sweeps["M"] if M > max_rank]
    if above:
        raise ValueError(
            f"sweeps.M holds {', '.join(above)}, above {stored}; raise neighbors.max_rank or drop them"
        )
    above = [str(m) for m in sweeps["m"] if m > model["M"]]
    if above:
        raise ValueError(
            f"sweeps.m holds {', '.join(above)}, above model.M ({model['M']}): "
            "Figure 7 varies m at M = model.M"
        )


def check_splits(config: dict) -> None:
    """Every subset holds more than max_rank images, since neighbors are found within a subset and
    an image is not its own neighbor. The generated dataset's size is known now; NUS-WIDE's only
    after ingestion, so there only sizes given as counts, and fractions summing to 1 or more."""
    train, val = config["splits"]["train"], config["splits"]["val"]
    if config["dataset"] == "synthetic":
        n_images = config["synthetic"]["images"]
        try:
            sizes = dict(zip(parquet.SUBSETS, splits.subset_sizes(n_images, train, val), strict=True))
        except ValueError as error:
            raise ValueError(f"{error} (synthetic.images)") from None
        source = f" (of synthetic.images = {n_images})"
    else:
        if sum(size for size in (train, val) if isinstance(size, float)) >= 1:
            raise ValueError(f"splits: the fractions train ({train}) and val ({val}) leave no test images")
        sizes = {name: size for name, size in (("train", train), ("val", val)) if isinstance(size, int)}
        source = ""
    max_rank = config["neighbors"]["max_rank"]
    small = {name: size for name, size in sizes.items() if size <= max_rank}
    if small:
        given = ", ".join(f"{name} {size} images" for name, size in small.items())
        raise ValueError(
            f"neighbors.max_rank ({max_rank}) needs more images than that in every subset "
            "(neighbors are found "
            f"within a subset and an image is not its own neighbor), but splits.train and splits.val give "
            f"{given}{source}"
        )


def check_nuswide(config: dict) -> None:
    """The NUS-WIDE paths the rules read are set and hold no braces, which Snakemake would read as
    wildcards (the error would then be a WildcardError or a path under 'None/')."""
    if config["dataset"] != "nuswide":
        return
    from neighborhoods.ingestion import flickr

    if not config["nuswide"]["root"]:
        raise ValueError(
            "dataset is nuswide but nuswide.root is not set: set it to the NUS-WIDE release folder"
        )
    paths = {"nuswide.root": config["nuswide"]["root"], "nuswide.images": config["nuswide"]["images"]}
    if flickr.is_table(config["flickr"]["metadata"]):
        paths["flickr.metadata"] = config["flickr"]["metadata"]
    check_no_braces(paths)


def check_no_braces(paths: dict[str, str | None]) -> None:
    """Refuse a brace in a path a rule reads or writes: Snakemake reads it as a wildcard, and the
    error would be a bare WildcardError."""
    for key, path in paths.items():
        if path and ("{" in path or "}" in path):
            raise ValueError(
                f"{key} ({path!r}) holds a brace, which Snakemake reads as a wildcard in a file path; "
                "use a path without { and } (a symbolic link to it will do)"
            )


def check_imported_features(config: dict) -> None:
    """Imported features are NUS-WIDE's (their ids are its photo ids); the generated dataset
    extracts its own."""
    source = config["features"]["import"]
    if source is not None and config["dataset"] != "nuswide":
        raise ValueError(
            f"features.import is set ({source!r}) but dataset is {config['dataset']}: imported features "
            "are for dataset nuswide (their ids are NUS-WIDE photo ids); set features.import: null"
        )
    if isinstance(source, list) and not source:
        raise ValueError("features.import is an empty list: name one or more Low_Level_Features files")


NULL_WORDS = ("null", "Null", "NULL", "~", "")
TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def command_line_types(config: dict, schema_path: str | Path) -> None:
    """Give text values the types the schema states: `--config 'model={hidden: 5}'` arrives as
    the string '5' (Snakemake reads nested values with YAML's BaseLoader). A text value is read
    as YAML (and as a float where a number is expected, for 1e-3) and kept as text where the
    schema allows text, unless it is a null word where null is allowed. Run before validation,
    so a value that is no type the schema allows is refused naming its key."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    for key, value in config.items():
        if key in schema["properties"]:
            config[key] = _typed(value, schema["properties"][key], key)


def _typed(value, schema: dict, key: str):
    if isinstance(value, dict):
        known = schema.get("properties", {})
        return {k: _typed(v, known[k], f"{key}.{k}") if k in known else v for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_typed(v, items, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "type" not in schema:
        return value
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if "null" in types and value in NULL_WORDS:
        return None
    if "string" in types:
        return value
    for reading in _readings(value):
        if any(TYPES[name](reading) for name in types):
            return _typed(reading, schema, key)
    raise ValueError(f"{key} is {value!r}: expected {' or '.join(types)}")


def _readings(text: str) -> list:
    """What a command-line value may mean: its YAML reading, and a finite float."""
    readings = []
    try:
        readings.append(yaml.safe_load(text))
    except yaml.YAMLError:
        pass
    try:
        number = float(text)
    except ValueError:
        return readings
    return readings + [number] if math.isfinite(number) else readings


def check_annotate(config: dict) -> None:
    """The photo folder exists and its results folder holds no other folder's annotations, the
    sidecar exists, no path holds a brace, and the model is a checkpoint file or an experiment
    name the grammar knows."""
    section = config.get("annotate")
    if not section:
        return
    check_no_braces({f"annotate.{key}": section[key] for key in ("images", "name", "metadata", "model")})
    if not Path(section["images"]).is_dir():
        raise ValueError(f"annotate.images: {section['images']} is not a folder")
    photos.check_collection(section["images"], section["name"])
    if section["metadata"] is not None and not Path(section["metadata"]).is_file():
        raise ValueError(f"annotate.metadata: {section['metadata']} is not a file")
    model = section["model"]
    if model is not None and model.endswith(".pt"):
        if not Path(model).is_file():
            raise ValueError(f"annotate.model: checkpoint {model} not found")
        if not zipfile.is_zipfile(model):
            raise ValueError(
                f"annotate.model: {model} is not a checkpoint of this pipeline (not a file torch.save "
                "writes); name a model.pt from results/<dataset>/runs/, or an experiment"
            )
    elif model is not None:
        try:
            experiment = experiments.parse(model)
        except ValueError as error:
            raise ValueError(f"annotate.model: {error}; or a checkpoint file (.pt)") from None
        if not experiments.labels_photos(experiment):
            raise ValueError(
                f"annotate.model is {model!r}: annotating photos needs the visual-only model or a "
                "neighborhood model with tag, set or group neighbors (nbr-tags-tau<N>-m<m>-M<M>, "
                "nbr-sets-..., nbr-groups-...)"
            )
        if experiment.M is not None and experiment.M > config["neighbors"]["max_rank"]:
            raise ValueError(
                f"annotate.model is {model!r}: M={experiment.M} is above neighbors.max_rank "
                f"({config['neighbors']['max_rank']}), so no rule can train it"
            )


def check_devices(config: dict) -> None:
    """Refuse device cuda where no job can have a GPU: this machine has none and cannot submit to
    SLURM (no sbatch), so every job runs here. A cluster's login node often has no GPU while its
    nodes do; there the job itself refuses (job.device), naming the keys."""
    keys = [f"{section}.device" for section in ("features", "model") if config[section]["device"] == "cuda"]
    if not keys or shutil.which("sbatch"):
        return
    try:
        import torch  # only here: importing it takes seconds, on every load
    except ImportError:  # Snakemake run from an environment without torch (jobs in conda envs)
        return
    if not torch.cuda.is_available():
        asked = " and ".join(f"{key} is cuda" for key in keys)
        raise ValueError(
            f"{asked}, but this machine has no CUDA GPU (torch.cuda.is_available() is False) and no SLURM "
            "to send jobs to; set it to auto or cpu"
        )


def annotate_needs_images() -> list:
    """The annotate target asked for without a photo folder."""
    raise ValueError(
        "the annotate target needs a photo folder: snakemake annotate --config 'annotate={images: DIR}'"
    )
