"""A config that would run the defaults, fail hours in, or fail naming Snakemake internals is
refused when the workflow loads, with a message naming the keys."""

import copy
import shutil
import subprocess

import numpy as np
import pytest
import torch
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from test_pipeline import REPO, SNAKEMAKE, TINY

from neighborhoods import config_checks, job, parquet

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def merged(base: dict, overlay: dict) -> dict:
    """`overlay` over `base` key by key, as Snakemake merges --configfile and --config."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def loaded(overlay: dict | None = None, base: dict | None = None) -> dict:
    """The default config (or `base`) with `overlay`, as the Snakefile sees it after validation."""
    config = merged(base or yaml.safe_load((REPO / "config.yaml").read_text()), overlay or {})
    config_checks.unknown_keys(config, SCHEMA)
    validate(config, str(SCHEMA))
    return config


def refused(overlay: dict, base: dict | None = None) -> str:
    with pytest.raises(ValueError) as error:
        config_checks.check(loaded(overlay, base))
    return str(error.value)


NUSWIDE = {"dataset": "nuswide", "nuswide": {"root": "/data/NUS-WIDE"}}


@pytest.fixture
def no_gpu_no_slurm(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(shutil, "which", lambda name: None)


# ---- configs that must pass ----------------------------------------------------------------


def test_shipped_and_test_configs_pass():
    config_checks.check(loaded())
    config_checks.check(loaded(base=yaml.safe_load((REPO / "config" / "nuswide.yaml").read_text())))
    config_checks.check(loaded(base=copy.deepcopy(TINY)))


@pytest.mark.parametrize("profile", ["local", "slurm"])
def test_profiles_config_keys_validate(profile):
    """A profile's `config:` key reaches the workflow as --config would."""
    settings = yaml.safe_load((REPO / "profiles" / profile / "config.yaml").read_text())
    config = loaded(settings.get("config", {}))
    config_checks.check_neighborhood_sizes(config)
    config_checks.check_splits(config)


# ---- unknown keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overlay, message",
    [
        ({"datset": "nuswide"}, "unknown config key 'datset' (did you mean 'dataset'?)"),
        ({"neighbours": {"tau": 10}}, "unknown config key 'neighbours' (did you mean 'neighbors'?)"),
        ({"nuswdie": {"root": "/data"}}, "unknown config key 'nuswdie' (did you mean 'nuswide'?)"),
        ({"model": {"hiden": 10}}, "unknown config key 'model.hiden' (did you mean 'model.hidden'?)"),
        (
            {"nuswide": {"download": {"folder": "x", "retry": 1}}},
            "'nuswide.download.retry' (did you mean 'nuswide.download.retries'?)",
        ),
    ],
)
def test_unknown_keys_are_refused_naming_the_nearest_valid_key(overlay, message):
    with pytest.raises(ValueError, match="config.schema.yaml") as error:
        loaded(overlay)
    assert message in str(error.value)


def test_every_unknown_key_is_named_and_no_guess_is_made_when_none_is_close():
    with pytest.raises(ValueError) as error:
        loaded({"zzz": 1, "model": {"devise": "cpu"}})
    assert "unknown config key 'zzz' (" in str(error.value) and "did you mean 'zzz" not in str(error.value)
    assert "unknown config key 'model.devise' (did you mean 'model.device'?)" in str(error.value)


def test_schema_itself_refuses_unknown_top_level_keys():
    """For anything validating a config against the schema without the workflow."""
    config = yaml.safe_load((REPO / "config.yaml").read_text()) | {"datset": "nuswide"}
    with pytest.raises(WorkflowError, match="datset"):
        validate(config, str(SCHEMA))


# ---- m, M, max_rank ------------------------------------------------------------------------


def test_m_above_M_names_model_m_and_model_M():
    assert "model.m (7) is above model.M (6)" in refused({"model": {"m": 7, "M": 6}})


@pytest.mark.parametrize(
    "overlay, message",
    [
        ({"model": {"M": 21}}, "model.M (21) is above neighbors.max_rank (20)"),
        ({"sweeps": {"M": [3, 21, 30]}}, "sweeps.M holds 21, 30, above neighbors.max_rank (20)"),
        (
            {"neighbors": {"max_rank": 10}, "sweeps": {"M": [3, 6, 12]}},
            "sweeps.M holds 12, above neighbors.max_rank (10)",
        ),
        ({"sweeps": {"m": [1, 6, 7]}}, "sweeps.m holds 7, above model.M (6)"),
    ],
)
def test_every_M_fits_in_max_rank_and_every_swept_m_in_M(overlay, message):
    assert message in refused(overlay)


def test_M_equal_to_max_rank_and_swept_m_equal_to_M_pass():
    config_checks.check(
        loaded({"neighbors": {"max_rank": 12}, "model": {"M": 12}, "sweeps": {"M": [12], "m": [12]}})
    )


# ---- split sizes ---------------------------------------------------------------------------


def test_splits_leaving_no_test_image_are_refused_naming_the_keys():
    message = refused({"splits": {"train": 0.7, "val": 0.3}})
    assert "splits: train (2100) + val (900) leave no test images out of 3000 (synthetic.images)" in message
    assert "leave no test images out of 100" in refused(
        {"synthetic": {"images": 100}, "splits": {"train": 60, "val": 40}}
    )


@pytest.mark.parametrize("max_rank", [629, 630])
def test_subsets_must_exceed_max_rank_exactly_where_the_neighbor_search_says_so(max_rank):
    """3000 images at 0.58 / 0.21 are 1740 / 630 / 630; the config check and parquet.subset_rows,
    which the neighbors job runs, must agree on where the limit lies."""
    overlay = {"neighbors": {"max_rank": max_rank}}
    subsets = np.repeat(np.array(parquet.SUBSETS), [1740, 630, 630])
    try:
        list(parquet.subset_rows(subsets, max_rank))
    except ValueError:
        message = refused(overlay)
        assert (
            "neighbors.max_rank (630)" in message
            and "val 630 images, test 630 images (of synthetic.images = 3000)" in message
        )
    else:
        config_checks.check(loaded(overlay))


def test_a_fraction_rounding_to_an_empty_subset_is_refused():
    assert "val 0 images" in refused({"splits": {"train": 0.5, "val": 0.0001}})


@pytest.mark.parametrize(
    "splits, message",
    [
        ({"train": 0.8, "val": 0.3}, "splits: the fractions train (0.8) and val (0.3) leave no test images"),
        ({"train": 15, "val": 0.2}, "give train 15 images"),
        ({"train": 110000, "val": 20}, "neighbors.max_rank (20) needs more images than that in every subset"),
    ],
)
def test_nuswide_split_sizes_are_checked_where_known_before_ingestion(splits, message):
    assert message in refused({**NUSWIDE, "splits": splits})


def test_nuswide_fractions_wait_for_ingestion():
    config_checks.check(loaded({**NUSWIDE, "splits": {"train": 0.6, "val": 0.2}}))


# ---- NUS-WIDE paths ------------------------------------------------------------------------


def test_nuswide_without_root_says_so():
    assert "nuswide.root is not set" in refused({"dataset": "nuswide"})


@pytest.mark.parametrize(
    "overlay, key",
    [
        ({"nuswide": {"root": "/data/{x}"}}, "nuswide.root ('/data/{x}')"),
        ({"nuswide": {"images": "/data/Flickr}"}}, "nuswide.images ('/data/Flickr}')"),
        ({"flickr": {"metadata": "/data/{a}.parquet"}}, "flickr.metadata ('/data/{a}.parquet')"),
    ],
)
def test_braces_in_a_path_the_rules_read_are_refused_naming_the_key(overlay, key):
    assert f"{key} holds a brace" in refused(merged(NUSWIDE, overlay))


def test_braces_are_left_alone_where_no_rule_reads_the_path():
    """A folder of stored answers is a parameter, not an input; the generated dataset reads no
    NUS-WIDE path."""
    config_checks.check(loaded(merged(NUSWIDE, {"flickr": {"metadata": "/answers/{a}"}})))
    config_checks.check(loaded({"nuswide": {"root": "/data/{x}"}}))


# ---- devices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overlay, message",
    [
        ({"features": {"device": "cuda"}}, "features.device is cuda, but this machine has no CUDA GPU"),
        ({"model": {"device": "cuda"}}, "model.device is cuda, but"),
        (
            {"features": {"device": "cuda"}, "model": {"device": "cuda"}},
            "features.device is cuda and model.device is cuda",
        ),
    ],
)
def test_cuda_without_a_gpu_or_a_cluster_is_refused_at_load(no_gpu_no_slurm, overlay, message):
    assert message in refused(overlay)


def test_cuda_is_left_to_the_job_where_jobs_may_run_elsewhere(monkeypatch):
    """On a cluster's login node (sbatch here) the nodes may have the GPU this machine lacks."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}" if name == "sbatch" else None)
    config_checks.check(loaded({"features": {"device": "cuda"}, "model": {"device": "cuda"}}))


def test_cuda_with_a_gpu_passes(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    config_checks.check(loaded({"features": {"device": "cuda"}, "model": {"device": "cuda"}}))


def test_a_job_asked_for_cuda_without_a_gpu_names_the_keys(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"features\.device .* model\.device .* sees no CUDA GPU"):
        job.device("cuda")
    assert job.device("auto") == torch.device("cpu")


# ---- the real snakemake --------------------------------------------------------------------


def dry_run(workdir, config: dict, *args: str) -> subprocess.CompletedProcess:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "-n",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize(
    "overlay, args, message",
    [
        ({}, ["--config", "datset=nuswide"], "unknown config key 'datset' (did you mean 'dataset'?)"),
        ({"neighbours": {"tau": 10}}, [], "unknown config key 'neighbours' (did you mean 'neighbors'?)"),
        ({"model": {"m": 7}}, [], "model.m (7) is above model.M (6)"),
        ({"sweeps": {"M": [3, 12]}}, [], "sweeps.M holds 12, above neighbors.max_rank (8)"),
        (
            {"neighbors": {"max_rank": 60}},
            [],
            "neighbors.max_rank (60) needs more images than that in every subset",
        ),
        ({"dataset": "nuswide"}, [], "nuswide.root is not set"),
        (
            {"dataset": "nuswide", "nuswide": {"root": "/data/{x}"}},
            [],
            "nuswide.root ('/data/{x}') holds a brace",
        ),
    ],
)
def test_dry_run_refuses_a_bad_config_naming_the_key(tmp_path, overlay, args, message):
    result = dry_run(tmp_path, merged(TINY, overlay), *args)
    assert result.returncode != 0 and message in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.skipif(
    torch.cuda.is_available() or shutil.which("sbatch") is not None,
    reason="needs a machine with no GPU and no SLURM",
)
def test_dry_run_with_cuda_on_a_machine_without_gpu_names_the_key(tmp_path):
    result = dry_run(tmp_path, merged(TINY, {"model": {"device": "cuda"}}))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "model.device is cuda, but this machine has no CUDA GPU" in output, (
        output
    )
