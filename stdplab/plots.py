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


def shown(fig, output_dir, name, formats=("png",)) -> list[Path]:
    """``save``, then show the figure in the notebook and close it: what a slider's redraw needs
    (an open figure would be drawn a second time, and redraws would pile up figures)."""
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


def receptive_fields(weights, image_shape=(28, 28), title="Receptive fields (input weights)"):
    """Each neuron's input weights (n_input, n_neurons) as an image tile, in one grid."""
    canvas = _tiles(np.asarray(weights), image_shape)
    rows, cols = _grid(np.asarray(weights).shape[1])
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


def conversion_accuracy(curves: dict, ann: dict, title="Converted networks: accuracy against time steps"):
    """``curves``: {(network, setting): accuracy after each step (0-1)}; ``ann``: {network: the
    MLP's own accuracy}, drawn as a broad pale line in the network's colour. Solid: the first
    setting of each network; dashed and dotted: the others."""
    colours = {net: f"C{k % 10}" for k, net in enumerate(ann)}
    styles = {}
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    for net, accuracy in ann.items():
        ax.axhline(100 * accuracy, color=colours[net], lw=2.5, alpha=0.3, label=f"{net} ANN {100 * accuracy:.2f} %")
    for (net, setting), accuracy in curves.items():
        style = styles.setdefault(net, iter(["-", "--", ":", "-.", (0, (1, 3)), (0, (5, 1))]))
        ax.plot(np.arange(1, len(accuracy) + 1), 100 * np.asarray(accuracy), color=colours[net], ls=next(style),
                lw=1.2, label=f"{net}, {setting}")
    ax.set_xscale("log")
    ax.set_xlabel("time steps of 1 ms (log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(max(0, min(100 * min(ann.values()) - 15, 80)), 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(title)
    fig.tight_layout()
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


def energy_accuracy(rows, title="Accuracy against estimated energy per image",
                    caveat="Estimates: operation counts × published energy per operation; memory traffic ignored"):
    """Accuracy against energy per image (log scale) for models under hardware presets.

    ``rows``: dicts (or a DataFrame) with ``model``, ``family``, ``preset``, ``accuracy`` (0-1) and
    ``energy_per_image_j``, as made by ``stdplab.energy.snn_rows`` and ``conventional_rows``.
    Colour: model; marker: preset; filled markers for spiking networks, open for conventional ones.
    """
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    rows = [r for r in rows if r["energy_per_image_j"] is not None and np.isfinite(r["energy_per_image_j"])
            and r["energy_per_image_j"] > 0]
    models = list(dict.fromkeys(r["model"] for r in rows))
    presets = list(dict.fromkeys(r["preset"] for r in rows))
    markers = dict(zip(presets, "o s ^ D v P X * h <".split() * 3))
    palette = [f"C{k}" for k in range(10)] if len(models) <= 10 else list(plt.get_cmap("tab20").colors)
    colours = {m: palette[k % len(palette)] for k, m in enumerate(models)}
    fig, ax = plt.subplots(figsize=(8, 5))
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        spiking = mine[0].get("family", "").startswith("SNN")
        xs = [r["energy_per_image_j"] for r in mine]
        ys = [100 * r["accuracy"] for r in mine]
        ax.plot(sorted(xs), [ys[0]] * len(xs), color=colours[model], lw=0.8, alpha=0.5,
                ls="-" if spiking else "--")
        for r in mine:
            ax.scatter(r["energy_per_image_j"], 100 * r["accuracy"], marker=markers[r["preset"]], s=45,
                       color=colours[model] if spiking else "none", edgecolors=colours[model], zorder=3)
    ax.set_xscale("log")
    ax.set_xlabel("estimated energy per image (J, log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    from matplotlib.lines import Line2D

    model_handles = [Line2D([], [], color=colours[m], marker="o", ls="-",
                            markerfacecolor=colours[m] if next(r for r in rows if r["model"] == m)
                            .get("family", "").startswith("SNN") else "none", label=m) for m in models]
    preset_handles = [Line2D([], [], color="0.3", marker=markers[p], ls="none", label=p) for p in presets]
    ax.set_title(title)
    fig.tight_layout(rect=(0, 0.03 if caveat else 0, 0.74, 1))
    fig.legend(handles=model_handles, title="model (filled: spiking)", loc="upper left",
               bbox_to_anchor=(0.75, 0.93), fontsize=8, title_fontsize=8)
    fig.legend(handles=preset_handles, title="hardware preset", loc="lower left", bbox_to_anchor=(0.75, 0.1),
               fontsize=8, title_fontsize=8)
    if caveat:
        fig.text(0.01, 0.005, caveat, fontsize=7, color="0.35", ha="left", va="bottom")
    return fig


# --- notebook 01: one neuron, STDP, lateral inhibition --------------------------------------------

def neuron_trace(t, v, threshold, theta, spikes, input_spikes=None, title="One excitatory neuron"):
    """Membrane potential and adaptive threshold (mV) against time (ms), with the spikes marked;
    θ below; the input spikes (indices, times in ms) above, if given."""
    rows = 3 if input_spikes is not None else 2
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(8, 2.2 + 1.9 * rows),
                             gridspec_kw={"height_ratios": [1, 2, 1][-rows:]})
    if input_spikes is not None:
        i, ti = (np.asarray(a) for a in input_spikes)
        axes[0].plot(ti, i, "|", ms=2, color="0.3")
        axes[0].set_ylabel("input")
        axes[0].set_title(title)
    ax, bx = axes[-2], axes[-1]
    t, v = np.asarray(t), np.asarray(v)
    ax.plot(t, v, color="C0", lw=1, label="membrane potential v")
    ax.plot(t, threshold, color="C3", lw=1.2, label="threshold θ − θ_offset + v_thresh")
    spikes = np.asarray(spikes)
    if len(spikes):
        top = np.max(threshold) + 3
        ax.vlines(spikes, top, top + 6, color="k", lw=1.2, label="spikes")
    ax.set_ylabel("mV")
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


def _rule_panels(n):
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def stdp_window(dts, windows: dict, title="STDP window measured from the rules"):
    """``windows``: {rule: Δw for each Δt = t_post − t_pre in ``dts`` (ms)}, one panel per rule."""
    dts = np.asarray(dts, float)
    fig, axes = _rule_panels(len(windows))
    for ax, (rule, dw) in zip(axes, windows.items()):
        dw = np.asarray(dw, float)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.plot(dts[dts < 0], dw[dts < 0], "o-", ms=3, color="C0")
        ax.plot(dts[dts >= 0], dw[dts >= 0], "o-", ms=3, color="C3")
        ax.set_title(rule)
        ax.set_xlabel("Δt = t_post − t_pre (ms)")
        ax.set_ylabel("Δw")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def weight_dependence(w0s, changes: dict, labels=("Δt = −10 ms", "Δt = +10 ms"),
                      title="Weight dependence of the change"):
    """``changes``: {rule: array (len(w0s), len(labels)) of Δw}; one panel per rule, Δw against w."""
    w0s = np.asarray(w0s, float)
    fig, axes = _rule_panels(len(changes))
    for ax, (rule, dw) in zip(axes, changes.items()):
        dw = np.asarray(dw, float).reshape(len(w0s), -1)
        ax.axhline(0, color="0.6", lw=0.8)
        for k in range(dw.shape[1]):
            ax.plot(w0s, dw[:, k], "o-", ms=3, color=("C0", "C3", "C2", "C1")[k % 4],
                    label=labels[k] if k < len(labels) else None)
        ax.set_title(rule)
        ax.set_xlabel("weight before (w / w_max)")
        ax.set_ylabel("Δw")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def winner_take_all(runs: dict, title="Lateral inhibition: winner-take-all"):
    """``runs``: {label: result of ``probes.winner_take_all``}; a raster per run (excitatory
    spikes as bars, inhibitory as dots) and the excitatory spike counts per neuron."""
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
        bx.set_xlabel("excitatory spikes")
    axes[0, 0].legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def sensitivity(rules: dict, title="Accuracy against each rule constant"):
    """One panel per constant, one line per rule. ``rules``: {rule: {"defaults": {name: value},
    "default_accuracy_percent": [one per seed], "constants": {name: [{"value", "accuracy_percent"}]}}};
    each rule's default is marked, with the range over seeds as an error bar."""
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
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("test accuracy (%)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title + "  (★ default, bar: range over seeds)")
    fig.tight_layout()
    return fig


def learning_record(history, title="How the network learns"):
    """θ (mean), spikes per example and the fraction of never-fired neurons against examples seen."""
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


def paper_table(runs: list, paper: dict, smooth=10, title="Accuracy against training, every size the lab has run"):
    """Running accuracy during training (lines, a moving mean over ``smooth`` records) and test
    accuracy at the end (markers), one colour per size and one marker and line style per run of a
    size, with the paper's figures (stars at their training; dashed where it is not given).
    ``runs``: dicts with ``n_neurons``, ``label``, ``examples``, ``running_accuracy`` (in [0, 1],
    None where not yet measured), ``examples_trained``, ``test_accuracy_percent``;
    ``paper``: {n_neurons: (accuracy %, training examples or None)}."""
    sizes = sorted({run["n_neurons"] for run in runs} | set(paper))
    colour = {n: f"C{k}" for k, n in enumerate(sizes)}
    fig, ax = plt.subplots(figsize=(8, 4.8))
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
        ax.plot(run["examples_trained"], run["test_accuracy_percent"], "osD^"[k % 4], color=c, ms=7, mec="k",
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
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{title}\nlines: running accuracy (mean of {smooth} records); markers: test set", fontsize=10)
    return fig


def variants_course(variants: dict, title="Two hot loops, the same learning"):
    """Mean θ and excitatory spikes per example against training examples, one line per seed,
    one colour per variant. ``variants``: {name: {seed: {"examples", "theta_mean_course",
    "spikes_per_example_course"}}}."""
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


def sweep(table, params, metric: str = "accuracy"):
    """``metric`` against each parameter in ``params`` (one panel each): every ok point, and the
    mean over the other parameters as a line. ``table``: ``stdplab.sweep.run_sweep``'s."""
    params = [params] if isinstance(params, str) else list(params)
    if not params:
        raise ValueError("the sweep figure needs at least one parameter to put on the x axis")
    ok = table[table["status"] == "ok"]
    fig, axes = plt.subplots(1, len(params), figsize=(4 * len(params), 3.2), squeeze=False)
    for ax, name in zip(axes[0], params):
        values = ok[[name, metric]].dropna()
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                      for v in values[name])
        levels = sorted(values[name].unique(), key=lambda v: (str(type(v)), v))
        position = (lambda v: v) if numeric else (lambda v: levels.index(v))
        ax.scatter([position(v) for v in values[name]], values[metric], color="tab:blue", alpha=0.6,
                   label="points")
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
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="best", fontsize="small")
    n_failed = int((table["status"] != "ok").sum())
    fig.suptitle(f"{metric} over {len(table)} points" + (f" ({n_failed} failed)" if n_failed else ""))
    fig.tight_layout()
    return fig


def training_state(weights, image_shape, theta, history, max_fields=100):
    """One frame of training: the first ``max_fields`` receptive fields, every neuron's θ, and the
    running accuracy so far (``history``: the estimator's ``history_``)."""
    weights = np.asarray(weights)[:, :max_fields]
    fig, (rf, th, acc) = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.3, 1, 1.2]})
    canvas = _tiles(weights, image_shape)
    rf.imshow(canvas, cmap="hot_r", interpolation="nearest", vmin=0, vmax=np.nanmax(canvas))
    rf.set_title(f"Receptive fields ({weights.shape[1]} neurons)")
    theta = np.asarray(theta, dtype=float)
    rows, cols = _grid(len(theta))
    grid = np.full(rows * cols, np.nan)
    grid[: len(theta)] = theta
    fig.colorbar(th.imshow(grid.reshape(rows, cols), cmap="viridis", interpolation="nearest"), ax=th,
                 fraction=0.046, pad=0.02, label="mV")
    th.set_title("Adaptive thresholds θ")
    for ax in (rf, th):
        ax.set_xticks([])
        ax.set_yticks([])
    seen = [(x, a) for x, a in zip(history["examples"], history["running_accuracy"]) if a is not None]
    if seen:
        acc.plot(*zip(*seen), marker="o", ms=3)
    acc.set_ylim(0, 1)
    acc.set_xlabel("training examples")
    acc.set_ylabel("running accuracy")
    acc.set_title("Accuracy so far" if seen else "Accuracy so far (needs labels)")
    acc.grid(alpha=0.3)
    examples = history["examples"][-1] if history["examples"] else 0
    fig.suptitle(f"After {examples} training examples")
    fig.tight_layout()
    return fig


def receptive_field_animation(snapshots, image_shape, path, fps=4):
    """Write a GIF of the receptive fields, one frame per ``(examples, weights, theta)`` snapshot."""
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


# --- notebook 02: a healthy run beside a collapsed one (lesson 2) ----------------------------------
# A separate block: the functions above are maintained apart from this one.

def healthy_and_collapsed(runs: dict, image_shape=(28, 28), title="A healthy run and a collapsed one"):
    """Compare trained networks side by side. ``runs``: {label: {"weights": (n_input, n_neurons),
    "theta": (n_neurons,) in mV, "counts": (n_images, n_neurons) test spike counts, "history": the
    estimator's ``history_``}}. Top row: each run's receptive fields (one colour scale per run,
    labelled); bottom row, one line per run: θ of every neuron (sorted), each neuron's share of the
    test spikes (sorted) and the fraction of neurons that never fired during training."""
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


# --- lesson 4 (course, issue 21): seeds aggregated into mean ± standard error -----------------------
# A separate block, added for notebooks/04_sweep.ipynb; the functions above are maintained apart.

def seed_error_bars(table, parameter: str, metrics, percent: bool = True,
                    title: str | None = None):
    """Each metric against one swept parameter, the seeds aggregated: every run as a small dot, the
    mean ± 1 standard error (sample standard deviation / √n) as an error bar, one panel per metric.

    ``table``: the finished points of a sweep (``run_sweep``'s table, ``status == "ok"`` rows), one
    row per point, with a column for ``parameter`` and one per metric (fractions, shown in % when
    ``percent``). The x axis shows each value of ``parameter`` at equal spacing, labelled with it.
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
