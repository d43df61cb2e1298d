"""Docstring fragments that several public names share, written once.

A docstring of a name decorated with :func:`fill_doc` may hold a line that is only ``%(key)s``;
the line becomes ``FRAGMENTS[key]``, indented as that line is. A parameter described in several
places then reads the same in each and is edited in one, as with MNE's ``fill_doc`` and
matplotlib's ``_docstring.interpd``. Only whole lines are replaced, so a ``%`` elsewhere in a
docstring needs no escaping. A fragment named ``*_parameters``, ``*_returns`` or ``*_raises``
holds its section's heading too: the whole section is what the docstrings share.
"""
from __future__ import annotations

import re
import textwrap

_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)

FRAGMENTS: dict[str, str] = {
    "binary_images_parameters": """
        Parameters
        ----------
        X : array_like
            (n, inputs) of 0 and 1.""",
    "sharpened_model_parameters": """
        Parameters
        ----------
        model : keras.Model
            A network built by ``mlp`` or ``cnn``.""",
    "estimator_self_returns": """
        Returns
        -------
        DiehlCook2015
            self.""",
    "shipped_network_parameters": """
        Parameters
        ----------
        n_neurons : int or str
            The shipped network's number of excitatory neurons (``available`` lists them; ``"400"``
            as well as ``400``).
        directory : str or os.PathLike, optional
            Where the networks and their manifests are (default: ``stdplab/models``).""",
    "keras_epoch_parameters": """
        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict, optional
            Keras's logs of the epoch.""",
    "keras_input_shape_parameters": """
        Parameters
        ----------
        input_shape : tuple
            The shape of the layer's input, batch first.""",
    "images_parameters": """
        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or (n, height, width)
            Images, pixels in [0, 255].""",
    "not_fitted_raises": """
        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has not learned yet.""",
    "no_labels_raises": """
        Raises
        ------
        sklearn.exceptions.NotFittedError
            If no labels were assigned, or the readout is "linear" and was not fitted.""",
    "labels_predicted_returns": """
        Returns
        -------
        numpy.ndarray
            (n,) labels from ``classes_``.""",
    "converted_images_parameters": """
        Parameters
        ----------
        X : array-like of shape (n, n_features)
            Images scaled to [0, 1] as the MLP was trained, e.g. pixels / 255.""",
    "conversion_scale": """
        normalisation : {"max", "percentile"}, default "max"
            Each layer's scale: the largest activation (Diehl et al. 2015) or a percentile of them
            (Rueckauer et al. 2017).
        percentile : float, default 99.9
            The percentile, with ``normalisation="percentile"``.""",
    "vote_inputs_parameters": """
        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_neurons)
            Excitatory spike counts (``DiehlCook2015.transform``'s).
        assignments : ndarray, shape (n_neurons,)
            From ``assign_labels``.
        proportions : ndarray, shape (n_classes, n_neurons), optional
            From ``assign_labels``; needed for "proportion" voting (with "all" it gives the number of classes).
        voting : {"all", "proportion"}, default "all"
            "all": a class's score is the mean count of its assigned neurons; "proportion": every
            neuron votes for every class in proportion to its share of responses to it.""",
    "run_folder_parameters": """
        Parameters
        ----------
        out : str or os.PathLike
            The run's folder.""",
    "unsupported_format_raises": """
        Raises
        ------
        records.UnsupportedFormatError
            If the file is of an unknown or newer format.""",
    "split_returns": """
        Returns
        -------
        tuple of numpy.ndarray
            ``x_train, y_train, x_test, y_test``: images (n, 28, 28) uint8 in [0, 255], labels int64.""",
    # What the simulation counts for every example (simulator.ChunkResult, estimator.Responses).
    "example_counts": """
        counts : numpy.ndarray
            (n, n_neurons) excitatory spikes in each example's accepted presentation.
        presentations : numpy.ndarray
            (n,) times each example was shown (1 + boosts).
        input_spikes, exc_spikes, inh_spikes : numpy.ndarray
            (n,) spikes of each population over all presentations and rests of the example (for energy).""",
    "probe_rule_parameters": """
        Parameters
        ----------
        learning_rule : str
            A name in ``rules.RULES``.""",
    "probe_params": """
        params : Parameters, optional
            Further parameters (default: the paper's).
        duration : float, optional
            ms (default: just past the last spike).""",
    # stdplab.course
    "lesson_notebook_parameters": """
        Parameters
        ----------
        notebook : path or nbformat.NotebookNode
            An instructor's version of a lesson: its file, or the notebook read.""",
    "lesson_notebooks_parameters": """
        Parameters
        ----------
        notebooks : path or dict, default=the repository's ``notebooks/``
            A folder of lessons (:func:`lessons`), or a dict of assignment name to notebook path.""",
    "course_folder_parameters": """
        Parameters
        ----------
        course : path
            The course folder (:func:`make_course`'s).""",
    "assignment": """
        assignment : str
            The assignment: a lesson's name, e.g. ``"01_neuron_and_stdp"``.""",
    # stdplab.plots
    "figure_files": """
        fig : matplotlib.figure.Figure
            The figure.
        output_dir : str or os.PathLike
            The folder, made if missing.
        name : str
            The files' name, without extension.
        formats : sequence of str, default ("png",)
            One file per format, e.g. "png", "svg", "pdf".""",
    # stdplab.cli
    "subcommands_parameters": """
        Parameters
        ----------
        sub : argparse._SubParsersAction
            The command line's subcommands.""",
    "plot_title": """
        title : str, optional
            The figure's title.""",
    "figure_returns": """
        Returns
        -------
        matplotlib.figure.Figure
            The figure; ``save`` writes it to files.""",
}


def register(**fragments: str) -> None:
    """Add fragments built at import time (e.g. from a dataclass's fields).

    Parameters
    ----------
    **fragments : str
        Key -> text, indented as in a docstring or not at all.

    Raises
    ------
    ValueError
        If a key is already taken.
    """
    taken = sorted(set(fragments) & set(FRAGMENTS))
    if taken:
        raise ValueError(f"docstring fragments {taken} are already registered")
    FRAGMENTS.update(fragments)


def fill_doc(obj):
    """Replace each ``%(key)s`` line of ``obj``'s docstring with ``FRAGMENTS[key]``.

    On a class, the docstrings of the methods and properties it defines are filled too.

    Parameters
    ----------
    obj : function or class
        Its ``__doc__`` is rewritten in place (left alone under ``python -OO``, where it is None).

    Returns
    -------
    function or class
        ``obj`` itself, so that ``fill_doc`` serves as a decorator.

    Raises
    ------
    KeyError
        If a placeholder names no fragment: a typo fails at import, not in the rendered page.
    """
    targets = [obj]
    if isinstance(obj, type):
        for member in vars(obj).values():
            member = getattr(member, "__func__", getattr(member, "fget", member))
            # A decorator's wrapper (functools.wraps) holds a copy of the docstring it wraps.
            while member is not None:
                targets.append(member)
                member = getattr(member, "__wrapped__", None)
    for target in targets:
        if callable(target) and target.__doc__ and "%(" in target.__doc__:
            target.__doc__ = _PLACEHOLDER.sub(_fragment, target.__doc__)
    return obj


def _fragment(match: re.Match) -> str:
    text = textwrap.dedent(FRAGMENTS[match.group(2)]).strip("\n")
    return textwrap.indent(text, match.group(1))
