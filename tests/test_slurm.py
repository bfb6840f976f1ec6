"""A slice of the pipeline through a real one-node SLURM cluster and `--profile profiles/slurm`.

The cluster (munge, slurmctld, slurmd from Debian's packages, two fake GPUs in gres.conf) is
brought up by tests/slurm/slurm_cluster.py and torn down by pid at the end, also on failure.
Without root or apt the test skips; with NEIGHBORHOODS_REQUIRE_SLURM=1 (CI) it fails instead.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
sys.path.insert(0, str(REPO / "tests" / "slurm"))
import slurm_cluster  # noqa: E402

pytestmark = pytest.mark.slow

TINY = {
    "dataset": "synthetic",
    "seed": 1,
    "synthetic": {"images": 80, "users": 10, "topics": 4, "image_size": 32},
    "splits": {"count": 1, "train": 0.5, "val": 0.25},
    "features": {"batch_size": 40, "workers": 0, "device": "auto"},
    "neighbors": {"tau": 100, "max_rank": 4},
    "model": {
        "hidden": 16,
        "max_epochs": 1,
        "patience": 1,
        "learning_rates": [1.0e-3],
        "device": "cpu",
        "M": 4,
    },
    "sweeps": {"m": [1, 3], "M": [3, 4]},  # every M within max_rank, as the config checks ask
}
# synthesize, then split and features side by side: three SLURM jobs, one asking for a GPU.
# (A train job on top costs another ~35 s of test time and shows nothing new.)
OUTPUTS = [
    "results/synthetic/data/images.parquet",
    "results/synthetic/splits/split0.parquet",
    "results/synthetic/features/efficientnet_lite0.parquet",
]
RULES = {"synthesize", "split", "features"}
GPU_RULES = {"features"}


def unavailable(reason: str):
    if os.environ.get("NEIGHBORHOODS_REQUIRE_SLURM") == "1":
        pytest.fail(f"SLURM is required here (NEIGHBORHOODS_REQUIRE_SLURM=1) but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        unavailable("the SLURM test needs Linux")
    try:
        slurm_cluster.install()
        slurm_cluster.check_can_run()
    except (slurm_cluster.Unavailable, subprocess.TimeoutExpired) as error:
        unavailable(str(error))
    cluster = slurm_cluster.Cluster(tmp_path_factory.mktemp("slurm-state"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def run(cluster, tmp_path_factory):
    """The pipeline slice, submitted with the repository's SLURM profile as a user would."""
    workdir = tmp_path_factory.mktemp("slurm-run")
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    command = [
        # SIGTERM does not stop a stuck Snakemake; SIGINT does (and cancels its SLURM jobs).
        "timeout", "-k", "30", "-s", "INT", "300",
        str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
        "--profile", "profiles/slurm",
        # Declare the GPU through the resource while the job itself runs on CPU (device auto):
        # features.device=cuda would ask for the GPU too, but fail without CUDA on the node.
        "--set-resources", "features:gpu=1",
        # Test-only speed-ups and checks; the profile's other keys stay as shipped.
        "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-keep-successful-logs",
        *OUTPUTS[1:],
    ]  # fmt: skip
    start = time.monotonic()
    returncode, output = run_in_own_group(command, timeout=360)
    assert returncode == 0, (
        f"snakemake exited {returncode} (124: timed out)\n{output[-6000:]}\n"
        f"--- slurmctld.log\n{cluster.log('slurmctld').read_text(errors='replace')[-3000:]}"
    )
    return workdir, output, time.monotonic() - start


def run_in_own_group(command: list[str], timeout: float) -> tuple[int, str]:
    """Run in a process group of its own, so that an interrupted test (Ctrl-C, pytest timeout)
    stops Snakemake too: SIGINT first (it cancels its SLURM jobs), SIGKILL if that is ignored."""
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()


def by_rule(cluster) -> dict[str, dict[str, str]]:
    """slurmctld's record of each job the plugin submitted, keyed by rule (from its --comment)."""
    jobs = {}
    for job in cluster.jobs():
        if rule := re.match(r"rule_([a-z0-9_]+?)(?:_wildcards_.*)?$", job.get("Comment", "")):
            jobs[rule.group(1)] = job
    return jobs


def test_the_slice_builds_its_outputs(run):
    workdir, _, elapsed = run
    for path in OUTPUTS:
        assert (workdir / path).stat().st_size > 0, path
    assert (workdir / "logs" / "synthetic" / "features" / "efficientnet_lite0.log").exists()
    print(f"pipeline slice through SLURM: {elapsed:.0f} s")


def test_every_job_went_through_sbatch(run, cluster):
    _, output, _ = run
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", output)
    assert len(submitted) == len(RULES), output[-3000:]
    jobs = by_rule(cluster)
    assert set(jobs) == RULES
    assert sorted(job["JobId"] for job in jobs.values()) == sorted(submitted)
    for rule, job in jobs.items():
        assert job["JobState"] == "COMPLETED" and job["BatchFlag"] == "1", (rule, job)
        assert job["Partition"] == "debug"  # the cluster's default: the profile leaves it to the user
    # jobcomp/filetxt wrote one line per finished job, independent of slurmctld's memory.
    finished = {line["JobId"]: line for line in cluster.completed()}
    assert {job["JobId"] for job in jobs.values()} <= set(finished)
    assert all(finished[job["JobId"]]["JobState"] == "COMPLETED" for job in jobs.values())
    # Each job's SLURM log, kept by --slurm-keep-successful-logs under the run folder.
    slurm_logs = run[0] / ".snakemake" / "slurm_logs"
    logs = {path.relative_to(slurm_logs).parts[0]: path for path in slurm_logs.rglob("*.log")}
    assert set(logs) == {f"rule_{rule}" for rule in RULES}
    assert {path.stem for path in logs.values()} == set(submitted)  # <slurm jobid>.log


def test_gpu_rules_got_a_gpu_from_gres(run, cluster):
    jobs = by_rule(cluster)
    for rule, job in jobs.items():
        asked = job.get("TresPerJob", "")
        if rule in GPU_RULES:
            assert asked == "gres:gpu:1" and job.get("JOB_GRES") == "gpu:1", (rule, job)
        else:
            assert "gpu" not in asked and job.get("JOB_GRES") in (None, "(null)"), (rule, job)


def test_status_checks_used_squeue_not_sacct(run):
    # Without slurmdbd, a fallback to sacct would never see a job finish (the run would hang
    # until `timeout`); the plugin says so when it falls back.
    _, output, _ = run
    assert "Falling back to 'sacct'" not in output
