"""One config seed, many independent streams: each job derives its own from (seed, keys)."""

import numpy as np


def derive(seed: int, *keys: int) -> int:
    """A 31-bit seed for (seed, keys), stable across runs and platforms."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0] >> 1)
