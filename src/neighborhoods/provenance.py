"""Where a result came from: the code, the versions and the machine, recorded in each run's own
files (`metrics.json`, `history.parquet`) so that a page built from them later can say so.

The commit is that of the checkout holding this package (jobs run in the results' folder, which
may be another one: a Snakemake module's user's); installed from a wheel it is not known and
the package's version stands in. Nothing here imports torch or Snakemake: their versions are
read from the installed packages' metadata, and the GPU is named only where the job itself has
put CUDA to work (torch already imported and CUDA initialised), so a job on a GPU machine that
trained on the CPU says CPU.
"""

import datetime
import importlib.metadata
import json
import platform
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PACKAGE = Path(__file__).resolve().parent
# The key of the record in metrics.json and in a Parquet file's schema metadata.
KEY = "provenance"
# What two runs must share to count as run alike: everything but the date.
SAME = ("commit", "dirty", "version", "torch", "snakemake", "python", "cpu", "gpu")


def cpu_name() -> str:
    """The CPU's model name, as /proc/cpuinfo gives it (elsewhere, what platform knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def gpu_name() -> str | None:
    """The CUDA device this process computes on, if it has put CUDA to work; else None."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return None
    return torch.cuda.get_device_name(torch.cuda.current_device())


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        # A job in a conda env reaches Snakemake through the path its script preamble adds.
        return getattr(sys.modules.get(name), "__version__", None)


def checkout(package: Path = PACKAGE) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout holding `package` (its src/<name> folder); dirty
    means tracked files differ from the commit or files git does not ignore were added, the
    results pages (docs/results, rewritten by the docs target) aside. (None, None) elsewhere."""

    def git(*args: str, where: Path) -> str:
        return subprocess.run(
            ["git", "-C", str(where), *args], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel", where=package))
        # A package installed into a virtual environment inside some other repository is not it.
        if (top / "src" / package.name).resolve() != package.resolve():
            return None, None
        head = git("rev-parse", "HEAD", where=top)
        changed = git("status", "--porcelain", "--", ".", ":(exclude)docs/results", where=top)
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(changed)


def collect() -> dict:
    """This process's provenance, now."""
    commit, dirty = checkout()
    return {
        "commit": commit,
        "dirty": dirty,
        "version": package_version("neighborhoods"),
        "torch": package_version("torch"),
        "snakemake": package_version("snakemake"),
        "python": platform.python_version(),
        "cpu": cpu_name(),
        "gpu": gpu_name(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def stamped(record: dict) -> dict:
    """`record` with this process's provenance under KEY."""
    return {**record, KEY: collect()}


def write_parquet(frame, path: str | Path) -> None:
    """A pandas DataFrame to Parquet as `frame.to_parquet` writes it, with this process's
    provenance as JSON in the schema metadata (pandas reads the file as before)."""
    table = pa.Table.from_pandas(frame)
    metadata = {**(table.schema.metadata or {}), KEY.encode(): json.dumps(collect()).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)


def read(path: str | Path) -> dict | None:
    """The provenance recorded in a run's file (metrics JSON, or Parquet); None if it has none
    (written before runs recorded it)."""
    path = Path(path)
    if path.suffix == ".parquet":
        metadata = pq.read_schema(path).metadata or {}
        raw = metadata.get(KEY.encode())
        return json.loads(raw) if raw else None
    return json.loads(path.read_text()).get(KEY)
