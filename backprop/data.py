"""Small data sets the chapters and assignments train on."""
import numpy as np


def xor_dataset():
    """The four XOR points in the column convention: X (2, 4), Y (1, 4), float64."""
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y
