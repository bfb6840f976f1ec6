"""The training settings, read once from the config into one frozen value.

Training, prediction and the checkpoint all take this one object, so no setting travels as a
loose dict key, and a checkpoint records exactly what trained it. It imports no torch: the
Snakefile builds it when the workflow loads.
"""

from dataclasses import asdict, dataclass

# What each kind of trained model leaves unread: only the neighborhood model samples
# neighborhoods at test time, and the logistic baselines have no hidden layer.
_UNREAD = {
    "neighborhood": (),
    "imagepath": ("test_samples",),
    "logistic": ("hidden", "dropout", "test_samples"),
}


@dataclass(frozen=True)
class TrainingSettings:
    # None where unread (`read_by`): a logistic baseline has no hidden layer, and only the
    # neighborhood model samples neighborhoods.
    hidden: int | None  # units of the hidden state
    dropout: float | None
    l2: float  # weight decay on the weight matrices
    # Every trained method (the model and the logistic baselines alike) trains once at each
    # rate and keeps the run best on validation, so no method is tuned more than another.
    learning_rates: tuple[float, ...]
    batch_size: int
    max_epochs: int  # the cap; a training normally ends on `patience`
    patience: int  # epochs without a new best validation mAP_L that end a training
    test_samples: int | None  # sampled neighborhoods averaged per prediction
    device: str = "auto"  # auto | cpu | cuda
    feature_dtype: str = "float32"  # how features are held in memory: float32 | float16
    # Successive halving's first rung (`halving`); None trains every run of the grid to its end.
    halving_epochs: int | None = None

    @classmethod
    def from_config(cls, config: dict) -> "TrainingSettings":
        model = config["model"]
        keys = ("hidden", "dropout", "l2", "batch_size", "max_epochs", "patience", "test_samples")
        return cls(
            **{key: model[key] for key in keys},
            learning_rates=tuple(model["learning_rates"]),
            device=model["device"],
            feature_dtype=model["feature_dtype"],
            halving_epochs=model.get("halving_epochs"),
        )

    def as_dict(self) -> dict:
        """Plain values: what Snakemake compares between runs (params) and a checkpoint stores."""
        return {**asdict(self), "learning_rates": list(self.learning_rates)}

    def read_by(self, model: str) -> dict:
        """`as_dict` with None for what a model of kind `model` (experiments.TRAINED) never
        reads, so that changing model.hidden, say, retrains the models with a hidden layer and
        leaves the logistic baselines as they are. Without halving the key is left out, so that
        runs trained before halving existed are not retrained for it."""
        values = {**self.as_dict(), **dict.fromkeys(_UNREAD.get(model, _UNREAD["logistic"]))}
        if values["halving_epochs"] is None:
            del values["halving_epochs"]
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingSettings":
        return cls(**{**values, "learning_rates": tuple(values["learning_rates"])})
