"""Send a pipeline job's logging and progress bars to its Snakemake log file."""

import contextlib
import logging
from pathlib import Path


@contextlib.contextmanager
def to_file(path: str | Path):
    """Log records and stderr (where tqdm draws) go to `path` while the job runs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", buffering=1) as stream, contextlib.redirect_stderr(stream):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield
        except Exception:
            logging.exception("job failed")
            raise
        finally:
            root.removeHandler(handler)
