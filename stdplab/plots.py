"""Figures: each function takes data and returns a matplotlib figure; ``save`` writes it to files."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from ._docstrings import fill_doc

# One marker and one colour per hardware preset (``stdplab.energy.PRESETS``), the same in every energy
# figure: neuromorphic chips in warm colours, digital processors in cool ones.
PRESET_STYLE: dict[str, dict] = {
    "loihi": {"marker": "o", "color": "#d62728"},
    "truenorth": {"marker": "s", "color": "#ff7f0e"},
    "spinnaker": {"marker": "^", "color": "#8c564b"},
    "spinnaker2": {"marker": "v", "color": "#e377c2"},
    "cmos45nm": {"marker": "D", "color": "#1f77b4"},
    "cpu": {"marker": "P", "color": "#2ca02c"},
    "gpu": {"marker": "X", "color": "#9467bd"},
}
_SPARE_STYLES = [{"marker": m, "color": c} for m, c in zip("h * < > p d 8 H".split(),
                                                            ("#17becf", "#bcbd22", "#7f7f7f", "#000000",
                                                             "#aec7e8", "#98df8a", "#ff9896", "#c5b0d5"))]


def preset_style(preset: str) -> dict:
    """The marker and colour of a hardware preset, the same in every figure.

    Parameters
    ----------
    preset : str
        A preset's name (``stdplab.energy.PRESETS``, or one a user registered).

    Returns
    -------
    dict
        ``{"marker", "color"}``: ``PRESET_STYLE``'s; a preset it does not know gets the next spare
        style, kept in ``PRESET_STYLE`` so that every later figure draws it the same way.
    """
    if preset not in PRESET_STYLE:
        used = list(PRESET_STYLE.values())
        spare = [style for style in _SPARE_STYLES if style not in used]
        PRESET_STYLE[preset] = dict(spare[0]) if spare else {"marker": "o", "color": "0.4"}
    return PRESET_STYLE[preset]



@fill_doc
def save(fig, output_dir, name, formats=("png",), dpi=200) -> list[Path]:
    """Write a figure to files, reproducibly: no software version or date in them.

    Parameters
    ----------
    %(figure_files)s
    dpi : int, default 200
        Resolution of raster formats.

    Returns
    -------
    list of pathlib.Path
        ``output_dir/name.<format>`` for each format.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = output_dir / f"{name}.{fmt}"
        # No software version or date in the file: a figure remade from the same data is the same file.
        metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        with plt.rc_context({"svg.hashsalt": "stdplab"}):  # the SVG's element ids, fixed
            fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    return paths


@fill_doc
def shown(fig, output_dir, name, formats=("png",)) -> list[Path]:
    """``save``, then show the figure in the notebook and close it.

    What a slider's redraw needs: an open figure would be drawn a second time, and redraws would pile
    up figures.

    Parameters
    ----------
    %(figure_files)s

    Returns
    -------
    list of pathlib.Path
        The files written, as ``save`` returns them.
    """
    from IPython.display import display

    paths = save(fig, output_dir, name, formats)
    display(fig)
    plt.close(fig)
    return paths


def _grid(n):
    cols = int(np.ceil(np.sqrt(n)))
    return int(np.ceil(n / cols)), cols


def _tiles(weights, image_shape):
    """Each column of weights (n_input, n_neurons) as an image tile, tiles in a square grid."""
    h, w = image_shape
    rows, cols = _grid(weights.shape[1])
    canvas = np.full((rows * h, cols * w), np.nan)
    for k in range(weights.shape[1]):
        r, c = divmod(k, cols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = weights[:, k].reshape(h, w)
    return canvas


WEIGHT_LABEL = "input weight w (w_max = 1)"
THETA_LABEL = "adaptive threshold θ (mV)"


def _draw_fields(ax, weights, image_shape):
    """The receptive-field tiles on ``ax``, unlabelled axes off; returns the image."""
    weights = np.asarray(weights)
    canvas = _tiles(weights, image_shape)
    im = ax.imshow(canvas, cmap="hot_r", interpolation="nearest", vmin=0, vmax=np.nanmax(canvas))
    ax.set_xticks([])
    ax.set_yticks([])
    cols = _grid(weights.shape[1])[1]
    ax.set_xlabel(f"one {image_shape[0]}×{image_shape[1]}-pixel tile per neuron, {cols} to a row")
    return im


def _draw_theta(ax, theta):
    """The θ grid (issue 22: its one home): neuron k at row k // cols, column k % cols, the cells
    past the last neuron blank; ticks off, the layout said on the x axis. Returns the image."""
    theta = np.asarray(theta, dtype=float)
    rows, cols = _grid(len(theta))
    canvas = np.full(rows * cols, np.nan)
    canvas[: len(theta)] = theta
    im = ax.imshow(canvas.reshape(rows, cols), cmap="viridis", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"one cell per neuron, {cols} to a row")
    return im


@fill_doc
def receptive_fields(weights, image_shape=(28, 28), title="Receptive fields (input weights)"):
    """Each neuron's input weights as an image tile, in one grid.

    Parameters
    ----------
    weights : array-like of shape (n_input, n_neurons)
        Input weights, e.g. ``DiehlCook2015.weights_``.
    image_shape : tuple of int, default (28, 28)
        (height, width) of one tile; ``height * width == n_input``.
    %(plot_title)s

    %(figure_returns)s

    Examples
    --------
    >>> from stdplab import plots
    >>> fig = plots.receptive_fields(model.weights_, model.image_shape_)  # doctest: +SKIP
    >>> plots.save(fig, "figures", "receptive_fields")  # doctest: +SKIP
    """
    rows, cols = _grid(np.asarray(weights).shape[1])
    fig, ax = plt.subplots(figsize=(min(12, 1 + cols * 0.45), min(12, 1 + rows * 0.45)))
    im = _draw_fields(ax, weights, image_shape)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label=WEIGHT_LABEL)
    return fig


@fill_doc
def theta_map(theta, title="Adaptive thresholds θ (mV)"):
    """Every neuron's adaptive threshold θ as one cell of a grid.

    Parameters
    ----------
    theta : array-like of shape (n_neurons,)
        Thresholds in mV, e.g. ``DiehlCook2015.theta_``.
    %(plot_title)s

    %(figure_returns)s
    """
    fig, ax = plt.subplots(figsize=(5, 4.5))
    im = _draw_theta(ax, theta)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=THETA_LABEL)
    return fig


@fill_doc
def raster(spike_trains, start, duration, present_time=None, title="One presentation"):
    """Spikes of each population within one time window.

    Parameters
    ----------
    spike_trains : dict
        Population ("input", "exc", "inh") -> (indices, times in s), as in
        ``simulator.ChunkResult.spike_trains``.
    start : float
        Window start, s.
    duration : float
        Window length, s; spikes in [start, start + duration) are drawn.
    present_time : float, optional
        ms; the rest after it is shaded.
    %(plot_title)s

    %(figure_returns)s
    """
    names = [n for n in ("input", "exc", "inh") if n in spike_trains]
    labels = {"input": "input neuron\n(Poisson)", "exc": "excitatory\nneuron", "inh": "inhibitory\nneuron"}
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


@fill_doc
def accuracy_curve(curves: dict, title="Accuracy during training", paper=None):
    """Accuracy against training examples, one line per curve.

    Parameters
    ----------
    curves : dict
        Label -> (examples seen, accuracy in [0, 1]); an accuracy of None is not drawn.
    %(plot_title)s
    paper : float, optional
        A reference level in %, drawn dashed.

    %(figure_returns)s
    """
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


@fill_doc
def conversion_accuracy(curves: dict, ann: dict, title="Converted networks: accuracy against time steps",
                        margin=1.0):
    """Converted networks' accuracy against time steps: one panel per network, on one y scale.

    One colour and line style per setting, the same in every panel.

    Parameters
    ----------
    curves : dict
        (network, setting) -> accuracy after each time step, in [0, 1].
    ann : dict
        Network -> the MLP's own accuracy, drawn as a black line with the band ``margin`` points
        below it shaded.
    %(plot_title)s
    margin : float, default 1.0
        Percentage points of the shaded band.

    %(figure_returns)s
    """
    settings = list(dict.fromkeys(setting for _, setting in curves))
    styles = {setting: (f"C{k % 10}", ("-", "--", ":", "-.")[k % 4]) for k, setting in enumerate(settings)}
    nets = list(ann) + [net for net, _ in curves if net not in ann]
    nets = list(dict.fromkeys(nets))
    fig, axes = plt.subplots(1, len(nets), figsize=(max(5.5, 0.6 + 3.6 * len(nets)), 4.2), sharex=True, sharey=True,
                             squeeze=False)
    axes = axes[0]
    for ax, net in zip(axes, nets):
        if net in ann:
            ax.axhspan(100 * ann[net] - margin, 100 * ann[net], color="0.85", zorder=0)
            ax.axhline(100 * ann[net], color="k", lw=1.2, label=f"the MLP itself (shaded: within {margin:g} point)")
        for (n, setting), accuracy in curves.items():
            if n == net:
                colour, ls = styles[setting]
                ax.plot(np.arange(1, len(accuracy) + 1), 100 * np.asarray(accuracy), color=colour, ls=ls, lw=1.3,
                        label=setting)
        ax.set_title(net + (f"\nMLP {100 * ann[net]:.2f} %" if net in ann else ""), fontsize=10)
        ax.set_xscale("log")
        ax.set_xlabel("time steps of 1 ms (log scale)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (%)")
    low = min(100 * min(ann.values()) - 15, 80) if ann else 0
    axes[0].set_ylim(max(0, low), 100)
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:  # settings the first panel lacks
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    legend = {"fontsize": 8, "title": "conversion setting (normalisation-input-reset)", "title_fontsize": 8}
    fig.suptitle(title)
    if len(nets) == 1:  # one panel: the legend beside it
        fig.tight_layout()
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), **legend)
    else:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), bbox_to_anchor=(0.5, 0), **legend)
        fig.tight_layout(rect=(0, 0.06 + 0.045 * int(np.ceil(len(labels) / 3)), 1, 1))
    return fig


@fill_doc
def confusion_matrix(matrix, classes, title="Confusion matrix (test set)"):
    """A confusion matrix beside the accuracy of each class.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Counts; rows the true class, columns the predicted one (``readout.evaluation``'s).
    classes : sequence
        The class labels, in the matrix's order.
    %(plot_title)s

    %(figure_returns)s
    """
    matrix = np.asarray(matrix)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for (r, c), v in np.ndenumerate(matrix):
        if v:
            ax.text(c, r, v, ha="center", va="center", fontsize=7,
                    color="white" if v > matrix.max() / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, label="test images (count)")
    ax.set_title(title)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    bx.bar(range(len(classes)), 100 * per_class, color="C2")
    bx.set_xticks(range(len(classes)), classes)
    bx.set_ylim(0, 100)
    bx.set_xlabel("true class")
    bx.set_ylabel("accuracy (%)")
    bx.set_title("Per-class accuracy")
    fig.tight_layout()
    return fig


def _spiking(row) -> bool:
    return str(row.get("family", "")).startswith(("SNN", "STDP"))


@fill_doc
def energy_accuracy(rows, title="Accuracy against estimated energy per image",
                    caveat="Estimates: operation counts × published energy per operation; memory traffic ignored"):
    """Energy per image (log scale) for models under hardware presets, beside each model's accuracy.

    One row per model, the most accurate at the top: left, its energy under each preset (marker and
    colour from ``PRESET_STYLE``, the same in every energy figure; filled for spiking networks, open
    for conventional ones); right, its test accuracy. Rows without a finite positive energy are left
    out.

    Parameters
    ----------
    rows : list of dict or pandas.DataFrame
        With ``model``, ``family``, ``preset``, ``accuracy`` (0-1) and ``energy_per_image_j``, as made
        by ``stdplab.energy.priced_rows``.
    %(plot_title)s
    caveat : str, optional
        A footnote in small print; empty for none.

    %(figure_returns)s
    """
    from matplotlib.lines import Line2D

    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    rows = [r for r in rows if r["energy_per_image_j"] is not None and np.isfinite(r["energy_per_image_j"])
            and r["energy_per_image_j"] > 0]
    models = list(dict.fromkeys(r["model"] for r in rows))
    accuracy = {m: 100 * next(r["accuracy"] for r in rows if r["model"] == m) for m in models}
    spiking = {m: _spiking(next(r for r in rows if r["model"] == m)) for m in models}
    models.sort(key=lambda m: -accuracy[m])  # stable: equal accuracies keep their order
    presets = list(dict.fromkeys(r["preset"] for r in rows))
    presets.sort(key=lambda p: list(PRESET_STYLE).index(p) if p in PRESET_STYLE else len(PRESET_STYLE))
    y = {m: k for k, m in enumerate(models)}
    fig, (ax, bx) = plt.subplots(1, 2, sharey=True, figsize=(10, 1.6 + 0.36 * max(len(models), 8)),
                                 gridspec_kw={"width_ratios": [3.2, 1], "wspace": 0.12})
    for model in models:
        xs = [r["energy_per_image_j"] for r in rows if r["model"] == model]
        ax.plot([min(xs), max(xs)], [y[model]] * 2, color="0.75", lw=1, ls="-" if spiking[model] else "--", zorder=1)
    for r in rows:
        style = preset_style(r["preset"])
        ax.scatter(r["energy_per_image_j"], y[r["model"]], marker=style["marker"], s=48, zorder=3,
                   gid=f"preset_{r['preset']}_row{y[r['model']]}",  # one SVG id each; the tests read the preset
                   color=style["color"] if spiking[r["model"]] else "none", edgecolors=style["color"], linewidths=1.3)
    ax.set_xscale("log")
    ax.set_xlabel("estimated energy per image (J, log scale)")
    ax.set_yticks(range(len(models)), models, fontsize=8)
    ax.set_ylim(len(models) - 0.5, -0.5)
    ax.set_ylabel("model (most accurate at the top)")
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10, loc="left")
    low = 5 * np.floor((min(accuracy.values(), default=90) - 3) / 5)
    for model in models:
        colour = "k" if spiking[model] else "0.45"
        bx.plot([low, accuracy[model]], [y[model]] * 2, color=colour, lw=1.2)
        bx.plot(accuracy[model], y[model], "o", ms=6, color=colour, mfc=colour if spiking[model] else "white")
        bx.annotate(f"{accuracy[model]:.1f} %", (accuracy[model], y[model]), xytext=(5, 0),
                    textcoords="offset points", va="center", fontsize=7)
    bx.set_xlim(low, 100 + 0.25 * (100 - low))
    bx.set_xlabel("test accuracy (%)")
    bx.grid(alpha=0.3, axis="x")
    bx.tick_params(axis="y", left=False)
    preset_handles = [Line2D([], [], color=preset_style(p)["color"], marker=preset_style(p)["marker"], ls="none",
                             label=p) for p in presets]
    family_handles = [Line2D([], [], color="0.3", marker="o", ls="-", label="spiking (filled)"),
                      Line2D([], [], color="0.3", marker="o", mfc="white", ls="--", label="conventional (open)")]
    first = bx.legend(handles=preset_handles, title="hardware preset", loc="upper left",
                      bbox_to_anchor=(1.03, 1.02), fontsize=8, title_fontsize=8)
    bx.add_artist(first)
    bx.legend(handles=family_handles, title="network", loc="lower left", bbox_to_anchor=(1.03, -0.02),
              fontsize=8, title_fontsize=8)
    if caveat:
        fig.text(0.01, 0.005, caveat, fontsize=7, color="0.35", ha="left", va="bottom")
    fig.subplots_adjust(bottom=0.1 + 0.6 / (len(models) + 4))
    return fig


# --- notebook 01: one neuron, STDP, lateral inhibition --------------------------------------------

@fill_doc
def neuron_trace(t, v, threshold, theta, spikes, input_spikes=None, title="One excitatory neuron"):
    """One neuron over time: membrane potential and threshold, θ below, the input spikes above.

    Parameters
    ----------
    t : array-like
        Times, ms.
    v : array-like
        Membrane potential at each time, mV.
    threshold : array-like
        The effective threshold (θ − θ_offset + v_thresh) at each time, mV.
    theta : array-like
        θ at each time, mV.
    spikes : array-like
        The neuron's spike times, ms, marked above the potential.
    input_spikes : tuple of array-like, optional
        (indices, times in ms) of the input spikes, drawn in a panel on top.
    %(plot_title)s

    %(figure_returns)s
    """
    rows = 3 if input_spikes is not None else 2
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(8, 2.2 + 1.9 * rows),
                             gridspec_kw={"height_ratios": [1, 2, 1][-rows:]})
    if input_spikes is not None:
        i, ti = (np.asarray(a) for a in input_spikes)
        axes[0].plot(ti, i, "|", ms=2, color="0.3")
        axes[0].set_ylabel("input neuron")
        axes[0].set_title(title)
    ax, bx = axes[-2], axes[-1]
    t, v = np.asarray(t), np.asarray(v)
    ax.plot(t, v, color="C0", lw=1, label="membrane potential v")
    ax.plot(t, threshold, color="C3", lw=1.2, label="threshold θ − θ_offset + v_thresh")
    spikes = np.asarray(spikes)
    if len(spikes):
        top = np.max(threshold) + 3
        ax.vlines(spikes, top, top + 6, color="k", lw=1.2, label="spikes")
    ax.set_ylabel("potential (mV)")
    ax.legend(loc="lower right", fontsize=8)
    if input_spikes is None:
        ax.set_title(title)
    bx.plot(t, theta, color="C2")
    bx.set_ylabel("θ (mV)")
    bx.set_xlabel("time (ms)")
    for a in axes:
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig


DW_LABEL = "Δw (weight units, w_max = 1)"


def _rule_panels(n):
    """One panel per rule on one shared y scale: a rule ten times weaker looks ten times smaller."""
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False, sharey=True)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(DW_LABEL)
    return fig, axes.ravel()


def _peak_notes(axes, changes):
    """Each panel's title: the rule, its largest ``|Δw|`` and that against the largest panel's."""
    peaks = {rule: float(np.nanmax(np.abs(np.asarray(dw, float)))) for rule, dw in changes.items()}
    top = max(peaks.values()) or 1.0
    for ax, (rule, peak) in zip(axes, peaks.items()):
        ratio = peak / top
        size = "the largest" if ratio > 0.995 else f"×{ratio:.2g} of the largest"
        ax.set_title(f"{rule}\nmax |Δw| = {peak:.2g} ({size})", fontsize=10)


def _finish_rule_panels(fig, axes, changes, title, legend_size):
    """The peak notes, the first panel's legend and the title that says the y scale is shared."""
    _peak_notes(axes, changes)
    axes[0].legend(fontsize=legend_size, loc="best")
    fig.suptitle(title + " (one y scale for every rule)")
    fig.tight_layout()
    return fig


@fill_doc
def stdp_window(dts, windows: dict, title="STDP window measured from the rules"):
    """The STDP window of each rule: Δw against Δt, one panel per rule.

    Every panel is on the same y scale (each one's largest ``|Δw|`` is written in its title).

    Parameters
    ----------
    dts : array-like
        Δt = t_post − t_pre, ms.
    windows : dict
        Rule -> Δw at each Δt of ``dts``.
    %(plot_title)s

    %(figure_returns)s
    """
    dts = np.asarray(dts, float)
    fig, axes = _rule_panels(len(windows))
    for ax, (rule, dw) in zip(axes, windows.items()):
        dw = np.asarray(dw, float)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.plot(dts[dts < 0], dw[dts < 0], "o-", ms=3, color="C0", label="post before pre (Δt < 0)")
        ax.plot(dts[dts >= 0], dw[dts >= 0], "o-", ms=3, color="C3", label="pre before post (Δt ≥ 0)")
        ax.set_xlabel("Δt = t_post − t_pre (ms)")
        ax.grid(alpha=0.3)
    return _finish_rule_panels(fig, axes, windows, title, legend_size=7)


@fill_doc
def weight_dependence(w0s, changes: dict, labels=("Δt = −10 ms", "Δt = +10 ms"),
                      title="Weight dependence of the change"):
    """Δw against the weight before the change, one panel per rule.

    Every panel is on the same y scale (each one's largest ``|Δw|`` is written in its title).

    Parameters
    ----------
    w0s : array-like
        Weights before the change (w / w_max).
    changes : dict
        Rule -> array (len(w0s), len(labels)) of Δw.
    labels : sequence of str, default ("Δt = −10 ms", "Δt = +10 ms")
        One per column of the changes: the protocol behind it.
    %(plot_title)s

    %(figure_returns)s
    """
    w0s = np.asarray(w0s, float)
    fig, axes = _rule_panels(len(changes))
    for ax, (rule, dw) in zip(axes, changes.items()):
        dw = np.asarray(dw, float).reshape(len(w0s), -1)
        ax.axhline(0, color="0.6", lw=0.8)
        for k in range(dw.shape[1]):
            ax.plot(w0s, dw[:, k], "o-", ms=3, color=("C0", "C3", "C2", "C1")[k % 4],
                    label=labels[k] if k < len(labels) else None)
        ax.set_xlabel("weight before (w / w_max)")
        ax.grid(alpha=0.3)
    return _finish_rule_panels(fig, axes, changes, title, legend_size=8)


@fill_doc
def winner_take_all(runs: dict, title="Lateral inhibition: winner-take-all"):
    """Lateral inhibition at work: a raster per run and the excitatory spike counts per neuron.

    Parameters
    ----------
    runs : dict
        Label -> result of ``probes.winner_take_all``; excitatory spikes are drawn as bars,
        inhibitory ones as dots.
    %(plot_title)s

    %(figure_returns)s
    """
    fig, axes = plt.subplots(len(runs), 2, figsize=(9, 2.4 * len(runs) + 0.6), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 1]})
    for (ax, bx), (label, run) in zip(axes, runs.items()):
        n = len(run["counts"])
        ie, te = run["exc"]
        ii, ti = run["inh"]
        ax.plot(te, ie, "|", ms=12, mew=2, color="C3", label="excitatory")
        ax.plot(ti, np.asarray(ii) + 0.25, ".", ms=5, color="C0", label="inhibitory partner")
        ax.set_yticks(range(n))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(0, run.get("duration", max(list(te) + list(ti) + [1])))
        ax.set_ylabel("neuron")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        bx.barh(range(n), run["counts"], color="C3")
        bx.set_yticks(range(n))
        bx.set_ylim(-0.6, n - 0.4)
        bx.set_xlabel("excitatory spikes (count)")
        bx.set_ylabel("neuron")
    axes[0, 0].legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# The rule constants' meanings and units (stdplab.parameters), for axis labels.
CONSTANT_LABELS = {
    "nu_pre": "nu_pre: learning rate on pre spikes (per spike, w_max = 1)",
    "nu_post": "nu_post: learning rate on post spikes (per spike, w_max = 1)",
    "x_tar": "x_tar: target presynaptic trace (dimensionless)",
    "mu": "mu: weight-dependence exponent (dimensionless)",
    "beta": "beta: weight-dependence steepness (dimensionless)",
}


@fill_doc
def sensitivity(rules: dict, title="Accuracy against each rule constant"):
    """Accuracy against each rule constant: one panel per constant, one line per rule.

    Each rule's default is marked, with the range over seeds as an error bar.

    Parameters
    ----------
    rules : dict
        Rule -> ``{"defaults": {name: value}, "default_accuracy_percent": [one per seed],
        "constants": {name: [{"value", "accuracy_percent"}]}}``.
    %(plot_title)s

    %(figure_returns)s
    """
    names = list(dict.fromkeys(name for entry in rules.values() for name in entry["constants"]))
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.4), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], names):
        for k, (rule, entry) in enumerate(rules.items()):
            if name not in entry["constants"]:
                continue
            points = entry["constants"][name]
            color = f"C{k}"
            ax.plot([p["value"] for p in points], [p["accuracy_percent"] for p in points], marker="o", ms=4,
                    color=color, label=rule)
            seeds = np.asarray(entry["default_accuracy_percent"])
            spread = [[seeds.mean() - seeds.min()], [seeds.max() - seeds.mean()]]
            ax.errorbar(entry["defaults"][name], seeds.mean(), yerr=spread, marker="*", ms=10, color=color, capsize=3)
        if name.startswith("nu_"):
            ax.set_xscale("log")
        ax.set_xlabel(CONSTANT_LABELS.get(name, name).replace(": ", ":\n", 1), fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("test accuracy (%)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title + "  (★ default, bar: range over seeds)")
    fig.tight_layout()
    return fig


@fill_doc
def learning_record(history, title="How the network learns"):
    """Mean θ, spikes per example and the fraction of never-fired neurons against examples seen.

    Parameters
    ----------
    history : dict
        The estimator's ``history_``.
    %(plot_title)s

    %(figure_returns)s
    """
    x = np.asarray(history["examples"])
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, (key, label) in zip(axes, [("theta_mean", "mean θ (mV)"), ("spikes_per_example", "spikes per example"),
                                       ("silent_fraction", "never fired (fraction)")]):
        ax.plot(x, history[key], marker="o", ms=3)
        ax.set_xlabel("training examples")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _training_lines(ax, runs: list, paper: dict, colour: dict, smooth=10):
    """Running accuracy (a moving mean over ``smooth`` records) against training examples and the
    test accuracy at the end, one colour per size (``colour``) and one marker and line style per run
    of a size, with the paper's figures (stars at their training; dashed where it is not given)."""
    seen = {}
    for run in runs:
        k = seen[run["n_neurons"]] = seen.get(run["n_neurons"], -1) + 1
        x = np.asarray(run["examples"], float)
        y = np.asarray([np.nan if v is None else 100 * v for v in run["running_accuracy"]], float)
        window = np.ones(min(smooth, len(y)))  # a short (partial) run: a mean over what there is
        with np.errstate(invalid="ignore"):
            mean = np.convolve(np.nan_to_num(y), window, "valid") / np.convolve(~np.isnan(y), window, "valid")
        c = colour[run["n_neurons"]]
        ax.plot(x[len(window) - 1:], mean, color=c, lw=1.2, alpha=0.7, ls=("-", "--", "-.", ":")[k % 4])
        ax.plot(run["examples_trained"], run["test_accuracy_percent"], "osD^"[k % 4], color=c, ms=7,
                mec=c if run.get("partial") else "k", mew=1.5 if run.get("partial") else 1,
                mfc="white" if run.get("partial") else c,
                label=f"{run['label']}: {run['test_accuracy_percent']:.1f} %")
    for n, (accuracy, examples) in paper.items():
        if examples:
            ax.plot(examples, accuracy, "*", color=colour[n], ms=14, mec="k", label=f"paper, {n} neurons: {accuracy} %")
        else:
            ax.axhline(accuracy, color=colour[n], ls="--", lw=1, label=f"paper, {n} neurons: {accuracy} % (training not given)")
    ax.set_xscale("log")
    ax.set_xlabel("training examples (log scale)")
    ax.set_ylabel("accuracy (%)")
    lowest = min([40.0] + [float(np.nanmin(line.get_ydata())) for line in ax.lines if len(line.get_ydata())])
    ax.set_ylim(10 * np.floor((lowest - 2) / 10), 100)
    ax.grid(alpha=0.3, which="both")


def _size_colours(runs, paper):
    sizes = sorted({run["n_neurons"] for run in runs} | set(paper))
    return {n: f"C{k}" for k, n in enumerate(sizes)}


@fill_doc
def paper_table(runs: list, paper: dict, smooth=10, title="The paper's accuracy beside the lab's, per network size"):
    """The paper's table as a figure, the lab's runs beside it.

    Left: test accuracy per size, the paper's bar (grey) beside the lab's (a partial run hatched and
    marked partial). Right: how each of these runs got there (as ``training_runs`` draws it). Runs set
    aside (other settings, stopped early) belong in ``training_runs``' figure.

    Parameters
    ----------
    runs : list of dict
        One per size, with ``n_neurons``, ``label``, ``examples``, ``running_accuracy`` (in [0, 1],
        None where not yet measured), ``examples_trained``, ``test_accuracy_percent`` and optionally
        ``partial`` and ``examples_planned``.
    paper : dict
        n_neurons -> (accuracy %, training examples or None).
    smooth : int, default 10
        Records in the moving mean of the running accuracy.
    %(plot_title)s

    %(figure_returns)s

    Raises
    ------
    ValueError
        If two runs have the same size.
    """
    sizes = [run["n_neurons"] for run in runs]
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"paper_table takes one run per size, got sizes {sizes}; "
                         "draw the others with training_runs")
    colour = _size_colours(runs, paper)
    order = list(colour)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.25]})
    x = np.arange(len(order))
    width = 0.38
    paper_bars = ax.bar([x[order.index(n)] - width / 2 for n in paper], [a for a, _ in paper.values()], width,
                        color="0.7", edgecolor="k", label="paper (Diehl & Cook 2015)")
    lab = sorted(runs, key=lambda run: run["n_neurons"])
    lab_bars = ax.bar([x[order.index(run["n_neurons"])] + width / 2 for run in lab],
                      [run["test_accuracy_percent"] for run in lab], width, edgecolor="k", label="this lab",
                      color=[colour[run["n_neurons"]] for run in lab])
    for bar, run in zip(lab_bars, lab):
        if run.get("partial"):
            bar.set_hatch("//")
            bar.set_facecolor(matplotlib.colors.to_rgba(colour[run["n_neurons"]], 0.35))
    for bar, (accuracy, _) in zip(paper_bars, paper.values()):
        ax.annotate(f"{accuracy:.1f}", (bar.get_x() + bar.get_width() / 2, accuracy), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    for bar, run in zip(lab_bars, lab):
        centre = bar.get_x() + bar.get_width() / 2
        ax.annotate(f"{run['test_accuracy_percent']:.1f}", (centre, run["test_accuracy_percent"]), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
        if run.get("partial"):
            planned = run.get("examples_planned")
            ax.text(centre, run["test_accuracy_percent"] / 2,
                    f"partial: {run['examples_trained']:,}" + (f" of {planned:,}" if planned else "") + " examples",
                    rotation=90, ha="center", va="center", fontsize=7.5, fontweight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 1.5})
    ax.set_xticks(x, [f"{n:,}" for n in order])
    ax.set_xlabel("excitatory neurons")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 20))
    ax.grid(alpha=0.3, axis="y")
    from matplotlib.patches import Patch

    handles = [Patch(facecolor="0.7", edgecolor="k", label="paper (Diehl & Cook 2015)"),
               Patch(facecolor="white", edgecolor="k", label="this lab (colour: size)")]
    if any(run.get("partial") for run in lab):
        handles.append(Patch(facecolor="white", edgecolor="k", hatch="//", label="this lab, run still training"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", framealpha=0.95, ncol=2)
    ax.set_title("Test accuracy at the end", fontsize=10)
    _training_lines(bx, lab, paper, colour, smooth)
    bx.legend(fontsize=7, loc="lower right")
    bx.set_title(f"During training (lines: running accuracy, mean of {smooth} records;\n"
                 "markers: test set, open where partial; stars: the paper)", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@fill_doc
def training_runs(runs: list, paper: dict, smooth=10, title="Accuracy against training, every run the lab has made"):
    """Running accuracy during training and test accuracy at the end, every run the lab has made.

    One colour per size and one marker and line style per run of a size, with the paper's figures
    (stars at their training; dashed where it is not given): for the runs set aside from
    ``paper_table`` (other settings, stopped early) beside the main ones.

    Parameters
    ----------
    runs : list of dict
        As for ``paper_table``, several runs per size allowed.
    paper : dict
        As for ``paper_table``.
    smooth : int, default 10
        Records in the moving mean of the running accuracy.
    %(plot_title)s

    %(figure_returns)s
    """
    fig, ax = plt.subplots(figsize=(8, 4.8))
    _training_lines(ax, runs, paper, _size_colours(runs, paper), smooth)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{title}\nlines: running accuracy (mean of {smooth} records); markers: test set (open: partial)",
                 fontsize=10)
    return fig


@fill_doc
def variants_course(variants: dict, title="Two hot loops, the same learning"):
    """Mean θ and excitatory spikes per example against training examples, one line per seed.

    Parameters
    ----------
    variants : dict
        Name -> {seed: {"examples", "theta_mean_course", "spikes_per_example_course"}}; one colour
        per name.
    %(plot_title)s

    %(figure_returns)s
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (name, seeds) in enumerate(variants.items()):
        for n, run in enumerate(seeds.values()):
            for ax, key in zip(axes, ("theta_mean_course", "spikes_per_example_course")):
                ax.plot(run["examples"], run[key], color=f"C{k}", alpha=0.7, lw=1, label=name if n == 0 else None)
    for ax, label in zip(axes, ("mean θ (mV)", "excitatory spikes per example")):
        ax.set_xlabel("training examples")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle(title + "  (one line per seed)")
    fig.tight_layout()
    return fig


@fill_doc
def sweep(table, params, metric: str = "accuracy"):
    """A sweep's metric against each parameter, one panel per parameter.

    Every ok point is drawn, and the mean over the other parameters as a line. With a ``seed`` column
    holding several seeds, the mean is over seeds (each seed first averaged over the other
    parameters), with the range over seeds as an error bar; ``seed`` itself gets no panel unless it
    is the only parameter. An accuracy in [0, 1] is drawn in %.

    Parameters
    ----------
    table : pandas.DataFrame
        ``stdplab.sweep.run_sweep``'s table.
    params : str or list of str
        The parameters to put on the x axis.
    metric : str, default "accuracy"
        The column to draw.

    %(figure_returns)s

    Raises
    ------
    ValueError
        If ``params`` is empty.
    """
    params = [params] if isinstance(params, str) else list(params)
    if not params:
        raise ValueError("the sweep figure needs at least one parameter to put on the x axis")
    ok = table[table["status"] == "ok"]
    seeds = "seed" in ok.columns and ok["seed"].nunique(dropna=True) > 1
    if seeds and len(params) > 1:
        params = [name for name in params if name != "seed"]
    scale, unit = 1.0, ""
    values_all = ok[metric].dropna() if metric in ok.columns else ok.iloc[0:0, 0]
    if "accuracy" in metric and len(values_all) and values_all.between(0, 1).all():
        scale, unit = 100.0, " (%)"
    fig, axes = plt.subplots(1, len(params), figsize=(4 * len(params), 3.4), squeeze=False)
    for ax, name in zip(axes[0], params):
        columns = [name, metric] + (["seed"] if seeds and name != "seed" else [])
        values = ok[columns].dropna()
        values = values.assign(**{metric: scale * values[metric].astype(float)})
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                      for v in values[name])
        levels = sorted(values[name].unique(), key=lambda v: (str(type(v)), v))
        position = (lambda v: v) if numeric else (lambda v: levels.index(v))
        ax.scatter([position(v) for v in values[name]], values[metric], color="tab:blue", alpha=0.5, s=16,
                   label="points")
        if seeds and name != "seed":
            per_seed = values.groupby([name, "seed"])[metric].mean().unstack("seed")
            mean = per_seed.mean(axis=1)
            spread = [mean - per_seed.min(axis=1), per_seed.max(axis=1) - mean]
            ax.errorbar([position(v) for v in mean.index], mean.values, yerr=spread, fmt="o-", color="tab:red",
                        capsize=4, label=f"mean of {per_seed.shape[1]} seeds (bar: range)")
        else:
            means = values.groupby(name)[metric].mean()
            ax.plot([position(v) for v in means.index], means.values, "o-", color="tab:red", label="mean")
        if not numeric:
            ax.set_xticks(range(len(levels)), [str(v) for v in levels])
        else:
            if len(levels) > 2 and min(levels) > 0 and max(levels) / min(levels) >= 20:
                ax.set_xscale("log")
            if len(levels) <= 8:
                ax.set_xticks(levels, [f"{v:g}" for v in levels])
                ax.minorticks_off()
        ax.set_xlabel(name)
        ax.set_ylabel(metric + unit)
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="best", fontsize="small")
    n_failed = int((table["status"] != "ok").sum())
    fig.suptitle(f"{metric} over {len(table)} points" + (f" ({n_failed} failed)" if n_failed else ""))
    fig.tight_layout()
    return fig


@fill_doc
def training_state(weights, image_shape, theta, history, max_fields=100):
    """One frame of training: receptive fields, every neuron's θ and the running accuracy so far.

    Parameters
    ----------
    weights : array-like of shape (n_input, n_neurons)
        Input weights.
    image_shape : tuple of int
        (height, width) of one receptive field.
    theta : array-like of shape (n_neurons,)
        Thresholds, mV.
    history : dict
        The estimator's ``history_``.
    max_fields : int, default 100
        Receptive fields drawn at most (the first ones).

    %(figure_returns)s
    """
    weights = np.asarray(weights)[:, :max_fields]
    fig, (rf, th, acc) = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.3, 1, 1.2]})
    _draw_fields(rf, weights, image_shape)
    rf.set_title(f"Receptive fields ({weights.shape[1]} neurons)")
    fig.colorbar(_draw_theta(th, theta), ax=th, fraction=0.046, pad=0.02, label=THETA_LABEL)
    th.set_title("Adaptive thresholds θ")
    seen = [(x, a) for x, a in zip(history["examples"], history["running_accuracy"]) if a is not None]
    if seen:
        acc.plot(*zip(*seen), marker="o", ms=3)
    acc.set_ylim(0, 1)
    acc.set_xlabel("training examples")
    acc.set_ylabel("running accuracy (fraction correct)")
    acc.set_title("Accuracy so far" if seen else "Accuracy so far (needs labels)")
    acc.grid(alpha=0.3)
    examples = history["examples"][-1] if history["examples"] else 0
    fig.suptitle(f"After {examples} training examples")
    fig.tight_layout()
    return fig


def receptive_field_animation(snapshots, image_shape, path, fps=4):
    """Write a GIF of the receptive fields as they were learned.

    Parameters
    ----------
    snapshots : list of tuple
        ``(examples, weights, theta)`` per frame, as in ``DiehlCook2015.history_["snapshots"]``.
    image_shape : tuple of int
        (height, width) of one receptive field.
    path : str or os.PathLike
        The GIF; its folder is made if missing.
    fps : int, default 4
        Frames per second.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    fig = receptive_fields(snapshots[0][1], image_shape)
    image = fig.axes[0].images[0]

    def frame(k):
        examples, weights, _ = snapshots[k]
        canvas = _tiles(weights, image_shape)
        image.set_data(canvas)
        image.set_clim(0, np.nanmax(canvas))
        fig.axes[0].set_title(f"Receptive fields after {examples} examples")
        return [image]

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FuncAnimation(fig, frame, frames=len(snapshots), blit=False).save(path, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return path


# --- lesson 4 (notebook 04): seeds aggregated into mean ± standard error ---------------------------

@fill_doc
def seed_error_bars(table, parameter: str, metrics, percent: bool = True,
                    title: str | None = None):
    """Each metric against one swept parameter, the seeds aggregated: one panel per metric.

    Every run is a small dot, the mean ± 1 standard error (sample standard deviation / √n) an error
    bar. The x axis shows each value of ``parameter`` at equal spacing, labelled with it.

    Parameters
    ----------
    table : pandas.DataFrame
        The finished points of a sweep (``run_sweep``'s table, ``status == "ok"`` rows), one row per
        point, with a column for ``parameter`` and one per metric.
    parameter : str
        The swept column, on the x axis.
    metrics : str or list of str
        The columns to draw (fractions).
    percent : bool, default True
        Show the metrics in %.
    title : str, optional
        The figure's title (default: says the effect of ``parameter``).

    %(figure_returns)s

    Raises
    ------
    ValueError
        If no metric is given, or a column is missing from the table.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise ValueError("give at least one metric to plot")
    missing = [name for name in [parameter, *metrics] if name not in table.columns]
    if missing:
        raise ValueError(f"no column(s) {missing} in the table; its columns: {list(table.columns)}")
    scale = 100.0 if percent else 1.0
    levels = sorted(table[parameter].dropna().unique())
    position = {value: k for k, value in enumerate(levels)}
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        values = table[[parameter, name]].dropna()
        x = values[parameter].map(position).to_numpy(dtype=float)
        jitter = (np.arange(len(x)) % 5 - 2) * 0.03
        ax.scatter(x + jitter, scale * values[name].to_numpy(dtype=float), s=12, color="0.55", alpha=0.8,
                   label="one seed", zorder=2)
        grouped = (scale * values[name]).groupby(values[parameter])
        mean, sem, count = grouped.mean(), grouped.sem(), grouped.count()
        ax.errorbar([position[v] for v in mean.index], mean.to_numpy(), yerr=sem.fillna(0).to_numpy(), fmt="o-",
                    color="tab:red", capsize=5, lw=1.5, label="mean ± standard error", zorder=3)
        ax.set_xticks(range(len(levels)), [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)
                                           for v in levels])
        ax.set_xlabel(parameter)
        ax.set_ylabel(f"{name} (%)" if percent else name)
        ax.grid(alpha=0.3)
        n = sorted(set(count.tolist()))
        ax.set_title(f"{name}, {'/'.join(map(str, n))} seeds per value", fontsize=10)
    axes[0][0].legend(loc="best", fontsize="small")
    fig.suptitle(title or f"Effect of {parameter}: mean ± standard error over seeds")
    fig.tight_layout()
    return fig


# --- notebook 02: a healthy run beside a collapsed one (lesson 2) ----------------------------------

@fill_doc
def healthy_and_collapsed(runs: dict, image_shape=(28, 28), title="A healthy run and a collapsed one"):
    """Trained networks side by side: a healthy run and a collapsed one.

    Top row: each run's receptive fields (one colour scale per run, labelled); bottom row, one line
    per run: θ of every neuron (sorted), each neuron's share of the test spikes (sorted) and the
    fraction of neurons that never fired during training.

    Parameters
    ----------
    runs : dict
        Label -> ``{"weights": (n_input, n_neurons), "theta": (n_neurons,) in mV, "counts":
        (n_images, n_neurons) test spike counts, "history": the estimator's history_}``.
    image_shape : tuple of int, default (28, 28)
        (height, width) of one receptive field.
    %(plot_title)s

    %(figure_returns)s
    """
    n = len(runs)
    fig = plt.figure(figsize=(max(12, 5 * n), 8.4))
    grid = fig.add_gridspec(2, max(n, 3), height_ratios=[1.5, 1])
    for k, (label, run) in enumerate(runs.items()):
        ax = fig.add_subplot(grid[0, k])
        canvas = _tiles(np.asarray(run["weights"]), image_shape)
        im = ax.imshow(canvas, cmap="hot_r", interpolation="nearest", vmin=0, vmax=np.nanmax(canvas))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{label}: receptive fields", fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label="input weight")
    theta_ax, share_ax, silent_ax = (fig.add_subplot(grid[1, k]) for k in range(3))
    for k, (label, run) in enumerate(runs.items()):
        colour = f"C{k}"
        theta = np.sort(np.asarray(run["theta"], float))[::-1]
        theta_ax.plot(np.arange(len(theta)), theta, color=colour, label=label)
        spikes = np.asarray(run["counts"], float).sum(axis=0)
        share = np.sort(spikes / max(spikes.sum(), 1))[::-1]
        share_ax.plot(np.arange(len(share)), 100 * share, color=colour, label=label)
        history = run["history"]
        silent_ax.plot(history["examples"], history["silent_fraction"], "o-", ms=4, color=colour, label=label)
    theta_ax.set_xlabel("neuron (sorted by θ)")
    theta_ax.set_ylabel("θ after training (mV)")
    share_ax.set_xlabel("neuron (sorted by its share)")
    share_ax.set_ylabel("share of the test spikes (%)")
    silent_ax.set_xlabel("training examples")
    silent_ax.set_ylabel("never fired (fraction)")
    silent_ax.set_ylim(-0.02, 1.02)
    for ax in (theta_ax, share_ax, silent_ax):
        ax.grid(alpha=0.3)
    theta_ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- label efficiency (issue 24): accuracy against the number of labelled images --------------------

# One colour and marker per method of ``studies.label_efficiency``: the network's readouts solid, the
# supervised learners on pixels dashed.
LABEL_METHOD_STYLE = {
    "vote": {"color": "tab:red", "marker": "o", "linestyle": "-"},
    "linear readout": {"color": "tab:purple", "marker": "s", "linestyle": "-"},
    "logistic regression (pixels)": {"color": "tab:blue", "marker": "^", "linestyle": "--"},
    "MLP (pixels)": {"color": "tab:green", "marker": "D", "linestyle": "--"},
}


def label_efficiency(tables, title="Test accuracy against the number of labelled images"):
    """Accuracy against labelled images, one panel per network: each method's mean over the draws
    with ± 1 standard deviation as a band, and every draw as a dot; the x axis is logarithmic.

    Parameters
    ----------
    tables : pandas.DataFrame or dict of str to pandas.DataFrame
        ``studies.label_efficiency``'s table, or {panel title (e.g. "400 neurons"): table}.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tables = tables if isinstance(tables, dict) else {"": tables}
    fig, axes = plt.subplots(1, len(tables), figsize=(5.6 * len(tables), 4.4), squeeze=False, sharey=True)
    for ax, (name, table) in zip(axes[0], tables.items()):
        for method in [m for m in LABEL_METHOD_STYLE if m in set(table["method"])] + \
                      sorted(set(table["method"]) - set(LABEL_METHOD_STYLE)):
            style = LABEL_METHOD_STYLE.get(method, {"color": "0.4", "marker": "o", "linestyle": "-"})
            rows = table[table["method"] == method].dropna(subset=["accuracy"])
            grouped = (100 * rows["accuracy"]).groupby(rows["size"])
            mean, std = grouped.mean(), grouped.std().fillna(0.0)
            ax.scatter(rows["size"], 100 * rows["accuracy"], s=8, color=style["color"], alpha=0.35, zorder=2)
            ax.plot(mean.index, mean.to_numpy(), color=style["color"], marker=style["marker"],
                    linestyle=style["linestyle"], ms=5, lw=1.6, label=method, zorder=3)
            ax.fill_between(mean.index, (mean - std).to_numpy(), (mean + std).to_numpy(), color=style["color"],
                            alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("labelled training images")
        ax.grid(alpha=0.3, which="both")
        draws = table.groupby("size")["draw"].nunique()
        note = f"{draws.max()} draws per size" + (" (the whole set: one)" if draws.min() < draws.max() else "")
        ax.set_title(f"{name}: {note}" if name else note, fontsize=10)
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][0].legend(loc="lower right", fontsize="small", title="mean ± 1 s.d.; dots: draws",
                      title_fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
