"""Spike-based energy: counts against recorded spikes (counting), linearity, presets, priced rows
(energy), MAC counts, and one SNN trained, tested and metered (studies)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stdplab import DiehlCook2015, counting, datasets, energy, metering, studies
from stdplab.counting import OperationCounts, Workload
from stdplab.energy import Preset, UnknownPresetError

# One tiny shape (digits: 64 inputs, 20 neurons, chunks of 100) shared by every test here and by
# test_notebook_03, so the compiled binaries are reused.
TINY = {"n_neurons": 20, "chunk_size": 100, "verbose": False}


@pytest.fixture(scope="module")
def tiny(digits):
    x_train, y_train, _, _ = digits
    model = DiehlCook2015(random_state=0, **TINY).fit(x_train[:100], y_train[:100])
    return model, counting.counts_from_training(model)


@pytest.fixture(scope="module")
def out_degrees():
    """Synapses per presynaptic neuron of each projection, read from the Brian network itself
    (built with the runtime device in a separate process, so it cannot disturb the standalone one);
    for lateral inhibition, the excitatory neurons an inhibitory spike reaches through the sum."""
    code = (
        "import json, numpy as np, brian2 as b2\n"
        "b2.prefs.codegen.target = 'numpy'\n"
        "from stdplab.network import build_network\n"
        "from stdplab.parameters import Parameters\n"
        f"net = build_network(Parameters(n_neurons={TINY['n_neurons']}), 64)\n"
        "degree = {k: np.bincount(np.asarray(getattr(net, k).i[:]), minlength=len(getattr(net, k).source))"
        " for k in ('input_exc', 'exc_inh', 'inh_exc', 'inh_partner')}\n"
        # Lateral inhibition as one sum: a spike into the sum reaches every excitatory neuron, less its partner.
        "degree['inh_exc'] = degree['inh_exc'] * len(net.exc) - degree.pop('inh_partner')\n"
        "print(json.dumps({k: v.tolist() for k, v in degree.items()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {k: np.array(v) for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def _per_example_from_monitor(result, params, population):
    """Spikes per example from a SpikeMonitor's times, binned into presentation slots."""
    indices, times = (np.asarray(a) for a in result.spike_trains[population])
    slot = np.rint(times / (params.dt * 1e-3)).astype(np.int64) // params.slot_steps
    slot_example = np.repeat(np.arange(len(result.presentations)), result.presentations)
    inside = slot < len(slot_example)
    assert inside.all(), f"{population}: {np.sum(~inside)} spikes after the last slot"
    return indices, slot_example[slot]


@pytest.mark.parametrize("learn", [False, True])
def test_synaptic_operations_equal_recorded_spikes_times_fan_out(tiny, digits, out_degrees, learn):
    model, _ = tiny
    x_test = digits[2][:30]
    result = model.simulate(x_test, learn=learn, record_spikes=True)
    counts = counting.counts_from_result(model, result, learning=learn)
    params = model.network_parameters
    n = len(x_test)
    projections = {"input": ("input_exc", counts.synops_input_exc), "exc": ("exc_inh", counts.synops_exc_inh),
                   "inh": ("inh_exc", counts.synops_inh_exc)}
    spikes = {}
    for population, (projection, synops) in projections.items():
        indices, example = _per_example_from_monitor(result, params, population)
        independent = np.bincount(example, weights=out_degrees[projection][indices], minlength=n)
        np.testing.assert_array_equal(synops, independent, err_msg=projection)
        spikes[population] = np.bincount(example, minlength=n)
    assert counts.synops.sum() == sum(np.sum(out_degrees[p][np.asarray(result.spike_trains[pop][0])])
                                      for pop, (p, _) in projections.items())
    assert spikes["input"].sum() > 0 and spikes["exc"].sum() > 0
    # STDP: each arriving input spike touches n_neurons synapses, each excitatory spike n_input.
    expected_stdp = (spikes["input"] * params.n_neurons + spikes["exc"] * 64) if learn else np.zeros(n)
    np.testing.assert_array_equal(counts.stdp_updates, expected_stdp)
    # Clock-driven updates: every neuron every step of every presentation slot.
    np.testing.assert_array_equal(counts.neuron_updates_clock,
                                  (64 + 2 * params.n_neurons) * result.presentations * 1000)
    np.testing.assert_array_equal(counts.neuron_updates_event, counts.synops + spikes["input"])


def test_training_and_transform_counts_come_from_the_simulation(tiny, digits):
    model, training = tiny
    assert training.learning and training.n_examples == 100
    assert training.total()["stdp_updates"] > 0 and (training.presentations >= 1).all()
    # Training counts agree with the model's own history of excitatory spikes.
    h = model.history_
    assert training.exc_spikes.sum() == pytest.approx(sum(m * 100 for m in h["spikes_per_example"]))
    inference = counting.counts_from_result(model, model.responses(digits[2][:20]))
    assert inference.n_examples == 20 and not inference.learning
    assert inference.total()["stdp_updates"] == 0 and inference.total()["synops"] > 0


@pytest.mark.parametrize("preset", energy.DEFAULT_PRESETS)
def test_every_operation_is_priced_by_its_presets_own_figure(preset):
    figures = energy.get_preset(preset)
    counts = {"synops": [0, 3e5], "neuron_updates_clock": [2e4, 0], "neuron_updates_event": [7e2, 0],
              "stdp_updates": [0, 5e3], "macs": [4e3, 0]}
    for mode in energy.NEURON_UPDATE_MODES:
        e = energy.energy(counts, preset, neuron_updates=mode)
        expected = {"synops_j": (counts["synops"], figures.energy_per_synop),
                    "neuron_updates_j": (counts[f"neuron_updates_{mode}"], figures.energy_per_neuron_update),
                    "stdp_j": (counts["stdp_updates"], figures.energy_per_stdp_update),
                    "macs_j": (counts["macs"], figures.energy_per_mac)}
        for part, (count, per_op) in expected.items():
            np.testing.assert_allclose(e[part], np.asarray(count) * (per_op or 0.0), rtol=1e-12)
        np.testing.assert_allclose(e["total_j"], sum(e[part] for part in expected))
        # an operation the preset gives no figure for is reported, never silently free
        assert set(e["unpriced"]) == {name for name, (count, per_op) in
                                      zip(("synops", "neuron_updates", "stdp_updates", "macs"), expected.values())
                                      if per_op is None and any(count)}
    assert not energy.energy(counts, preset, include_stdp=False)["stdp_j"].any()


def test_energy_values_and_sums_of_counts():
    loihi = energy.energy({"synops": 10**6, "neuron_updates_clock": 10**3}, "loihi")
    assert loihi["synops_j"] == pytest.approx(23.6e-6) and loihi["neuron_updates_j"] == pytest.approx(81e-9)
    c1 = OperationCounts(64, 20, 1000, False, [1, 2], [100, 50], [5, 7], [5, 7])
    c2 = OperationCounts(64, 20, 1000, False, [1], [30], [9], [9])
    total = lambda c: energy.energy(c, "spinnaker")["total_j"].sum()  # noqa: E731
    assert total(c1 + c2) == pytest.approx(total(c1) + total(c2))
    assert c1.synops.tolist() == [100 * 20 + 5 + 5 * 19, 50 * 20 + 7 + 7 * 19]


def test_every_preset_has_units_and_a_source():
    assert set(energy.DEFAULT_PRESETS) <= set(energy.PRESETS)
    for preset in energy.PRESETS.values():
        assert preset.source.strip(), preset.name
        priced = {k: (v, u) for k, (v, u) in preset.values().items() if v is not None}
        assert "energy_per_synop" in priced and "energy_per_neuron_update" in priced
        for name, (value, unit) in priced.items():
            assert value >= 0 and unit and unit.startswith("J per"), (preset.name, name, unit)
    priced_macs = {p for p in energy.DEFAULT_PRESETS if energy.PRESETS[p].energy_per_mac is not None}
    assert priced_macs == {"cmos45nm", "cpu", "gpu"} == {p.name for p in energy.PRESETS.values() if p.kind == "digital"}
    with pytest.raises(ValueError, match="source"):
        Preset("nosource", 1e-12, 1e-12)
    with pytest.raises(ValueError, match="unit"):
        Preset("nounit", 1e-12, 1e-12, source="x", units={})
    assert set(energy.preset_table()["preset"]) == set(energy.PRESETS)


def test_user_defined_presets():
    mine = Preset("my-chip", energy_per_synop=1e-12, energy_per_neuron_update=2e-12, source="my datasheet")
    assert energy.energy({"synops": 10, "neuron_updates_clock": 10}, mine)["total_j"] == pytest.approx(3e-11)
    try:
        energy.register_preset(mine)
        assert energy.get_preset("my-chip") is mine
        with pytest.raises(ValueError, match="exists"):
            energy.register_preset(mine)
    finally:
        energy.PRESETS.pop("my-chip", None)


def test_a_bad_preset_name_gets_a_clear_error():
    with pytest.raises(UnknownPresetError) as info:
        energy.energy({"synops": 1, "neuron_updates_clock": 1}, "lohi")
    message = str(info.value)
    assert "'lohi'" in message and "did you mean 'loihi'" in message
    for name in energy.DEFAULT_PRESETS:
        assert name in message
    assert isinstance(info.value, ValueError)


def test_mac_count_matches_the_layer_sizes_of_a_known_mlp(digits):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x, y = digits[0][:200].reshape(200, -1) / 255.0, digits[1][:200]
    mlp = MLPClassifier(hidden_layer_sizes=(30, 20), max_iter=5, random_state=0)
    with pytest.warns(Warning):
        mlp.fit(x, y)
    ops = counting.conventional_ops(mlp)
    assert ops["layer_sizes"] == [64, 30, 20, 10]
    assert ops["macs"] == 64 * 30 + 30 * 20 + 20 * 10 == 2720
    assert ops["activations"] == 60
    assert ops["parameters"] == sum(w.size for w in mlp.coefs_) + sum(b.size for b in mlp.intercepts_)
    lr = LogisticRegression(max_iter=50).fit(x, y)
    assert counting.conventional_ops(lr)["layer_sizes"] == [64, 10] and counting.conventional_ops(lr)["macs"] == 640
    assert counting.layer_sizes(mlp.coefs_) == [64, 30, 20, 10]
    assert counting.layer_macs([784, 100, 10])["macs"] == 79400
    assert energy.conventional_energy(2720, 60, "cmos45nm") == pytest.approx(2720 * 4.6e-12 + 60 * 4.6e-12)
    assert np.isnan(energy.conventional_energy(2720, 60, "loihi"))
    with pytest.raises(TypeError):
        counting.conventional_ops(object())
    with pytest.raises(ValueError, match="positive sizes"):
        counting.layer_macs([784])


def test_one_row_type_prices_every_family_as_its_counts_say():
    counts = OperationCounts(n_input=4, n_neurons=2, slot_steps=10, learning=True, presentations=[1, 2],
                             input_spikes=[3, 5], exc_spikes=[2, 0], inh_spikes=[1, 1])
    snn = Workload.of_stdp("STDP", 0.5, counts, neuron_updates="event")
    mlp = Workload.of_dense({"name": "MLP", "accuracy": 0.8, "macs": 12, "activations": 5})
    rows = energy.priced_rows([snn, mlp], ["loihi", "cmos45nm"])
    assert [(r["model"], r["preset"]) for r in rows] == [("STDP", "loihi"), ("STDP", "cmos45nm"), ("MLP", "cmos45nm")]
    assert all(tuple(r) == energy.ROW_FIELDS for r in rows)
    for row in rows[:2]:  # per image: the mean of the per-example energy, learning's STDP updates left out
        for mode, key in (("event", "energy_per_image_j"), ("clock", "energy_per_image_other_mode_j")):
            per_example = energy.energy(counts, row["preset"], neuron_updates=mode, include_stdp=False)["total_j"]
            assert row[key] == pytest.approx(per_example.mean())
        assert row["energy_per_correct_j"] == pytest.approx(row["energy_per_image_j"] / 0.5)
        assert row["spikes_per_image"] == (3 + 2 + 1 + 5 + 0 + 1) / 2 and np.isnan(row["macs_per_image"])
    (dense,) = rows[2:]
    assert dense["energy_per_image_j"] == pytest.approx(energy.conventional_energy(12, 5, "cmos45nm"))
    assert dense["energy_per_image_j"] == pytest.approx(12 * 4.6e-12 + 5 * 4.6e-12)
    assert np.isnan(dense["synops_per_image"]) and np.isnan(dense["energy_per_image_other_mode_j"])
    assert (dense["neuron_updates_mode"], dense["n_neurons"]) == ("dense", 5)
    assert energy.priced_rows([Workload("never right", "SNN", 0.0, 2, synops=1)], ["gpu"])[0][
        "energy_per_correct_j"] == float("inf")
    with pytest.raises(ValueError, match="neuron_updates"):
        Workload.of_stdp("STDP", 0.5, counts, neuron_updates="dense")


def test_counting_and_pricing_need_no_simulator():
    # Counting and pricing stay importable and testable without Brian 2: only studies.py runs networks.
    package = Path(counting.__file__).parent
    for module in ("counting.py", "energy.py"):
        tree = ast.parse((package / module).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not imported & {"estimator", "simulator", "studies", "conversion", "brian2"}, (module, imported)


def test_weight_fetch_term_matches_a_hand_count():
    # A 3-2-3 MLP: 12 MACs dense, 7 with zero inputs skipped (as in test_conversion's hand count);
    # an STDP net of 4 inputs and 2 neurons: 3 input spikes x 2 + 2 exc x 1 + 1 inh x 1 = 9 synaptic events.
    net = {"name": "MLP", "accuracy": 0.5, "macs": 12, "activations": 5}
    mlp = energy.priced_rows([Workload.of_dense(net), Workload.of_dense(net, "MLP, zeros skipped", macs=7)],
                             ["cmos45nm"])
    counts = OperationCounts(n_input=4, n_neurons=2, slot_steps=10, learning=False, presentations=[1],
                             input_spikes=[3], exc_spikes=[2], inh_spikes=[1])
    snn = energy.priced_rows([Workload.of_stdp("STDP", 0.25, counts)], ["loihi", "cmos45nm"])
    dram = energy.with_weight_fetches(mlp + snn, "dram")
    assert [r["model"] for r in dram] == ["MLP", "MLP, zeros skipped", "STDP"]  # Loihi keeps its own figure
    assert [r["weight_fetches_per_image"] for r in dram] == [12, 7, 9]
    before = {r["model"]: r["energy_per_image_j"] for r in mlp + snn if r["preset"] == "cmos45nm"}
    for row, fetches in zip(dram, (12, 7, 9)):
        assert row["memory_j_per_image"] == pytest.approx(fetches * 640e-12)
        assert row["energy_per_image_j"] == pytest.approx(before[row["model"]] + fetches * 640e-12)
        assert row["energy_per_correct_j"] == pytest.approx(row["energy_per_image_j"] / row["accuracy"])
    none = energy.with_weight_fetches(mlp + snn, None)
    assert [r["energy_per_image_j"] for r in none] == list(before.values())
    assert energy.WEIGHT_FETCH["sram_8kb"].energy_per_fetch < energy.WEIGHT_FETCH["sram_1mb"].energy_per_fetch \
        < energy.WEIGHT_FETCH["dram"].energy_per_fetch
    assert all("Horowitz" in m.source for m in energy.WEIGHT_FETCH.values())


def test_sweep_footprint_formula():
    # Counted by hand: a 100 W machine trains 3 epochs of 30 min (0.15 kWh at the plug) in a data centre of
    # PUE 1.5 (0.225 kWh drawn from the grid), plus 10 Wh measured at the grid for compiling and testing: 0.235 kWh
    # an experiment, 2.82 kWh for 12, and 564 g at 200 gCO2e/kWh.
    sweep = dict(n_experiments=12, hours_per_epoch=0.5, epochs=3, hardware_kw=0.1, pue=1.5, grid_gco2_per_kwh=200,
                 overhead_kwh=0.01)
    s = metering.SweepFootprint(**sweep)
    assert (s.energy_per_experiment_kwh, s.energy_kwh, s.carbon_g) == pytest.approx((0.235, 2.82, 564))
    # Experiments add up; the PUE scales the hardware's energy, not the overhead (measured with it included).
    one = metering.SweepFootprint(**{**sweep, "n_experiments": 1})
    assert (s.energy_kwh, s.carbon_g) == pytest.approx((12 * one.energy_kwh, 12 * one.carbon_g))
    no_hardware = metering.SweepFootprint(**{**sweep, "hardware_kw": 0})
    assert no_hardware.energy_kwh == pytest.approx(12 * 0.01)
    assert metering.SweepFootprint(**{**sweep, "hardware_kw": 0, "overhead_kwh": 0}).carbon_g == 0  # nothing ran
    with pytest.raises(ValueError):
        metering.SweepFootprint(1, 1, 1, 1, pue=0.5)


def test_energy_accuracy_figure_and_report(tiny, digits):
    from stdplab import plots

    model, _ = tiny
    counts = counting.counts_from_result(model, model.responses(digits[2][:20]))
    rows = energy.priced_rows([Workload.of_stdp("SNN 20", 0.5, counts),
                               Workload.of_dense({"name": "MLP 30", "accuracy": 0.9, "macs": 2220, "activations": 40})])
    assert {r["preset"] for r in rows} == set(energy.DEFAULT_PRESETS)
    assert all(r["energy_per_correct_j"] == pytest.approx(r["energy_per_image_j"] / r["accuracy"]) for r in rows)
    fig = plots.energy_accuracy(rows)
    assert fig.axes[0].get_xscale() == "log"
    text = energy.report(rows)
    assert "memory traffic" in text and "minimum" in text and "operating point" in text


def test_measure_snn_trains_tests_and_meters_each_stage(tiny, digits):
    x_train, y_train, x_test, y_test = digits
    run = studies.measure_snn(20, x_train[:100], y_train[:100], x_test[:40], y_test[:40], seed=0, chunk_size=100)
    model, train_counts = tiny
    # The same seed and images as the fixture: the same learning, counted the same way.
    assert np.array_equal(run.model.weights_, model.weights_)
    assert run.train.total() == train_counts.total() and run.train.learning and not run.test.learning
    assert run.test.n_examples == 40 and run.name == "SNN 20"
    assert run.images_presented == 2 * 100 + 40  # learning, labels, test
    assert run.accuracy == pytest.approx(np.mean(run.model.predict(x_test[:40]) == y_test[:40]))
    assert list(run.cost) == list(studies.STAGES)
    assert all(c.wall_s > 0 for c in run.cost.values())
    assert run.cost["train"].cpu_s > 0  # the binary runs in a child process, which is metered too
    compute = run.compute()
    assert compute["total"]["wall_s"] == pytest.approx(sum(c.wall_s for c in run.cost.values()))
    assert compute["total"]["energy_kwh"] == pytest.approx(sum(c.energy_kwh for c in run.cost.values()))
    assert all(c["pue"] == 1.0 and c["grid_gco2_per_kwh"] == 475.0 for c in compute.values())
    footprint = run.footprint(n_experiments=3)
    assert footprint.n_experiments == 3 and footprint.pue == run.cost["train"].pue
    assert footprint.hours_per_epoch == pytest.approx(run.cost["train"].wall_s / 3600)
    assert footprint.energy_kwh == pytest.approx(3 * run.total_cost.energy_kwh)  # built on what was measured

    rows = energy.priced_rows([run.workload()], ["loihi", "cpu"])
    other = Workload.of_stdp("SNN 99", 0.1, run.test)
    summary = studies.summary(run, rows + energy.priced_rows([other], ["gpu"]))
    assert set(summary["energy_per_image_j"]) == {"loihi", "cpu"}  # only its own rows
    assert summary["synops_per_image"] == pytest.approx(run.test.mean()["synops"])
    assert summary["stdp_updates_per_training_image"] > 0
    assert summary["measured_compute"] == compute["total"]
    text = energy.report(rows, compute=run.cost)
    assert text.count("mode ") == len(studies.STAGES) and "PUE 1" in text and "gCO2e/kWh" in text
    assert run.summary()["test_total"] == run.test.total()
    with pytest.raises(ValueError, match="no table rows"):
        studies.summary(run, [])


def test_energy_benchmark_prices_training_only_where_the_file_kept_it(tiny, benchmark_script, tmp_path):
    script = benchmark_script("energy")
    assert [script.epochs_learned(seen, 60000) for seen in (180000, 420000, 30000, 0)] == [3, 7, 1, 1]
    model, training = tiny
    assert script.training_totals(model) == training.total()
    model.save(tmp_path / "compact.npz", compact=True)  # as the shipped networks: no per-example statistics
    compact = DiehlCook2015.load(tmp_path / "compact.npz")
    assert compact.n_examples_seen_ == model.n_examples_seen_ and script.training_totals(compact) is None


def test_measure_snn_fills_in_the_datasets_suggested_parameters(digits):
    x_train, y_train, x_test, y_test = digits
    run = studies.measure_snn(20, x_train[:50], y_train[:50], x_test[:20], y_test[:20], chunk_size=100,
                              dataset="digits", input_rate_scale=0.25)
    # The paper's weight sum (78) on 64 inputs learns nothing; the one given wins over the suggestion.
    assert run.model.weight_total == datasets.SUGGESTED_PARAMETERS["digits"]["weight_total"]
    assert run.model.input_rate_scale == 0.25


def test_an_unknown_memory_for_weight_fetches_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown memory 'sram'.*choose one of sram_8kb, sram_1mb, dram or None"):
        energy.with_weight_fetches([], "sram")
