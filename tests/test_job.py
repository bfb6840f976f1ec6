"""Every job starts with `job.start`: its log file, and subnormal floats flushed on all threads."""

import logging
import subprocess
import sys

import pytest
import torch

from neighborhoods import job

# A fresh interpreter, as a pipeline job is: torch's worker threads are created after the call.
PROGRAM = """
import torch
from neighborhoods import job
flush = {flush}
if flush:
    job.compute_settings(threads=2)
else:
    torch.set_num_threads(2)
tiny = torch.full((4_000_000,), 1e-38)  # large enough to be split over both threads
product = tiny * 1e-3  # 1e-41: subnormal, or 0 when flushed
print(int((product != 0).sum()))
"""


def subnormals_left(flush: bool) -> int:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(flush=flush)], capture_output=True, text=True, check=True
    )
    return int(run.stdout)


def test_compute_settings_flush_subnormals_on_every_thread():
    assert subnormals_left(flush=False) == 4_000_000  # the control: the CPU does keep subnormals
    assert subnormals_left(flush=True) == 0


@pytest.fixture
def restores_flushing():
    yield
    torch.set_flush_denormal(False)  # leave the test process as other tests expect it


def test_start_logs_to_the_file_and_records_a_failure(tmp_path, restores_flushing):
    log_path = tmp_path / "logs" / "job.log"
    with pytest.raises(RuntimeError), job.start(log_path, threads=1):
        logging.getLogger("neighborhoods.test").info("working")
        raise RuntimeError("broken input")
    text = log_path.read_text()
    assert "subnormal floats flushed to zero: True" in text
    assert "working" in text and "job failed" in text and "broken input" in text


def test_a_job_without_torch_does_not_import_it(tmp_path):
    """Importing torch takes seconds; the neighbors, split and table jobs never use it."""
    program = f"""
import sys
from neighborhoods import job, neighbors, neighbor_summary, parquet
from neighborhoods.reporting import tables
with job.start({str(tmp_path / "job.log")!r}, threads=1):
    pass
print("torch" in sys.modules)
"""
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    assert (tmp_path / "job.log").exists()
