"""The learner's network that the checker's tests grade: a 2-h-1 network as the notes
vectorise it (z1 = W1ᵀX + b1, tanh, sigmoid output, mean cross-entropy over the m samples,
one per column), its loss on Values and a hand-written backprop, correct or with one of
the classic bugs. (tests/testing is on sys.path while pytest runs: ``from nets import``.)"""


def two_layer(np, X, Y):
    """``(loss, backprop)`` for data X (2 × m) and labels Y (1 × m). backprop's ``bug``:
    "1/m" (not averaged), "transpose" (dW2 of z2 = W2 a1), "g'" (tanh' forgotten),
    "last sample" (dW1 over the first m - 1 samples)."""
    m = X.shape[1]

    def loss(W1, b1, W2, b2):
        A1 = np.tanh(W1.T @ X + b1)
        A2 = 1 / (1 + np.exp(-(W2.T @ A1 + b2)))
        return np.mean(-(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))

    def backprop(W1, b1, W2, b2, bug=None):
        A1 = np.tanh(W1.T @ X + b1)
        A2 = 1 / (1 + np.exp(-(W2.T @ A1 + b2)))
        dZ2 = A2 - Y if bug == "1/m" else (A2 - Y) / m                  # BP1
        dW2 = dZ2 @ A1.T if bug == "transpose" else A1 @ dZ2.T          # BP4
        g = 1.0 if bug == "g'" else 1 - A1 ** 2
        dZ1 = (W2 @ dZ2) * g                                            # BP2
        dW1 = X[:, :-1] @ dZ1[:, :-1].T if bug == "last sample" else X @ dZ1.T
        return {"W1": dW1, "b1": dZ1.sum(axis=1, keepdims=True),
                "W2": dW2, "b2": dZ2.sum(axis=1, keepdims=True)}

    return loss, backprop
