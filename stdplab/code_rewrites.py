"""Rewrites of the C++ that Brian 2 generates for a standalone project, between generating and compiling.

Each makes the binary faster with the same results, bit for bit, and each checks that the code it rewrites is
what Brian 2.9 generates: where it is not (another Brian version), the project is compiled as Brian
generated it, with a warning, and its manifest says so.

- ``push_runs_of_equal_delay``: the project's copy of Brian's spike queue pushes each run of synapses
  with equal delay at once, and gains ``push_ranges``;
- ``deliver_ranges``: a pathway queues each run of consecutive synapses with equal delay as one
  (first synapse, count) pair and delivers it from there;
- ``conditions_first``: a group's thresholder computes every neuron's condition in one loop the
  compiler vectorises, then collects the spikes in index order;
- ``prefetch_synapses``: a pathway's delivery loop asks for the data of the synapse ``PREFETCH_AHEAD``
  events ahead while it works on this one;
- ``clock_once``: Brian's main loop reads the process's CPU clock once, after the run, instead of in
  every time step (a system call each time);
- ``write_results_only``: at the end of a run the binary writes the arrays the project reads back,
  not every array it holds.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

# The manifest's ``spike_queue`` values.
SPIKE_QUEUES = {"ranges": "Brian's spike queue rewritten to push runs of equal delay at once, as ranges"
                          " of synapses in the pathways the project names",
                "runs": "Brian's spike queue rewritten to push runs of equal delay at once",
                "brian": "Brian's spike queue as shipped (the rewrite did not match it)"}


class CodeRewriteWarning(UserWarning):
    """A rewrite did not apply: the project runs the code Brian generated, with the same results, more slowly."""


class SpikeQueueWarning(CodeRewriteWarning):
    """A project runs Brian's own spike queue: the same results, more slowly."""


# Shown at every run, not once per process: each run of such a build is slower.
warnings.filterwarnings("always", category=CodeRewriteWarning)


def installed_spike_queue() -> Path:
    """The installed Brian's spike queue source, which every standalone project copies.

    Returns
    -------
    pathlib.Path
        ``brian2/synapses/cspikequeue.cpp`` (a project's ``brianlib/spikequeue.h``).
    """
    import brian2.synapses

    return Path(brian2.synapses.__file__).parent / "cspikequeue.cpp"


# Brian's push of one spike into its heterogeneous-delay queue: synapse by synapse, a 64-bit
# division (the modulo) and a push_back each (brian2/synapses/cspikequeue.cpp, 2.9.0).
_BRIAN_PUSH = re.compile(
    r"for\s*\(int idx_indices=0; idx_indices<num_indices; idx_indices\+\+\)\s*\{\s*"
    r"const int synaptic_index = cur_indices\[idx_indices\];\s*int delay = rdelays\[synaptic_index\];\s*"
    r"queue\[\(offset\+delay\)%queue\.size\(\)\]\.push_back\(synaptic_index\);\s*\}")
# The same events in the same order, a run of equal delays at a time: in delay order
# (simulator.delivery_order) a run is a whole time step's worth of one input's synapses, one slot
# (and one division) per run.
_PUSH_RUNS = """const int n_slots = queue.size();
                for(int first=0; first<num_indices;)
                {
                    const int delay = rdelays[cur_indices[first]];
                    int last = first + 1;
                    while(last<num_indices && rdelays[cur_indices[last]]==delay) last++;
                    vector<int32_t> &slot = queue[(offset+delay)%n_slots];
                    slot.insert(slot.end(), cur_indices + first, cur_indices + last);
                    first = last;
                }"""


# Before Brian's peek (the queue's last method): the same events as push, queued as (first synapse,
# count) pairs, one per run of consecutive synapses with equal delay (``deliver_ranges``).
_BRIAN_PEEK = re.compile(r"(\n[ \t]*inline vector<int32_t>\* peek\(\))")
# The end of Brian's prepare (new delays): the range table is built anew.
_BRIAN_PREPARED = re.compile(r"(scalar_delay = \(min_delay == max_delay\);)")
_PUSH_RANGES = """
    // Per source: (first synapse, count, delay) of each run, built at the first push after prepare.
    vector< vector<int32_t> > range_table;
    void build_range_table()
    {
        range_table.assign(synapses.size(), vector<int32_t>());
        for(size_t source=0; source<synapses.size(); source++)
        {
            const vector<int> &indices = synapses[source];
            const int num_indices = indices.size();
            for(int first=0; first<num_indices;)
            {
                const int delay = delays[scalar_delay ? 0 : indices[first] - openmp_padding];
                int last = first + 1;
                while(last<num_indices && indices[last]==indices[last-1]+1
                      && (scalar_delay || delays[indices[last] - openmp_padding]==delay)) last++;
                range_table[source].push_back(indices[first]);
                range_table[source].push_back(last - first);
                range_table[source].push_back(delay);
                first = last;
            }
        }
    }
    void push_ranges(int32_t *spikes, int nspikes)
    {
        if(nspikes==0) return;
        if(range_table.size() != synapses.size()) build_range_table();
        const int start = static_cast<int>(distance(spikes, lower_bound(spikes, spikes+nspikes, source_start)));
        const int stop = static_cast<int>(distance(spikes, upper_bound(spikes, spikes+nspikes, source_end-1)));
        const int n_slots = queue.size();
        for(int idx_spike=start; idx_spike<stop; idx_spike++)
        {
            const vector<int32_t> &runs = range_table[spikes[idx_spike] - source_start];
            for(size_t k=0; k<runs.size(); k+=3)
            {
                vector<int32_t> &slot = queue[(offset+runs[k+2])%n_slots];
                slot.push_back(runs[k]);
                slot.push_back(runs[k+1]);
            }
        }
    }
"""


def _rewritten_queue(text: str) -> str | None:
    """Brian's spike queue source with the faster push and ``push_ranges``; None if it is not Brian's as known."""
    text, found = _BRIAN_PUSH.subn(lambda _: _PUSH_RUNS, text)
    text, peeks = _BRIAN_PEEK.subn(lambda match: _PUSH_RANGES + match.group(1), text)
    text, prepares = _BRIAN_PREPARED.subn(lambda match: match.group(1) + "\n        range_table.clear();", text)
    return text if (found, peeks, prepares) == (1, 1, 1) else None


def rewrites_installed_queue() -> bool:
    """Whether ``push_runs_of_equal_delay`` applies to the installed Brian's spike queue.

    Returns
    -------
    bool
        True if the projects this Brian generates get the rewritten queue.
    """
    return _rewritten_queue(installed_spike_queue().read_text()) is not None


def push_runs_of_equal_delay(header: Path) -> bool:
    """Rewrite a project's copy of Brian's spike queue to push runs of equal delay at once.

    The rewritten queue also gains ``push_ranges``, which ``deliver_ranges`` gives to a pathway.

    Parameters
    ----------
    header : pathlib.Path
        The project's ``brianlib/spikequeue.h``, rewritten in place.

    Returns
    -------
    bool
        True if rewritten; False, with a warning, if its push loop is not Brian's as known: the
        project then keeps Brian's own queue, with the same results, only slower.
    """
    rewritten = _rewritten_queue(header.read_text())
    if rewritten is None:
        warnings.warn(f"{header}: Brian's spike queue is not the one stdplab knows (another Brian version?);"
                      " it is compiled unchanged, which gives the same results more slowly", SpikeQueueWarning,
                      stacklevel=2)
        return False
    header.write_text(rewritten)
    return True


# A pathway's push and its delivery loop as Brian 2.9 generates them (templates synapses_push_spikes.cpp
# and synapses.cpp, without OpenMP).
_BRIAN_PATHWAY_PUSH = r"(\b{pathway})\.push\("
_BRIAN_DELIVERY = (
    r"std::vector<int> \*_spiking_synapses = {pathway}\.peek\(\);\s*"
    r"const int _num_spiking_synapses = _spiking_synapses->size\(\);(\s*\{{)?\s*"
    r"for\(int _spiking_synapse_idx=0;\s*_spiking_synapse_idx<_num_spiking_synapses;\s*_spiking_synapse_idx\+\+\)\s*"
    r"\{{\s*const size_t _idx = \(\*_spiking_synapses\)\[_spiking_synapse_idx\];")
# The same synapses in the same order, read from (first synapse, count) pairs straight from the
# queue (Brian's peek copies every index first).
_DELIVER_RANGES = """const std::vector<int32_t> &_ranges = *{pathway}.queue[0]->peek();
    const int _num_ranges = _ranges.size();{brace}
    for(int _range=0; _range<_num_ranges; _range+=2)
    for(size_t _idx=_ranges[_range], _end=_idx+_ranges[_range+1]; _idx<_end; _idx++)
    {{"""


def deliver_ranges(project: Path, pathway: str) -> bool:
    """Queue a pathway's events as ranges of synapses and deliver them from there.

    Rewrites the pathway's push (to ``push_ranges``, added by ``push_runs_of_equal_delay``) and its
    delivery loop in the generated code: the same synapses in the same order, bit for bit, without
    writing, copying and reading back one index per event. Both files are rewritten or neither.

    Parameters
    ----------
    project : pathlib.Path
        The generated project (its ``code_objects`` folder), before compiling.
    pathway : str
        The pathway's name in the generated code, e.g. ``"input_exc_pre"``.

    Returns
    -------
    bool
        True if rewritten; False, with a ``SpikeQueueWarning``, if either piece of code is not as
        Brian 2.9 generates it (the pathway then queues one index per event, as before).
    """
    patterns = (re.compile(_BRIAN_PATHWAY_PUSH.format(pathway=re.escape(pathway))),
                re.compile(_BRIAN_DELIVERY.format(pathway=re.escape(pathway))))
    replacements = (lambda match: f"{match.group(1)}.queue[0]->push_ranges(",
                    lambda match: _DELIVER_RANGES.format(pathway=pathway, brace=match.group(1) or ""))
    # Searched for, not named: Brian may suffix a code object's name (e.g. "_1").
    rewrites, matches = {}, []
    for pattern, replacement in zip(patterns, replacements):
        for path in sorted((project / "code_objects").glob("*.cpp")):
            text, found = pattern.subn(replacement, rewrites.get(path) or path.read_text())
            if found:
                rewrites[path] = text
                matches.append(found)
    return _write_all_or_warn(rewrites, None if matches == [1, 1] else (
        f"{project}: the code Brian generated for {pathway} is not what stdplab knows (another Brian version?);"
        " its events are queued one by one, which gives the same results more slowly"), SpikeQueueWarning)


def _write_all_or_warn(rewrites: dict, problem: str | None, category) -> bool:
    """Write every rewritten file (path: text) and return True; or, where there is a problem, none,
    with a warning saying it, and return False."""
    if problem:
        warnings.warn(problem, category, stacklevel=3)
        return False
    for path, text in rewrites.items():
        path.write_text(text)
    return True


# A thresholder as Brian 2.9 generates it (template threshold.cpp): one loop that computes a neuron's
# condition and, where it holds, appends the neuron to the event space (a branch per neuron, which
# the compiler cannot vectorise). The condition's code has no braces; the spike's actions neither.
_BRIAN_THRESHOLDER = re.compile(
    r"long _count = 0;\s*for\(size_t _idx=0; _idx<N; _idx\+\+\)\s*\{\s*"
    r"(const size_t _vectorisation_idx = _idx;[^{}]*?)\s*if\(_cond\) \{([^{}]*)\}\s*\}\s*"
    r"(\w+)\[N\] = _count;")
# The same conditions in the same order (random numbers included), then the same spikes in index
# order: eight neurons at a time are skipped where none spiked, most of them in most steps.
_CONDITIONS_FIRST = """static std::vector<char> _conditions_buffer;
    _conditions_buffer.resize(N + 8);
    char* __restrict _conditions = _conditions_buffer.data();
    for(size_t _idx=0; _idx<N; _idx++)
    {{
        {condition}
        _conditions[_idx] = _cond;
    }}
    for(size_t _idx=N; _idx<N + 8; _idx++) _conditions[_idx] = 0;
    long _count = 0;
    for(size_t _first=0; _first<N; _first+=8)
    {{
        uint64_t _eight;
        __builtin_memcpy(&_eight, _conditions + _first, 8);
        if(!_eight) continue;
        for(size_t _idx=_first; _idx<_first + 8 && _idx<N; _idx++)
        if(_conditions[_idx]) {{{actions}}}
    }}
    {eventspace}[N] = _count;"""


def _conditions_first(text: str) -> str | None:
    """A thresholder's code rewritten; None unless it holds one loop as known, whose condition reads
    what the spikes write only at the neuron's own index (then each condition sees the same values
    with the conditions computed first as in Brian's loop)."""
    matches = list(_BRIAN_THRESHOLDER.finditer(text))
    if len(matches) != 1:
        return None
    loop = matches[0]
    condition, actions, eventspace = loop.groups()
    for array in set(re.findall(r"(\w+)\[_idx\]\s*=", actions)):
        if re.search(rf"\b{array}\b(?!\[_idx\])", condition):
            return None
    rewritten = _CONDITIONS_FIRST.format(condition=condition, actions=actions, eventspace=eventspace)
    return text[:loop.start()] + rewritten + text[loop.end():]


def conditions_first(project: Path) -> bool:
    """Rewrite every thresholder of a generated project to compute its conditions first.

    Brian's thresholder tests and collects neuron by neuron; the rewritten one computes all
    conditions in a loop the compiler vectorises, then collects the neurons whose condition holds,
    in index order: the same conditions (the same operations, random numbers drawn in the same
    order) and the same spikes, in a third of the time at 6,400 neurons.

    Parameters
    ----------
    project : pathlib.Path
        The generated project (its ``code_objects`` folder), before compiling.

    Returns
    -------
    bool
        True if every thresholder was rewritten; False, with a ``CodeRewriteWarning``, if one is
        not as Brian 2.9 generates it or none was found (then none is rewritten).
    """
    paths = [path for path in sorted((project / "code_objects").glob("*_thresholder_codeobject*.cpp"))
             # a thresholder's code before and after a run, which has no loop
             if not path.name.startswith(("before_run_", "after_run_"))]
    rewrites = {path: _conditions_first(path.read_text()) for path in paths}
    unknown = [path.name for path, text in rewrites.items() if text is None]
    found = f"the thresholders {', '.join(unknown)} are not" if unknown else "no thresholder is" if not paths else None
    return _write_all_or_warn(rewrites, found and (
        f"{project}: {found} what stdplab knows (another Brian version?); the thresholders are compiled as"
        " Brian generated them, which gives the same spikes more slowly"), CodeRewriteWarning)


# How many events ahead a prefetched delivery loop asks for its synapses' data: a synapse's data lie
# a row apart from the next one's where a neuron's spike reaches one synapse of every input, so each
# event waits on the memory (about 100 ns beyond the caches) unless asked for in time.
PREFETCH_AHEAD = 16
# At the end of the loop's body: before its arithmetic, the prefetches would change how GCC's
# -ffast-math reassociates it (the last bit of 13 of 78,400 weights in the bit-for-bit test).
_PREFETCH = """    if(_spiking_synapse_idx + {ahead} < _num_spiking_synapses)
            {{
                const size_t _ahead = (*_spiking_synapses)[_spiking_synapse_idx + {ahead}];
{prefetches}
            }}
        """


def prefetch_synapses(project: Path, pathway: str) -> bool:
    """Let a pathway's delivery loop ask for the data of the synapse ``PREFETCH_AHEAD`` events ahead.

    Brian's loop reads each event's synapse arrays (weight, trace, target) when it gets there; where
    consecutive events lie far apart in memory, as those of one excitatory spike reaching one
    synapse of every input do, each waits for its data. A prefetch computes nothing, and placed after
    the event's arithmetic it leaves GCC's code for that unchanged: the same results bit for bit
    (checked for the triplet rule against the code Brian generates). At 400 neurons the
    postsynaptic loop went from 0.78 to 0.24 of the presynaptic loop's time (``perf``).

    Parameters
    ----------
    project : pathlib.Path
        The generated project (its ``code_objects`` folder), before compiling.
    pathway : str
        The pathway's name in the generated code, e.g. ``"input_exc_post"``.

    Returns
    -------
    bool
        True if rewritten; False, with a ``CodeRewriteWarning``, if its delivery loop is not as
        Brian 2.9 generates it (the loop is then compiled as generated).
    """
    pattern = re.compile(_BRIAN_DELIVERY.format(pathway=re.escape(pathway)))
    found = []
    for path in sorted((project / "code_objects").glob("*.cpp")):
        text = path.read_text()
        found += [(path, text, loop) for loop in pattern.finditer(text)]
    rewrites = {}
    if len(found) == 1:
        path, text, loop = found[0]
        end = _closing_brace(text, loop.end())
        body = text[loop.end():end]
        arrays = dict.fromkeys(re.findall(r"\b(_ptr_array_\w+)\[_idx\]", body))
        written = set(re.findall(r"\b(_ptr_array_\w+)\[_idx\]\s*=(?!=)", body))
        if arrays:
            prefetches = "\n".join(f"                __builtin_prefetch({array} + _ahead, {int(array in written)});"
                                   for array in arrays)
            rewrites[path] = text[:end] + _PREFETCH.format(ahead=PREFETCH_AHEAD, prefetches=prefetches) + text[end:]
    return _write_all_or_warn(rewrites, None if rewrites else (
        f"{project}: the code Brian generated for {pathway} is not what stdplab knows (another Brian version?);"
        " its delivery loop is compiled as generated, which gives the same results more slowly"), CodeRewriteWarning)


def _closing_brace(text: str, start: int) -> int:
    """The index of the brace that closes the block open at ``start`` (just after its ``{``)."""
    depth = 1
    for match in re.finditer(r"[{}]", text[start:]):
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return start + match.start()
    raise ValueError("an unclosed block")


# The end of a time step in Brian 2.9's main loop (brianlib/network.cpp): the process's CPU time,
# read with a system call at every step only to be reported after the run.
_BRIAN_STEP_CLOCK = re.compile(
    r"\n[ \t]*current = std::clock\(\);\s*elapsed_realtime = \(double\)\(current - start\)/\(1 \* CLOCKS_PER_SEC\);\s*"
    r"(\}\s*Network::_globally_running = false;)")


def clock_once(project: Path) -> bool:
    """Let Brian's main loop read the CPU clock once, after the run, instead of at every time step.

    The value is the same run time, reported after the run; nothing in the simulation reads it.

    Parameters
    ----------
    project : pathlib.Path
        The generated project (its ``network.cpp``), before compiling.

    Returns
    -------
    bool
        True if rewritten; False, with a ``CodeRewriteWarning``, if the main loop is not as Brian
        2.9 generates it.
    """
    path = project / "network.cpp"
    text, found = _BRIAN_STEP_CLOCK.subn(
        lambda match: "\n    " + match.group(1)
        + "\n    elapsed_realtime = (double)(std::clock() - start)/(1 * CLOCKS_PER_SEC);", path.read_text())
    return _write_all_or_warn({path: text}, None if found == 1 else (
        f"{path}: Brian's main loop is not what stdplab knows (another Brian version?); it is compiled as"
        " generated, which reads the clock at every time step"), CodeRewriteWarning)


# Brian 2.9's _write_arrays (objects.cpp): one block per array, each writing it to the results folder.
_BRIAN_WRITE_ARRAYS = re.compile(r"void _write_arrays\(\)\s*\{.*?\n\}", re.S)
_BRIAN_ARRAY_WRITE = re.compile(
    r'[ \t]*ofstream outfile_(\w+);\s*outfile_\1\.open\(results_dir \+ "(\w+)", ios::binary \| ios::out\);'
    r'.*?std::cout << "Error writing output file for \w+\." << endl;\s*\}\n', re.S)


def write_results_only(project: Path, results) -> bool:
    """Let the binary write only the arrays read back at the end of a run, not every array it holds.

    Brian writes every array to the results folder: at 6,400 neurons 200 MB per run of the binary
    (each synapse's target, source, delays, trace and weight), of which the weights (40 MB) are read.

    Parameters
    ----------
    project : pathlib.Path
        The generated project (its ``objects.cpp``), before compiling.
    results : iterable of str
        The file names (in the results folder) of the arrays to write.

    Returns
    -------
    bool
        True if rewritten; False, with a ``CodeRewriteWarning``, if the writing code is not as Brian
        2.9 generates it or does not write one of ``results`` (then every array is written).
    """
    path = project / "objects.cpp"
    text = path.read_text()
    function = _BRIAN_WRITE_ARRAYS.search(text)
    body = function.group() if function else ""
    written = [block.group(2) for block in _BRIAN_ARRAY_WRITE.finditer(body)]
    results = set(results)
    # Every block of the known form (none written some other way), and every result among them
    known = bool(function) and len(written) == body.count("ios::binary | ios::out") and results <= set(written)
    rewritten = _BRIAN_ARRAY_WRITE.sub(lambda block: block.group() if block.group(2) in results else "", body)
    return _write_all_or_warn({path: text.replace(body, rewritten)} if known else {}, None if known else (
        f"{path}: Brian's code that writes the arrays is not what stdplab knows (another Brian version?); every"
        " array is written at the end of each run, which gives the same results more slowly"), CodeRewriteWarning)
