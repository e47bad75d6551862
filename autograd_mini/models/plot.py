"""The loss curve as a PNG (matplotlib, from the ``train`` extra), written atomically."""

import io

from ..util.fileio import write_atomic

__all__ = ["plot_losses", "moving_average"]


def moving_average(xs, window):
    """The mean of the last ``window`` values at each step (fewer at the start)."""
    out, total = [], 0.0
    for i, x in enumerate(xs):
        total += x
        if i >= window:
            total -= xs[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_losses(losses, path, title, reference=None, after=None, window=50):
    """Draw each step's loss (light) and its moving average over ``window`` steps into
    ``path`` (.png or .svg); ``reference`` and ``after``: horizontal lines (the held-out
    loss before and after training).
    Returns a line saying what was written, or why not (matplotlib missing)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return "no plot: matplotlib is not installed (pip install 'autograd-mini[train]')"
    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)                            # no pyplot: no global state touched
    ax = fig.add_subplot()
    steps = range(1, len(losses) + 1)
    ax.plot(steps, losses, color="#9db9e0", linewidth=0.6, label="loss of the step")
    ax.plot(steps, moving_average(losses, window), color="#1f4e9c", linewidth=1.8,
            label=f"mean of the last {window} steps")
    if reference is not None:
        ax.axhline(reference, color="#c0504d", linestyle="--", linewidth=1,
                   label=f"before training (held out): {reference:.3f}")
    if after is not None:
        ax.axhline(after, color="#2e7d32", linestyle="--", linewidth=1,
                   label=f"after training (held out): {after:.3f}")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=str(path).rsplit(".", 1)[-1].lower() or "png")
    write_atomic(path, buffer.getvalue())
    return f"wrote the loss curve to {path}"
