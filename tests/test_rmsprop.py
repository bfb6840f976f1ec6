"""The training's RMSProp against torch.optim.RMSprop, the reference it must equal bit for bit."""

import subprocess
import sys

import torch
from torch import nn

from neighborhoods.model import Logistic, NeighborhoodModel
from neighborhoods.rmsprop import RMSProp


def _reference(model: nn.Module, lr: float, l2: float) -> torch.optim.RMSprop:
    decayed = model.weight_matrices()
    others = [p for p in model.parameters() if all(p is not w for w in decayed)]
    groups = [{"params": decayed, "weight_decay": l2}, {"params": others, "weight_decay": 0.0}]
    return torch.optim.RMSprop(groups, lr=lr)


def _train(model: nn.Module, optimizer, steps: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(8, 12, generator=generator)
        z = torch.randn(8, 3, 12, generator=generator)
        tags = (torch.rand(8, 5, generator=generator) < 0.3).float()
        y = (torch.rand(8, 4, generator=generator) < 0.5).float()
        out = model(x, z, tags) if isinstance(model, NeighborhoodModel) else model(x)
        loss = nn.functional.binary_cross_entropy_with_logits(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _twins(make):
    torch.manual_seed(0)
    first = make()
    second = make()
    second.load_state_dict(first.state_dict())
    return first, second


def test_equals_torch_rmsprop_bit_for_bit_with_decay_on_the_weight_matrices_only():
    ours, theirs = _twins(lambda: NeighborhoodModel(12, 4, hidden=6, dropout=0.0, tag_dim=5))
    start = {name: value.clone() for name, value in ours.state_dict().items()}
    _train(ours, RMSProp(ours, lr=1e-2, l2=3e-3), steps=25, seed=1)
    _train(theirs, _reference(theirs, lr=1e-2, l2=3e-3), steps=25, seed=1)
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value), name
        assert not torch.equal(start[name], value), name  # every parameter trained


def test_frozen_parameters_stay_as_they_are():
    ours, theirs = _twins(lambda: NeighborhoodModel(12, 4, hidden=6, dropout=0.0, tag_dim=5))
    for model in (ours, theirs):
        model.keep_tag_weights(torch.full((4, 5), 0.5), torch.full((4,), -1.0))
    _train(ours, RMSProp(ours, lr=1e-2, l2=3e-3), steps=10, seed=2)
    _train(theirs, _reference(theirs, lr=1e-2, l2=3e-3), steps=10, seed=2)
    assert torch.equal(ours.tags.weight, torch.full((4, 5), 0.5))
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value), name


def test_a_logistic_model_too():
    ours, theirs = _twins(lambda: Logistic(12, 4))
    _train(ours, RMSProp(ours, lr=1e-3, l2=1e-2), steps=15, seed=3)
    _train(theirs, _reference(theirs, lr=1e-3, l2=1e-2), steps=15, seed=3)
    assert torch.equal(ours.output.weight, theirs.output.weight)
    assert torch.equal(ours.output.bias, theirs.output.bias)


def test_a_training_does_not_import_torch_dynamo():
    """The reason this class exists: torch.optim's optimizers import torch._dynamo (seconds)."""
    code = (
        "import sys, torch\n"
        "from neighborhoods.model import Logistic\n"
        "from neighborhoods.rmsprop import RMSProp\n"
        "model = Logistic(3, 2)\n"
        "optimizer = RMSProp(model, lr=0.1, l2=0.1)\n"
        "model(torch.ones(1, 3)).sum().backward()\n"
        "optimizer.step()\n"
        "optimizer.zero_grad()\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
