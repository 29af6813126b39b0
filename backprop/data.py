"""Small data sets the chapters and assignments train on."""
import numpy as np


def xor_dataset():
    """The four XOR points in the column convention: X (2, 4), Y (1, 4), float64."""
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y


def two_moons(m, noise=0.1, seed=0):
    """Two interleaving half circles, one per class, in the column convention.

    The upper half circle (label 0) has centre (0, 0) and radius 1; the lower one (label 1) has
    centre (1, 0.5) and radius 1 and opens upwards. ``m // 2`` points lie on the first,
    ``m - m // 2`` on the second, evenly spaced in angle; Gaussian noise of standard deviation
    ``noise`` is added to both coordinates and the columns are shuffled, all with
    ``np.random.default_rng(seed)``. Returns X (2, m) float64 and Y (1, m) float64 of 0.0 and 1.0.
    """
    rng = np.random.default_rng(seed)
    n_upper = m // 2
    n_lower = m - n_upper
    upper = np.linspace(0.0, np.pi, n_upper)
    lower = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate([np.stack([np.cos(upper), np.sin(upper)]),
                        np.stack([1.0 - np.cos(lower), 0.5 - np.sin(lower)])], axis=1)
    Y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])[np.newaxis, :]
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(m)
    return X[:, order], Y[:, order]
