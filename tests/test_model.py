import numpy as np
import torch

from neighborhoods.model import Logistic, NeighborhoodModel


def relu(a):
    return np.maximum(a, 0)


def test_forward_matches_the_papers_equations():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=7, n_labels=4, hidden=5).eval()
    x, z = torch.randn(3, 7), torch.randn(3, 2, 7)
    W = {name: p.detach().numpy() for name, p in model.named_parameters()}
    v_x = relu(x.numpy() @ W["image.weight"].T + W["image.bias"])
    v_z = relu(z.numpy() @ W["neighbor.weight"].T + W["neighbor.bias"]).max(axis=1)
    expected = np.concatenate([v_x, v_z], axis=1) @ W["output.weight"].T + W["output.bias"]
    np.testing.assert_allclose(model(x, z).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_neighbor_order_does_not_matter_and_tag_vector_is_appended():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=6, n_labels=3, hidden=4, tag_dim=2).eval()
    x, z, tags = torch.randn(2, 6), torch.randn(2, 3, 6), torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    out = model(x, z, tags)
    torch.testing.assert_close(out, model(x, z.flip(1), tags))
    delta = (out - model(x, z, torch.zeros(2, 2))).detach().numpy()
    np.testing.assert_allclose(delta[0], model.tags.weight[:, 0].detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(delta[1], 0, atol=1e-6)


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=8, n_labels=3, hidden=64, dropout=0.5)
    x, z = torch.randn(4, 8), torch.randn(4, 3, 8)
    model.train()
    assert not torch.allclose(model(x, z), model(x, z))
    model.eval()
    torch.testing.assert_close(model(x, z), model(x, z))


def test_he_initialisation_and_regularised_matrices():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=2000, n_labels=81, hidden=500)
    assert abs(model.image.weight.std().item() - np.sqrt(2 / 2000)) < 0.002
    assert torch.all(model.image.bias == 0)
    assert [w.shape for w in model.weight_matrices()] == [(500, 2000), (500, 2000), (81, 1000)]
    logistic = Logistic(10, 3)
    assert [w.shape for w in logistic.weight_matrices()] == [(3, 10)]
    assert torch.all(logistic.output.weight == 0)


def test_averaged_scores_equal_the_mean_of_forward_passes_over_the_same_neighborhoods():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=6, n_labels=4, hidden=8, tag_dim=2).eval()
    x, z, tags = torch.randn(5, 6), torch.randn(5, 4, 6), torch.randint(0, 2, (5, 2)).float()
    choices = [torch.randperm(4)[:2].repeat(5, 1), torch.stack([torch.randperm(4)[:2] for _ in range(5)])]
    expected = sum(model(x, z[torch.arange(5)[:, None], c], tags) for c in choices) / 2
    torch.testing.assert_close(model.averaged(x, model.neighbor_states(z), choices, tags), expected)


def test_the_neighbor_branch_variants_follow_their_equations():
    """Mean pooling averages the neighbors' hidden states; without its image branch the model is
    W_y v_z; averaged test-time scores agree with forward passes in both."""
    torch.manual_seed(0)
    x, z = torch.randn(3, 7), torch.randn(3, 2, 7)
    for kwargs, pooled in (({"pool": "mean"}, np.mean), ({"image_branch": False}, np.max)):
        model = NeighborhoodModel(feature_dim=7, n_labels=4, hidden=5, **kwargs).eval()
        W = {name: p.detach().numpy() for name, p in model.named_parameters()}
        v_z = pooled(relu(z.numpy() @ W["neighbor.weight"].T + W["neighbor.bias"]), axis=1)
        parts = [v_z]
        if model.image is not None:
            parts.insert(0, relu(x.numpy() @ W["image.weight"].T + W["image.bias"]))
        else:
            assert "image.weight" not in W and len(model.weight_matrices()) == 2
        expected = np.concatenate(parts, axis=1) @ W["output.weight"].T + W["output.bias"]
        np.testing.assert_allclose(model(x, z).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
        both = torch.tensor([[0, 1]] * 3)
        torch.testing.assert_close(model.averaged(x, model.neighbor_states(z), [both]), model(x, z))


def test_starting_parts_from_trained_models():
    torch.manual_seed(0)
    model = NeighborhoodModel(feature_dim=6, n_labels=3, hidden=4, tag_dim=2)
    classifier = Logistic(6, 3)
    torch.nn.init.normal_(classifier.output.weight)
    model.start_neighbor_branch(classifier.output.weight, torch.ones(3))
    torch.testing.assert_close(model.neighbor.weight[:3], classifier.output.weight)
    assert model.neighbor.bias[:3].tolist() == [1.0, 1.0, 1.0]
    tags = Logistic(2, 3)
    torch.nn.init.normal_(tags.output.weight)
    model.keep_tag_weights(tags.output.weight, torch.full((3,), 0.5))
    x, z, t = torch.randn(5, 6), torch.randn(5, 3, 6), torch.tensor([[1.0, 0.0]] * 5)
    torch.testing.assert_close(model.eval()(x, z, t), tags(t) - tags.output.bias + 0.5)  # tag-only exactly
    # Kept: neither trained nor decayed.
    assert not model.tags.weight.requires_grad
    assert all(w is not model.tags.weight for w in model.weight_matrices())
    model.train()(x, z, t).sum().backward()
    assert model.tags.weight.grad is None and model.output.weight.grad is not None
