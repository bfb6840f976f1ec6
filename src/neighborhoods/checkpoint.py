"""A trained model's file: its weights and everything needed to rebuild and reuse it without
the config that trained it (the experiment, every setting, the chosen learning rate, the
backbone and its feature width, the concepts, the tag vocabulary, the seed)."""

from dataclasses import dataclass
from pathlib import Path

import torch

from neighborhoods.settings import TrainingSettings


@dataclass(frozen=True)
class Checkpoint:
    experiment: str
    settings: TrainingSettings
    lr: float  # the learning rate the saved model was trained at
    backbone: str  # the features it reads: its backbone's name ...
    feature_dim: int  # ... and their width
    concepts: list[str]
    seed: int  # the training stream's seed
    tag_vocabulary: list[str] | None  # tag-vector inputs, in column order; None without
    state_dict: dict

    def save(self, path: str | Path) -> None:
        fields = {**self.__dict__, "settings": self.settings.as_dict()}
        torch.save(fields, path)


def load(path: str | Path) -> Checkpoint:
    """The checkpoint in `path`; a file of anything else is refused naming it (torch's own
    error would advise loading it with weights_only=False, which runs code from the file).
    Loaded with weights_only=True, said rather than left to the torch version's default (and
    to TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD, which turns that default off): only tensors and plain
    containers are unpickled, never code."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception as error:  # arbitrary bytes fail anywhere in the unpickler
        raise ValueError(
            f"{path}: not a checkpoint of this pipeline (torch.load cannot read it: {type(error).__name__}); "
            "expected a model.pt from results/<dataset>/runs/"
        ) from None
    if not isinstance(saved, dict):
        raise ValueError(f"{path}: not a checkpoint of this pipeline (it holds a {type(saved).__name__})")
    missing = set(Checkpoint.__dataclass_fields__) - set(saved)
    if missing:
        raise ValueError(f"{path}: not a checkpoint of this pipeline (no {', '.join(sorted(missing))})")
    return Checkpoint(**{**saved, "settings": TrainingSettings.from_dict(saved["settings"])})
