"""RMSProp for the paper's recipe: torch's own update (`torch.optim.rmsprop.rmsprop`, the
function `torch.optim.RMSprop.step` calls) with the state it needs kept here.

Why not `torch.optim.RMSprop` itself: building any `torch.optim.Optimizer` imports
`torch._dynamo`, 1.5 s of a training job's start (2-core AMD EPYC), and the default run
starts 34 trainings. The update is the same function with the same arguments, so a training
ends bit for bit where `torch.optim.RMSprop` would take it (tests/test_rmsprop.py).
"""

import torch
from torch import nn
from torch.optim.rmsprop import rmsprop as rmsprop_update

ALPHA = 0.99  # torch.optim.RMSprop's defaults
EPS = 1e-8


class RMSProp:
    """RMSProp at a fixed rate, no momentum, not centered. Weight decay applies to the weight
    matrices (not the biases): the gradient of the (l2 / 2) * sum of their squares penalty,
    added in the update instead of the penalty being built and differentiated every minibatch."""

    def __init__(self, model: nn.Module, *, lr: float, l2: float):
        decayed = model.weight_matrices()
        others = [p for p in model.parameters() if all(p is not w for w in decayed)]
        self.lr = lr
        self.groups = [(decayed, l2), (others, 0.0)]
        self.square_avgs = {p: torch.zeros_like(p) for p in model.parameters()}
        self.steps = {p: torch.tensor(0.0) for p in model.parameters()}

    def zero_grad(self) -> None:
        for params, _ in self.groups:
            for p in params:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for params, weight_decay in self.groups:
            live = [p for p in params if p.grad is not None]
            if not live:
                continue
            rmsprop_update(
                live,
                [p.grad for p in live],
                [self.square_avgs[p] for p in live],
                [],
                [],
                [self.steps[p] for p in live],
                lr=self.lr,
                alpha=ALPHA,
                eps=EPS,
                weight_decay=weight_decay,
                momentum=0.0,
                centered=False,
            )
