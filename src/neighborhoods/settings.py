"""The training settings, read once from the config into one frozen value.

Training, prediction and the checkpoint all take this one object, so no setting travels as a
loose dict key, and a checkpoint records exactly what trained it. It imports no torch: the
Snakefile builds it when the workflow loads.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TrainingSettings:
    hidden: int  # units of the neighborhood model's hidden state
    dropout: float
    l2: float  # weight decay on the weight matrices
    lr: float  # the neighborhood model's learning rate
    batch_size: int
    epochs: int
    test_samples: int  # sampled neighborhoods averaged per prediction
    logistic_lr: tuple[float, ...]  # the logistic baselines' rates, one chosen on validation
    device: str = "auto"  # auto | cpu | cuda
    feature_dtype: str = "float32"  # how features are held in memory: float32 | float16

    @classmethod
    def from_config(cls, config: dict) -> "TrainingSettings":
        model = config["model"]
        return cls(
            **{
                key: model[key]
                for key in ("hidden", "dropout", "l2", "lr", "batch_size", "epochs", "test_samples")
            },
            logistic_lr=tuple(config["baselines"]["logistic_lr"]),
            device=model["device"],
            feature_dtype=model["feature_dtype"],
        )

    def learning_rates(self, model: str) -> tuple[float, ...]:
        """The rates tried for a model kind: the recipe's for the neighborhood model, the
        validation-chosen grid for the logistic baselines."""
        return (self.lr,) if model == "neighborhood" else self.logistic_lr

    def as_dict(self) -> dict:
        """Plain values: what Snakemake compares between runs (params) and a checkpoint stores."""
        return {**asdict(self), "logistic_lr": list(self.logistic_lr)}

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingSettings":
        return cls(**{**values, "logistic_lr": tuple(values["logistic_lr"])})
