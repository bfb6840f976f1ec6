"""The paper's neighborhood model, its image path alone, and the logistic baselines, as torch
modules.

Each returns one logit per label; the training recipe (loss, L2 on the weight matrices,
RMSProp) is shared, which is why each exposes `weight_matrices()`.
"""

import torch
from torch import nn


def _he_init(layer: nn.Linear) -> nn.Linear:
    """He et al. initialisation (the paper's choice), zero bias."""
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


class NeighborhoodModel(nn.Module):
    """s(x, z) = W_y [ReLU(W_x phi(x) + b_x) ; max_i ReLU(W_z phi(z_i) + b_z)] + b_y.

    With `tag_dim > 0` the image's binary tag vector t is appended to the hidden state (the
    paper's "tag neighbors + tag vector" row): W_y [v_x; v_z; t] + b_y, held as
    W_y [v_x; v_z] + b_y + (W_t t + b_t) so that W_t can be kept as the tag-only model trained it
    (`keep_tag_weights`). Two diagnostics of the neighbor branch
    change it, never the paper's row: `pool="mean"` averages over the neighborhood instead of
    taking the max, and `image_branch=False` drops v_x, leaving W_y v_z.
    """

    def __init__(
        self,
        feature_dim: int,
        n_labels: int,
        hidden: int = 500,
        dropout: float = 0.5,
        tag_dim: int = 0,
        *,
        pool: str = "max",
        image_branch: bool = True,
    ):
        super().__init__()
        if pool not in ("max", "mean"):
            raise ValueError(f"pool must be 'max' or 'mean', got {pool!r}")
        self.image = _he_init(nn.Linear(feature_dim, hidden)) if image_branch else None
        self.neighbor = _he_init(nn.Linear(feature_dim, hidden))
        self.output = _he_init(nn.Linear((1 + image_branch) * hidden, n_labels))
        self.tags = _he_init(nn.Linear(tag_dim, n_labels)) if tag_dim else None
        self.dropout = nn.Dropout(dropout)
        self.tag_dim = tag_dim
        self.pool = pool

    def _pool(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden.amax(dim=1) if self.pool == "max" else hidden.mean(dim=1)

    def _image_state(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [] if self.image is None else [torch.relu(self.image(x))]

    def hidden_states(self, x: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """v_x (B, h) and v_z (B, h) for features x (B, d) and neighborhoods z (B, m, d)."""
        v_x = torch.relu(self.image(x))
        v_z = self._pool(self.neighbor_states(z))
        return v_x, v_z

    def neighbor_states(self, z: torch.Tensor) -> torch.Tensor:
        """ReLU(W_z phi(z) + b_z) of neighbor features z (..., d): (..., h)."""
        return torch.relu(self.neighbor(z))

    def averaged(
        self,
        x: torch.Tensor,
        candidates: torch.Tensor,
        choices: list[torch.Tensor],
        tags: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Test-time scores: the mean of f(x, z) over neighborhoods that pick, per image, the
        columns `choices[s]` (B, m) of its M candidates, given as their hidden states (B, M, h)
        (`neighbor_states`). Those are computed once, so each extra neighborhood costs only a
        max and W_y."""
        v_x = self._image_state(x)
        images = torch.arange(len(candidates), device=candidates.device)[:, None]
        total = 0
        for choice in choices:
            picked = candidates[images, choice]  # (B, m, h); 4x faster than gather (AMD EPYC CPU)
            total = total + self.output(torch.cat([*v_x, self._pool(picked)], dim=1))
        return total / len(choices) + self._tag_scores(tags)

    def forward(self, x: torch.Tensor, z: torch.Tensor, tags: torch.Tensor | None = None) -> torch.Tensor:
        v_z = self._pool(self.neighbor_states(z))
        parts = [self.dropout(v) for v in (*self._image_state(x), v_z)]
        return self.output(torch.cat(parts, dim=1)) + self._tag_scores(tags)

    def _tag_scores(self, tags: torch.Tensor | None) -> torch.Tensor | float:
        return 0.0 if self.tags is None else self.tags(tags)

    def start_neighbor_branch(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """W_z and b_z start from a trained layer's rows (its first rows, if it has fewer than h):
        the image path's W_x, or the visual-only classifier's one row per label."""
        rows = weight.shape[0]
        if rows > self.neighbor.weight.shape[0] or weight.shape[1] != self.neighbor.weight.shape[1]:
            raise ValueError(
                f"cannot start W_z {tuple(self.neighbor.weight.shape)} "
                f"from a layer of shape {tuple(weight.shape)}"
            )
        with torch.no_grad():
            self.neighbor.weight[:rows] = weight
            self.neighbor.bias[:rows] = bias

    def keep_tag_weights(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """W_t and b_t become the trained tag-only model's, kept as they are (not trained, not
        decayed), and W_y, b_y start at zero: the model starts as tag-only and its hidden path
        learns what tag-only leaves. Trained jointly from He initialisation, the hidden path
        fits a small training set first and the tag weights starve; trained on from the
        tag-only weights, RMSProp's first steps (its running average starts at zero) throw
        them off their optimum."""
        if weight.shape != self.tags.weight.shape:
            raise ValueError(
                f"cannot keep the tag weights {tuple(self.tags.weight.shape)} "
                f"from a layer of shape {tuple(weight.shape)}"
            )
        with torch.no_grad():
            self.tags.weight.copy_(weight)
            self.tags.bias.copy_(bias)
            self.output.weight.zero_()
            self.output.bias.zero_()
        self.tags.requires_grad_(False)

    def weight_matrices(self) -> list[torch.Tensor]:
        image = [] if self.image is None else [self.image.weight]
        tags = [self.tags.weight] if self.tags is not None and self.tags.weight.requires_grad else []
        return [*image, self.neighbor.weight, self.output.weight, *tags]


class ImagePath(nn.Module):
    """The neighborhood model without its neighbors: W_y ReLU(W_x phi(x) + b_x) + b_y, the same
    depth, width, dropout and initialisation. Against it, what the neighbors add can be told
    apart from what the hidden layer adds."""

    def __init__(self, feature_dim: int, n_labels: int, hidden: int = 500, dropout: float = 0.5):
        super().__init__()
        self.image = _he_init(nn.Linear(feature_dim, hidden))
        self.output = _he_init(nn.Linear(hidden, n_labels))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(torch.relu(self.image(x))))

    def weight_matrices(self) -> list[torch.Tensor]:
        return [self.image.weight, self.output.weight]


class Logistic(nn.Module):
    """One-vs-all logistic regression on one input vector: the image's CNN features (visual
    only), its binary tag vector (tag only) or its ground-truth labels (upper bound).

    Starts from zero weights: the problem is convex, and He initialisation (meant for ReLU
    layers) would only add noise that the L2 penalty takes many epochs to remove.
    """

    def __init__(self, input_dim: int, n_labels: int):
        super().__init__()
        self.output = nn.Linear(input_dim, n_labels)
        nn.init.zeros_(self.output.weight)
        nn.init.zeros_(self.output.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(x)

    def weight_matrices(self) -> list[torch.Tensor]:
        return [self.output.weight]
