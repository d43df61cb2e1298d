"""Figures: each function takes data and returns a matplotlib figure; ``save`` writes it to files."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def save(fig, output_dir, name, formats=("png",), dpi=200) -> list[Path]:
    """Write ``fig`` as ``output_dir/name.<format>`` for each format; returns the paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = output_dir / f"{name}.{fmt}"
        fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None} if fmt == "png" else None)
        paths.append(path)
    return paths


def _grid(n):
    cols = int(np.ceil(np.sqrt(n)))
    return int(np.ceil(n / cols)), cols


def receptive_fields(weights, image_shape=(28, 28), title="Receptive fields (input weights)"):
    """Each neuron's input weights (n_input, n_neurons) as an image tile, in one grid."""
    weights = np.asarray(weights)
    h, w = image_shape
    rows, cols = _grid(weights.shape[1])
    canvas = np.full((rows * h, cols * w), np.nan)
    for k in range(weights.shape[1]):
        r, c = divmod(k, cols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = weights[:, k].reshape(h, w)
    fig, ax = plt.subplots(figsize=(min(12, 1 + cols * 0.45), min(12, 1 + rows * 0.45)))
    im = ax.imshow(canvas, cmap="hot_r", interpolation="nearest", vmin=0, vmax=np.nanmax(canvas))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label="weight")
    return fig


def theta_map(theta, title="Adaptive thresholds θ (mV)"):
    theta = np.asarray(theta, dtype=float)
    rows, cols = _grid(len(theta))
    canvas = np.full(rows * cols, np.nan)
    canvas[: len(theta)] = theta
    fig, ax = plt.subplots(figsize=(5, 4.5))
    im = ax.imshow(canvas.reshape(rows, cols), cmap="viridis", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="θ (mV)")
    return fig


def raster(spike_trains, start, duration, present_time=None, title="One presentation"):
    """Spikes of each population ({name: (indices, times s)}) in [start, start + duration) s."""
    names = [n for n in ("input", "exc", "inh") if n in spike_trains]
    labels = {"input": "input (Poisson)", "exc": "excitatory", "inh": "inhibitory"}
    fig, axes = plt.subplots(len(names), 1, sharex=True, figsize=(7, 1.2 + 1.8 * len(names)),
                             gridspec_kw={"height_ratios": [3 if n == "input" else 1 for n in names]},
                             squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        i, t = (np.asarray(a) for a in spike_trains[name])
        keep = (t >= start) & (t < start + duration)
        ax.plot((t[keep] - start) * 1e3, i[keep], "|", ms=3, color={"input": "0.3", "exc": "C3", "inh": "C0"}[name])
        ax.set_ylabel(labels[name])
        if present_time is not None:
            ax.axvspan(present_time, duration * 1e3, color="0.92", zorder=-1)
    axes[-1, 0].set_xlabel("time in presentation (ms); shaded: rest")
    axes[0, 0].set_title(title)
    fig.tight_layout()
    return fig


def accuracy_curve(curves: dict, title="Accuracy during training", paper=None):
    """``curves``: {label: (examples seen, accuracy in [0, 1])}; ``paper``: a reference level."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, (x, y) in curves.items():
        x, y = np.asarray(x, float), np.asarray([np.nan if v is None else v for v in y], float)
        ax.plot(x, 100 * y, marker="o", ms=3, label=label)
    if paper is not None:
        ax.axhline(paper, color="0.5", ls="--", label=f"paper {paper}%")
    ax.set_xlabel("training examples")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    return fig


def confusion_matrix(matrix, classes, title="Confusion matrix (test set)"):
    matrix = np.asarray(matrix)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (r, c), v in np.ndenumerate(matrix):
        if v:
            ax.text(c, r, v, ha="center", va="center", fontsize=7,
                    color="white" if v > matrix.max() / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(title)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    bx.bar(range(len(classes)), 100 * per_class, color="C2")
    bx.set_xticks(range(len(classes)), classes)
    bx.set_ylim(0, 100)
    bx.set_ylabel("accuracy (%)")
    bx.set_title("Per-class accuracy")
    fig.tight_layout()
    return fig
