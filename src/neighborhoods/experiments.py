"""Experiment names: one readable path component that says how a result was built.

| name                          | method                                                    |
| ----------------------------- | --------------------------------------------------------- |
| `visual`                      | CNN + logistic (visual only)                              |
| `upper`                       | logistic on the ground-truth label vector (upper bound)   |
| `tagonly-tau<N>`              | logistic on the binary vector of the N top training tags  |
| `knn`                         | CNN + kNN voting                                          |
| `nbrvote-<meta>-M<M>`         | image neighborhoods + CNN voting over the M nearest       |
| `nbr-<meta>-m<m>-M<M>`        | the neighborhood model: m of the M nearest per sample     |
| `nbr-...-tagvec`              | the same with the image's tag vector in the hidden state  |

`<meta>` names a neighbors folder (`tags-tau5000`, `sets`, `groups`, `visual-<backbone>`, ...).
"""

import re
from dataclasses import dataclass

# The config's model settings that shape training; m and M are part of the experiment name.
FIT_KEYS = ("hidden", "dropout", "l2", "lr", "batch_size", "epochs", "test_samples")

# Models trained by the shared recipe, and what each reads as its input.
TRAINED = {"visual": "features", "upper": "labels", "tagonly": "tags", "neighborhood": "features"}

_PATTERNS = {
    "visual": re.compile(r"visual"),
    "upper": re.compile(r"upper"),
    "knn": re.compile(r"knn"),
    "tagonly": re.compile(r"tagonly-tau(?P<tau>[1-9]\d*)"),
    "nbrvote": re.compile(r"nbrvote-(?P<meta>.+)-M(?P<M>\d+)"),
    "neighborhood": re.compile(r"nbr-(?P<meta>.+)-m(?P<m>\d+)-M(?P<M>\d+)(?P<tagvec>-tagvec)?"),
}


@dataclass(frozen=True)
class Experiment:
    model: str
    meta: str | None = None
    m: int | None = None
    M: int | None = None
    tag_vector: bool = False
    tau: int | None = None  # tag vocabulary of the tag vector (tagonly, -tagvec)

    @property
    def name(self) -> str:
        if self.model == "tagonly":
            return f"tagonly-tau{self.tau}"
        if self.model == "nbrvote":
            return f"nbrvote-{self.meta}-M{self.M}"
        if self.model == "neighborhood":
            return f"nbr-{self.meta}-m{self.m}-M{self.M}" + ("-tagvec" if self.tag_vector else "")
        return self.model

    @property
    def trained(self) -> bool:
        return self.model in TRAINED


def parse(name: str) -> Experiment:
    for model, pattern in _PATTERNS.items():
        match = pattern.fullmatch(name)
        if match:
            return _build(name, model, match.groupdict())
    raise ValueError(
        f"unknown experiment {name!r}; expected one of 'visual', 'upper', 'knn', 'tagonly-tau<N>', "
        "'nbrvote-<meta>-M<M>', 'nbr-<meta>-m<m>-M<M>[-tagvec]'"
    )


def _build(name: str, model: str, fields: dict) -> Experiment:
    m = int(fields["m"]) if fields.get("m") else None
    M = int(fields["M"]) if fields.get("M") else None
    if M is not None and not 1 <= (1 if m is None else m) <= M:
        raise ValueError(f"experiment {name!r}: need 1 <= m <= M, got m={m}, M={M}")
    tag_vector = bool(fields.get("tagvec"))
    tau = int(fields["tau"]) if fields.get("tau") else None
    if tag_vector:
        tags = re.fullmatch(r"tags-tau(\d+)", fields["meta"])
        if tags is None:
            raise ValueError(f"experiment {name!r}: a tag vector needs tag neighbors ('tags-tau<N>')")
        tau = int(tags.group(1))
    return Experiment(model, fields.get("meta"), m, M, tag_vector, tau)


def neighborhood(meta: str, m: int, M: int, tag_vector: bool = False) -> str:
    return parse(f"nbr-{meta}-m{m}-M{M}" + ("-tagvec" if tag_vector else "")).name
