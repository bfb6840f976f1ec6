"""What every pipeline job does first: log to its Snakemake log file, compute safely fast,
and find the device it was asked for.

Subnormal floats. The L2 penalty pulls many weights toward zero, and after a few epochs some
reach subnormal float32 values (below 1.2e-38). x86 CPUs compute with those 10-100x slower
(Intel more than AMD), so a training whose epochs took 1.3 s crept to 21 s by epoch 40.
Flushing subnormals to zero (FTZ/DAZ) changes a result only below 1.2e-38 of its scale, far
under float32's precision of 1.2e-7, so no metric can move through it. It is set per thread and
inherited by threads created later, so it is set before torch starts its worker threads; job
scripts call `start` first thing.

A job that computes without torch (neighbors, tables, figures) does not import it: importing
torch takes seconds, a good part of a short job.
"""

import contextlib
import logging
import sys
from pathlib import Path


def compute_settings(threads: int | None = None) -> bool | None:
    """Flush subnormal floats to zero on this CPU, and use `threads` intra-op threads, when the
    job's script has imported torch (None when it has not).

    Returns whether the CPU supports flushing (x86 with SSE3 does; elsewhere it is a no-op).
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    supported = torch.set_flush_denormal(True)
    if threads is not None:
        torch.set_num_threads(threads)
    return supported


def device(name: str):
    """The torch.device `name` asks for: 'auto' means CUDA when available, else CPU. 'cuda'
    without a GPU is refused here, when the job starts: the machine that loaded the workflow (a
    cluster's login node) may not be this one."""
    import torch  # here: only the jobs that ask for a device compute with torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    elif name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device is cuda (features.device for feature extraction, model.device for training), "
            "but this job sees no CUDA GPU (torch.cuda.is_available() is False); "
            "set it to auto or cpu, or run the job on a GPU"
        )
    return torch.device(name)


@contextlib.contextmanager
def start(log_path: str | Path, threads: int | None = None):
    """Run a job: compute settings first, then log records and stderr (where tqdm draws) to
    `log_path` while it runs; an exception is logged before it propagates."""
    flushing = compute_settings(threads)
    path = Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", buffering=1) as stream, contextlib.redirect_stderr(stream):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        if flushing is not None:
            threads_used = sys.modules["torch"].get_num_threads()
            logging.getLogger(__name__).info(
                "threads %d; subnormal floats flushed to zero: %s", threads_used, flushing
            )
        try:
            yield
        except Exception:
            logging.exception("job failed")
            raise
        finally:
            root.removeHandler(handler)
