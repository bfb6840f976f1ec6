"""Experiment names: one readable path component that says how a model was built.

`visual` is CNN + logistic; `nbr-<meta>-m<m>-M<M>` is the neighborhood model whose
neighbors come from `<meta>` (a folder under neighbors/), sampling m of the M nearest;
a trailing `-tagvec` appends the binary tag vector to the hidden state.
"""

import re
from dataclasses import dataclass

# The config's model settings that shape training; m and M are part of the experiment name.
FIT_KEYS = ("hidden", "dropout", "l2", "lr", "batch_size", "epochs", "test_samples")

_NEIGHBORHOOD = re.compile(r"nbr-(?P<meta>.+)-m(?P<m>\d+)-M(?P<M>\d+)(?P<tagvec>-tagvec)?")


@dataclass(frozen=True)
class Experiment:
    model: str  # "visual" or "neighborhood"
    meta: str | None = None
    m: int | None = None
    M: int | None = None
    tag_vector: bool = False

    @property
    def name(self) -> str:
        if self.model == "visual":
            return "visual"
        suffix = "-tagvec" if self.tag_vector else ""
        return f"nbr-{self.meta}-m{self.m}-M{self.M}{suffix}"


def parse(name: str) -> Experiment:
    if name == "visual":
        return Experiment("visual")
    match = _NEIGHBORHOOD.fullmatch(name)
    if match is None:
        raise ValueError(
            f"unknown experiment {name!r}; expected 'visual' or 'nbr-<meta>-m<m>-M<M>[-tagvec]'"
        )
    m, M = int(match["m"]), int(match["M"])
    if not 1 <= m <= M:
        raise ValueError(f"experiment {name!r}: need 1 <= m <= M, got m={m}, M={M}")
    return Experiment("neighborhood", match["meta"], m, M, match["tagvec"] is not None)


def neighborhood(meta: str, m: int, M: int, tag_vector: bool = False) -> str:
    return Experiment("neighborhood", meta, m, M, tag_vector).name
