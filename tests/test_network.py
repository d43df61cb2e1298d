"""The compiled network: normalisation, the intensity boost, learning switched off, reproducibility."""
import warnings

import numpy as np
import pytest

from stdplab import DiehlCook2015
from stdplab.parameters import Parameters
from stdplab import code_rewrites, simulator, standalone
from stdplab.simulator import compiled_network

from conftest import SMALL, blank_and_bright


def run(images, plastic, weights=None, seed=1, **params):
    p = Parameters(n_neurons=SMALL["n_neurons"], **params)
    net = compiled_network(p, 784, SMALL["chunk_size"], learning=plastic)
    rng = np.random.default_rng(0)
    if weights is None:
        weights = (rng.random((784, p.n_neurons)) + 0.01) * 0.3
    delays = rng.random(784 * p.n_neurons) * 10e-3
    return net.run(np.asarray(images, float) * p.input_rate_scale, weights, delays,
                   np.full(p.n_neurons, p.theta_init), p, seed=seed), weights


def test_weights_are_normalised_to_78_per_neuron_when_learning(mnist):
    result, initial = run(mnist[0][:3].reshape(3, -1), plastic=True)
    assert not np.allclose(initial.sum(axis=0), 78)
    # The binary rescales at every presentation start, including the one where it stops.
    np.testing.assert_allclose(result.weights.sum(axis=0), 78, rtol=1e-9)
    assert ((result.weights >= 0) & (result.weights <= 1)).all()


def test_learning_off_leaves_weights_and_theta_alone(mnist):
    result, initial = run(mnist[0][:3].reshape(3, -1), plastic=False)
    np.testing.assert_array_equal(result.weights, initial)
    np.testing.assert_array_equal(result.theta, 20.0)
    assert result.exc_spikes.sum() > 0


def test_learning_changes_weights_and_raises_theta(mnist):
    result, initial = run(mnist[0][:3].reshape(3, -1), plastic=True)
    normalised = initial * 78 / initial.sum(axis=0)
    assert np.abs(result.weights - normalised).max() > 1e-3
    spiked = result.counts.sum(axis=0) > 0
    assert (result.theta[spiked] > 20.0).all()


def test_a_silent_example_is_shown_again_at_higher_intensity():
    result, _ = run(blank_and_bright(), plastic=False, max_intensity=6.0)
    # Blank image: never 5 spikes; shown at 2, 3, 4, 5, 6 and accepted at the cap.
    assert result.presentations[0] == 5 and result.intensity[0] == 6.0
    assert result.input_spikes[0] == 0
    # Bright image: enough spikes at once, accepted at the start intensity.
    assert result.presentations[1] == 1 and result.intensity[1] == 2.0
    assert result.counts[1].sum() >= 5


def test_boost_threshold_is_a_parameter():
    result, _ = run(blank_and_bright(), plastic=False, min_spikes=10**6, max_intensity=4.0, intensity_step=1.0)
    np.testing.assert_array_equal(result.presentations, [3, 3])
    np.testing.assert_array_equal(result.intensity, [4.0, 4.0])


def test_counts_come_from_the_accepted_presentation_only():
    result, _ = run(blank_and_bright(), plastic=False)
    assert result.counts.sum() <= result.exc_spikes.sum()
    assert result.counts[0].sum() == 0


def test_same_seed_same_result_other_seed_differs(mnist):
    images = mnist[0][:4].reshape(4, -1)
    a, _ = run(images, plastic=True, seed=7)
    b, _ = run(images, plastic=True, seed=7)
    c, _ = run(images, plastic=True, seed=8)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.weights, c.weights)


def test_run_time_parameters_need_no_new_binary():
    first = compiled_network(Parameters(n_neurons=100, nu_post=0.01), 784, SMALL["chunk_size"])
    second = compiled_network(Parameters(n_neurons=100, nu_post=0.005, theta_plus=0.1), 784, SMALL["chunk_size"])
    assert first is second
    # Another rule is another binary (its key differs; not compiled here: a build costs a minute).
    key = lambda **params: simulator._shape_key(Parameters(n_neurons=100, **params), 784, SMALL["chunk_size"], True, False)
    assert key(learning_rule="power_law") != key() == key(nu_post=0.005, theta_plus=0.1)
    # The starting state is compiled in: v from the resting potentials, the timer from spike_block.
    assert key(v_rest_e=-60.0) != key() != key(spike_block=300.0) and key(v_rest_i=-55.0) != key()
    # One key for one value, whatever its Python type (a grid search hands out NumPy integers).
    assert key(present_time=350) == key(present_time=350.0) and simulator._shape_key(
        Parameters(n_neurons=np.int64(100)), 784, SMALL["chunk_size"], True, False) == key()


def test_fit_with_the_same_random_state_is_reproducible(mnist):
    x, y = mnist[0][:300], mnist[1][:300]
    a = DiehlCook2015(random_state=3, **SMALL).fit(x, y)
    b = DiehlCook2015(random_state=3, **SMALL).fit(x, y)
    c = DiehlCook2015(random_state=4, **SMALL).fit(x, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.assignments_, b.assignments_)
    assert not np.array_equal(a.weights_, c.weights_)


def test_input_spikes_are_the_per_step_bernoulli_process():
    """Inputs draw the interval to their next spike; the process must be the paper's: in each
    presented time step a spike with probability rate * dt, none in the rest, none for dark pixels."""
    # 20 neurons on 64 inputs (the 8x8 digits' shape, compiled for other tests too); min_spikes 0 (a run-time
    # setting) shows each image once. Half the pixels lit, 25 presentations: 800 samples of the process.
    p = Parameters(n_neurons=20, min_spikes=0)
    n_input, shows = 64, 25
    net = compiled_network(p, n_input, 100, learning=False, record_all_spikes=True)
    image = np.zeros(n_input)
    image[::2] = 255.0
    rng = np.random.default_rng(0)
    result = net.run(np.stack([image] * shows) * p.input_rate_scale, (rng.random((n_input, p.n_neurons)) + 0.01) * 0.3,
                     rng.random(n_input * p.n_neurons) * 10e-3, np.full(p.n_neurons, p.theta_init), p, seed=5)
    indices, times = result.spike_trains["input"]
    steps = np.rint(times / (p.dt * 1e-3)).astype(np.int64)
    assert (steps % p.slot_steps < p.present_steps).all(), "an input spiked during the rest"
    assert (indices % 2 == 0).all(), "a dark pixel spiked"

    presentations = int(result.presentations.sum())
    probability = 255.0 * p.input_rate_scale * p.start_intensity * p.dt * 1e-3
    assert (result.intensity == p.start_intensity).all() and presentations == shows
    per_input = np.bincount(indices, minlength=n_input)[::2] / presentations
    expected = p.present_steps * probability
    assert abs(per_input.mean() / expected - 1) < 0.03
    # Binomial counts: variance n p (1 - p) per presentation.
    counts = np.stack([np.bincount(indices[steps // p.slot_steps == k], minlength=n_input)[::2] for k in range(shows)])
    assert 0.75 < counts.var() / (expected * (1 - probability)) < 1.25
    # Geometric intervals: a fraction p of them is one step long, their mean is 1 / p.
    order = np.lexsort((steps, indices))
    intervals = np.diff(steps[order])[(np.diff(indices[order]) == 0) & (np.diff(steps[order] // p.slot_steps) == 0)]
    assert abs(np.mean(intervals == 1) / probability - 1) < 0.25
    assert abs(np.mean(intervals) * probability - 1) < 0.05


def test_inference_binary_is_the_learning_binary_without_plasticity(mnist):
    """With every learning rate and the θ rise at zero and normalised weights, the learning binary
    must spike exactly as the inference binary (the same random stream, the same equations)."""
    p = Parameters(n_neurons=SMALL["n_neurons"], nu_pre=0.0, nu_post=0.0, theta_plus=0.0, tau_theta=1e30)
    rng = np.random.default_rng(1)
    weights = (rng.random((784, p.n_neurons)) + 0.01) * 0.3
    weights *= p.weight_total / weights.sum(axis=0)
    delays = rng.random(784 * p.n_neurons) * 10e-3
    images = mnist[0][:4].reshape(4, -1) * p.input_rate_scale
    theta = np.full(p.n_neurons, p.theta_init)
    learning = compiled_network(p, 784, SMALL["chunk_size"], learning=True).run(images, weights, delays, theta, p, seed=3)
    inference = compiled_network(p, 784, SMALL["chunk_size"], learning=False).run(images, weights, delays, theta, p,
                                                                                    seed=3)
    assert learning.counts.sum() > 0
    for field in ("counts", "presentations", "input_spikes", "exc_spikes", "inh_spikes"):
        np.testing.assert_array_equal(getattr(learning, field), getattr(inference, field), err_msg=field)
    np.testing.assert_allclose(learning.weights, weights, rtol=1e-12)


def test_delivery_order_sorts_each_row_by_delay_step_and_keeps_target_order_within_a_step():
    delays = np.array([[3.2, 0.1, 3.4, 0.2, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]]) * 1e-3
    order = simulator.delivery_order(delays.ravel(), 2, 0.5e-3)
    # Steps of row 0: 6, 0, 7, 0, 2 (rounded to nearest, as Brian does).
    np.testing.assert_array_equal(order, [[1, 3, 4, 0, 2], [0, 1, 2, 3, 4]])
    assert order.dtype == np.int32


def test_delivery_order_is_the_same_stable_sort_for_long_delays():
    """Delays of 2**15 steps or more are sorted as floats, the rest as 16-bit integers: one order."""
    rng = np.random.default_rng(3)
    delays = rng.integers(0, 21, (4, 300)) * 0.5e-3
    reference = np.argsort(np.floor(delays / 0.5e-3 + 0.5), axis=1, kind="stable")
    np.testing.assert_array_equal(simulator.delivery_order(delays.ravel(), 4, 0.5e-3), reference)
    for steps in (2 ** 15 - 1, 2 ** 15, 80_000):  # the largest 16-bit step, and beyond
        delays[2, 7] = steps * 0.5e-3
        order = simulator.delivery_order(delays.ravel(), 4, 0.5e-3)
        assert order[2, -1] == 7
        np.testing.assert_array_equal(order[2, :-1], reference[2][reference[2] != 7])


def test_synapses_in_delay_order_give_the_plain_row_layouts_result_bit_for_bit(mnist, monkeypatch):
    """The reordering is a memory layout only: with it switched off (every row in target order),
    learning gives the same weights, θ and spikes to the last bit."""
    images = mnist[0][:4].reshape(4, -1)
    reordered, initial = run(images, plastic=True, seed=5)
    monkeypatch.setattr(simulator, "delivery_order",
                        lambda delays, n_input, dt: np.tile(np.arange(len(delays) // n_input, dtype=np.int32),
                                                            (n_input, 1)))
    plain, _ = run(images, plastic=True, seed=5)
    assert reordered.exc_spikes.sum() > 0
    assert np.abs(reordered.weights - initial * 78 / initial.sum(axis=0)).max() > 1e-3  # it learned
    for field in ("weights", "theta", "counts", "presentations", "input_spikes", "exc_spikes", "inh_spikes"):
        np.testing.assert_array_equal(getattr(reordered, field), getattr(plain, field), err_msg=field)


def test_rewritten_loops_learn_as_the_code_brian_generates_does(mnist, monkeypatch, tmp_path):
    """The rewritten push, the input synapses' ranges, the thresholders that compute their
    conditions first, the prefetches of the postsynaptic pathway, the main loop that reads the
    clock once and the binary that writes only what is read back are faster only: a project
    compiled as Brian generates it learns the same weights, θ and spikes to the last bit. CI fails
    here when a rewrite of the generated code did not apply (the manifest would not say "ranges",
    "conditions_first", "ahead", "once" and "results")."""
    images = mnist[0][:4].reshape(4, -1)
    ours, _ = run(images, plastic=True, seed=5)
    learning = lambda: compiled_network(Parameters(n_neurons=SMALL["n_neurons"]), 784, SMALL["chunk_size"])
    assert [learning().manifest[key] for key in standalone.REWRITE_KEYS] == ["ranges", "conditions_first", "ahead",
                                                                           "once", "results"]
    monkeypatch.setenv("STDPLAB_CACHE", str(tmp_path))  # Brian's build kept out of the shared cache
    monkeypatch.setattr(standalone, "_queues_run", set())  # this process's record stays as it was
    monkeypatch.setattr(standalone, "_thresholders_run", set())
    with standalone.brians_own_code():  # a build of its own, under keys of its own
        # The build: Brian sends warnings to its log while it builds (logging.captureWarnings), past pytest.warns.
        run(images[:1], plastic=True)
        monkeypatch.setattr(standalone, "_compiled", {})  # as a later process would load it
        monkeypatch.setattr(standalone, "_queues_run", set())
        monkeypatch.setattr(standalone, "_thresholders_run", set())
        for _ in range(2):  # every run says so, not only the build
            with pytest.warns(code_rewrites.CodeRewriteWarning) as warned:
                brians, _ = run(images, plastic=True, seed=5)
            messages = [str(warning.message) for warning in warned]
            assert any("spike queue as shipped" in message for message in messages), messages
            for generated in ("thresholders as generated", "without prefetches", "clock at every time step",
                              "writing of every array"):
                assert any(generated in message for message in messages), (generated, messages)
        assert [learning().manifest[key] for key in standalone.REWRITE_KEYS] == ["brian"] * 5
    assert (standalone.spike_queue(), standalone.thresholders()) == ("brian", "brian")
    assert ours.exc_spikes.sum() > 0
    for field in ("weights", "theta", "counts", "presentations", "input_spikes", "exc_spikes", "inh_spikes"):
        np.testing.assert_array_equal(getattr(ours, field), getattr(brians, field), err_msg=field)


def test_a_spike_queue_stdplab_does_not_know_is_compiled_as_it_is(tmp_path):
    header = tmp_path / "spikequeue.h"
    header.write_text("// another Brian's queue")
    with pytest.warns(code_rewrites.SpikeQueueWarning, match="same results more slowly"):
        assert not code_rewrites.push_runs_of_equal_delay(header)
    assert header.read_text() == "// another Brian's queue"


def test_code_for_ranges_stdplab_does_not_know_is_compiled_as_it_is(tmp_path):
    (tmp_path / "code_objects").mkdir()
    push = tmp_path / "code_objects" / "input_exc_pre_push_spikes.cpp"
    push.write_text("input_exc_pre.push(spikes, n);")  # Brian's push, but another Brian's delivery loop
    delivery = tmp_path / "code_objects" / "input_exc_pre_codeobject.cpp"
    delivery.write_text("// another Brian's loop")
    with pytest.warns(code_rewrites.SpikeQueueWarning, match="queued one by one"):
        assert not code_rewrites.deliver_ranges(tmp_path, "input_exc_pre")
    assert push.read_text() == "input_exc_pre.push(spikes, n);"  # both files or neither
    assert delivery.read_text() == "// another Brian's loop"


def test_a_delivery_loop_stdplab_does_not_know_gets_no_prefetches(tmp_path):
    (tmp_path / "code_objects").mkdir()
    delivery = tmp_path / "code_objects" / "input_exc_post_codeobject.cpp"
    delivery.write_text("// another Brian's loop")
    with pytest.warns(code_rewrites.CodeRewriteWarning, match="compiled as generated"):
        assert not code_rewrites.prefetch_synapses(tmp_path, "input_exc_post")
    assert delivery.read_text() == "// another Brian's loop"


def test_a_main_loop_stdplab_does_not_know_is_compiled_as_it_is(tmp_path):
    (tmp_path / "network.cpp").write_text("// another Brian's main loop")
    with pytest.warns(code_rewrites.CodeRewriteWarning, match="clock at every time step"):
        assert not code_rewrites.clock_once(tmp_path)
    assert (tmp_path / "network.cpp").read_text() == "// another Brian's main loop"


# Two arrays' blocks of Brian 2.9's _write_arrays (objects.cpp).
_WRITE_ARRAYS = """void _write_arrays()
{
    using namespace brian;

""" + "".join(f"""    ofstream outfile__array_{name};
    outfile__array_{name}.open(results_dir + "_array_{name}_1", ios::binary | ios::out);
    if(outfile__array_{name}.is_open())
    {{
        outfile__array_{name}.write(reinterpret_cast<char*>(_array_{name}), 1*sizeof(_array_{name}[0]));
        outfile__array_{name}.close();
    }} else
    {{
        std::cout << "Error writing output file for _array_{name}." << endl;
    }}
""" for name in ("kept", "dropped")) + """    // Write last run info to disk
}
"""


def test_the_binary_writes_only_the_arrays_read_back_or_every_array_where_the_code_is_unknown(tmp_path):
    objects = tmp_path / "objects.cpp"
    # A block written some other way (without Brian's error message) could be dropped or kept wrongly.
    unknown_block = _WRITE_ARRAYS.replace("    // Write last run info", """    ofstream outfile_other;
    outfile_other.open(results_dir + "_array_other_1", ios::binary | ios::out);
    // Write last run info""")
    for text, results in ((_WRITE_ARRAYS, ["_array_kept_1", "_array_missing_1"]), (unknown_block, ["_array_kept_1"]),
                          ("// no _write_arrays", [])):
        objects.write_text(text)
        with pytest.warns(code_rewrites.CodeRewriteWarning, match="every array is written"):
            assert not code_rewrites.write_results_only(tmp_path, results)
        assert objects.read_text() == text
    objects.write_text(_WRITE_ARRAYS)
    assert code_rewrites.write_results_only(tmp_path, ["_array_kept_1"])
    assert '"_array_kept_1"' in objects.read_text() and "dropped" not in objects.read_text()
    assert objects.read_text().endswith("    // Write last run info to disk\n}\n")


# A thresholder in the form of Brian 2.9's template (threshold.cpp): a random condition, as a
# PoissonGroup's, and a refractory neuron's actions.
_THRESHOLDER = """long _count = 0;
    for(size_t _idx=0; _idx<N; _idx++)
    {
        const size_t _vectorisation_idx = _idx;
        const char not_refractory = _ptr_not_refractory[_idx];
        const double v = _ptr_v[_idx];
        char _cond;
        if(!not_refractory)
            _cond = (v > _rand(_vectorisation_idx)) && false;
        else
            _cond = (v > _rand(_vectorisation_idx)) && true;

        if(_cond) {
            _ptr_spikespace[_count++] = _idx;
            _ptr_not_refractory[_idx] = false;
            _ptr_lastspike[_idx] = t;
        }
    }
    _ptr_spikespace[N] = _count;"""


def _thresholder_project(folder, files: dict):
    (folder / "code_objects").mkdir(parents=True)
    for name, text in files.items():
        (folder / "code_objects" / name).write_text(text)
    return {name: (folder / "code_objects" / name) for name in files}


def test_a_thresholder_stdplab_does_not_know_leaves_every_thresholder_as_it_is(tmp_path):
    paths = _thresholder_project(tmp_path, {"excitatory_spike_thresholder_codeobject.cpp": _THRESHOLDER,
                                            "inhibitory_spike_thresholder_codeobject.cpp": "// another Brian's",
                                            "after_run_excitatory_spike_thresholder_codeobject.cpp": "// no loop"})
    texts = {name: path.read_text() for name, path in paths.items()}
    with pytest.warns(code_rewrites.CodeRewriteWarning, match="inhibitory_spike_thresholder_codeobject.cpp are not"):
        assert not code_rewrites.conditions_first(tmp_path)
    assert {name: path.read_text() for name, path in paths.items()} == texts  # all or none
    paths["inhibitory_spike_thresholder_codeobject.cpp"].unlink()
    assert code_rewrites.conditions_first(tmp_path)  # the code before and after a run is no thresholder
    assert "_conditions[_idx] = _cond;" in paths["excitatory_spike_thresholder_codeobject.cpp"].read_text()
    assert paths["after_run_excitatory_spike_thresholder_codeobject.cpp"].read_text() == "// no loop"


def test_thresholders_are_left_as_they_are_where_a_condition_reads_another_neurons_spike(tmp_path):
    """Computed first, a condition would not see what the spikes of lower indices wrote this step."""
    reads_a_neighbour = _THRESHOLDER.replace("const double v = _ptr_v[_idx];",
                                             "const double v = _ptr_v[_idx] + _ptr_lastspike[_idx ^ 1];")
    paths = _thresholder_project(tmp_path / "neighbour", {"exc_spike_thresholder_codeobject.cpp": reads_a_neighbour})
    with pytest.warns(code_rewrites.CodeRewriteWarning, match="not what stdplab knows"):
        assert not code_rewrites.conditions_first(tmp_path / "neighbour")
    assert paths["exc_spike_thresholder_codeobject.cpp"].read_text() == reads_a_neighbour
    _thresholder_project(tmp_path / "empty", {})
    with pytest.warns(code_rewrites.CodeRewriteWarning, match="no thresholder is"):
        assert not code_rewrites.conditions_first(tmp_path / "empty")


def test_a_rewritten_thresholder_gives_brians_spikes_and_random_numbers_for_any_size(tmp_path):
    """Compiled beside the loop as Brian generates it: the same spike space, refractory flags, last
    spikes and random numbers drawn, for sizes around the scan's blocks of eight."""
    import subprocess

    def program(loop):
        return f"""#include <cstdio>
#include <cstdint>
#include <vector>
static uint64_t _state = 12345;
static double _rand(size_t) {{ _state = _state * 6364136223846793005ULL + 1442695040888963407ULL;
                              return (_state >> 11) * (1.0 / 9007199254740992.0); }}
static void step(const int64_t N, char* _ptr_not_refractory, const double* _ptr_v, double* _ptr_lastspike,
                 int32_t* _ptr_spikespace, double t)
{{
    {loop}
}}
int main()
{{
    for(int64_t N : {{0, 1, 7, 8, 9, 17, 64, 100}})
    {{
        std::vector<char> not_refractory(N, 1);
        std::vector<double> v(N), lastspike(N, -1);
        std::vector<int32_t> spikespace(N + 1);
        for(int64_t i = 0; i < N; i++) v[i] = (i % 5) / 8.0;
        for(int step_ = 0; step_ < 6; step_++)
        {{
            if(step_ % 3 == 0) for(auto &flag : not_refractory) flag = 1;
            step(N, not_refractory.data(), v.data(), lastspike.data(), spikespace.data(), step_);
            printf("N=%ld step=%d spikes=%d:", (long)N, step_, spikespace[N]);
            for(int i = 0; i < spikespace[N]; i++) printf(" %d", spikespace[i]);
            for(int64_t i = 0; i < N; i++) printf(" %d/%g", not_refractory[i], lastspike[i]);
            printf(" rand=%llu\\n", (unsigned long long)_state);
        }}
    }}
}}
"""
    outputs = []
    for name, loop in (("brian", _THRESHOLDER),
                       ("rewritten", code_rewrites._conditions_first(_THRESHOLDER))):
        assert loop is not None
        source = tmp_path / f"{name}.cpp"
        source.write_text(program(loop))
        subprocess.run(["g++", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native", "-o",
                        str(tmp_path / name), str(source)], check=True, capture_output=True)
        outputs.append(subprocess.run([str(tmp_path / name)], check=True, capture_output=True, text=True).stdout)
    assert "_conditions" not in _THRESHOLDER and "_conditions" in code_rewrites._conditions_first(_THRESHOLDER)
    assert outputs[0] == outputs[1]
    spiked = [line for line in outputs[0].splitlines() if "spikes=0:" not in line and not line.startswith("N=0 ")]
    assert len(spiked) > 20  # most steps of most sizes spiked


def test_lateral_inhibition_as_one_sum_is_the_all_to_all_inhibition():
    """gi of each excitatory neuron is what the paper's N * (N - 1) synapses give: every inhibitory
    spike but its partner's adds w_inh_exc, and gi decays by one Euler step a time step."""
    import brian2 as b2

    from stdplab.network import build_network

    p = Parameters(n_neurons=12, w_inh_exc=0.5)
    target = b2.prefs.codegen.target
    b2.prefs.codegen.target = "numpy"
    try:
        net = build_network(p, 20)
        net.set_parameters()
        net.input_exc.w = np.random.default_rng(0).uniform(0.3, 1.0, len(net.input_exc))  # not in lockstep
        net.inputs.rate = 150 * b2.Hz
        state = b2.StateMonitor(net.exc, "gi", record=True, when="start")
        inh_spikes = b2.SpikeMonitor(net.inh)
        b2.Network(*net.objects, state, inh_spikes).run(100 * b2.ms)
    finally:
        b2.prefs.codegen.target = target
    assert len(net.inh_exc) == len(net.inh_partner) == p.n_neurons  # N synapses each, not N * (N - 1)
    dt, decay = p.si("dt"), -p.dt / p.tau_gi
    steps = np.rint(np.asarray(inh_spikes.t) / dt).astype(int)
    assert len(steps) > p.n_neurons and len(set(steps)) < len(steps)  # every neuron fired, some together
    gi = np.zeros(p.n_neurons)
    for step in range(len(state.t)):
        np.testing.assert_allclose(state.gi[:, step], gi, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")
        gi = decay * gi + gi
        for source in np.asarray(inh_spikes.i)[steps == step]:
            gi[np.arange(p.n_neurons) != source] += p.w_inh_exc


def test_the_spike_queue_rewrite_applies_to_the_installed_brian(tmp_path):
    """CI fails here when the installed Brian's queue is not the one the rewrite knows (pyproject.toml
    bounds brian2 to the versions it does)."""
    header = tmp_path / "spikequeue.h"
    header.write_text(code_rewrites.installed_spike_queue().read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert code_rewrites.push_runs_of_equal_delay(header)
    assert "n_slots" in header.read_text() and "push_ranges" in header.read_text()


def test_results_say_which_spike_queue_and_thresholders_ran(monkeypatch):
    from stdplab.provenance import environment

    monkeypatch.setattr(standalone, "_queues_run", set())
    monkeypatch.setattr(standalone, "_thresholders_run", set())
    assert environment()["spike_queue"] == "runs"  # none ran yet: what the installed Brian gets
    assert environment()["thresholders"] == "none run"
    monkeypatch.setattr(standalone, "_queues_run", {"runs", "brian"})
    assert environment()["spike_queue"] == "brian, runs"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every rewrite applied: nothing to warn about
        standalone._note_rewrites("a build", {"spike_queue": "runs", "thresholders": "conditions_first",
                                              "prefetch": "none asked", "clock": "once", "written": "results"})
    assert environment()["thresholders"] == "conditions_first"


def test_the_cache_key_hashes_every_module_the_generated_code_depends_on():
    import ast
    from pathlib import Path

    package = Path(simulator.__file__).parent
    for name in simulator.CODE_FILES:
        tree = ast.parse((package / name).read_text())
        local = {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}
        # every stdplab module that feeds the build is itself hashed
        local -= {"_docstrings"}  # fills in docstrings only: nothing of it reaches the generated code
        assert {f"{module}.py" for module in local} <= set(simulator.CODE_FILES), (name, local)
    assert {"parameters.py", "standalone.py"} <= set(simulator.CODE_FILES)


def test_builds_as_brian_generates_them_have_keys_of_their_own():
    rewritten = standalone.key_digest({"n_neurons": 20}, "code")
    with standalone.brians_own_code():
        assert standalone.key_digest({"n_neurons": 20}, "code") != rewritten
    assert standalone.key_digest({"n_neurons": 20}, "code") == rewritten
