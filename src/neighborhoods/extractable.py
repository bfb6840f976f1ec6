"""The backbones this pipeline extracts features with, known without importing torch (the
Snakefile loads in a second): the annotate target refuses at load a model whose features it
could not extract from new photos, before any job runs, instead of failing in the features job.
"""

from pathlib import Path

# The keys of src/neighborhoods/backbones.py's BACKBONES, in its order (a test keeps them alike).
BACKBONES = ("efficientnet_lite0", "alexnet", "vgg16", "resnet50")
GUIDE = "docs/annotate.md#which-models-can-label-photos"


def checkpoint_backbone(path: str | Path) -> str:
    """The backbone a checkpoint file's model reads (loads torch: only for a file the config names)."""
    from neighborhoods import checkpoint

    return checkpoint.load(path).backbone


def check_annotate_model(checkpoint: str, backbone: str, *, imported: bool) -> None:
    """Refuse a model that annotating cannot feed: `checkpoint` (its file, or where the pipeline
    will train it) reads `backbone` features; `imported`: this config's features were not
    extracted here (features.import, or the control's generated ones), so the models it trains
    read them."""
    if backbone not in BACKBONES:
        raise ValueError(
            f"annotate.model: the model {checkpoint} reads {backbone} features, which this pipeline "
            f"cannot extract from photos, so it cannot annotate them. It extracts features with "
            f"{', '.join(BACKBONES)} only (src/neighborhoods/backbones.py); features.weights gives one of "
            f"those its weights file and cannot make it build another network, so no setting extracts "
            f"{backbone} features here (features made elsewhere, imported or generated, label only the "
            "images they came with). To annotate photos, use a model trained on features extracted "
            f"here: features.import null and features.backbone one of those, with the images ({GUIDE})"
        )
    if imported:
        raise ValueError(
            f"annotate.model: the model {checkpoint} is trained on features this pipeline did not "
            f"extract (features.import) that go by the name {backbone}; annotating extracts {backbone} "
            "features from the photos with this pipeline's own network, which match the model's only if "
            "the imported ones came from the same network, weights file (features.weights) and "
            f"preprocessing. If they did, name the checkpoint file itself: annotate={{images: DIR, model: "
            f"{checkpoint}}}; otherwise use a model trained on features extracted here ({GUIDE})"
        )
