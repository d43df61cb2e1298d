"""The lab's own compute through codecarbon's offline tracker (metering.ComputeMeter, ComputeCost) and
the NATURE-style sweep total built on it (metering.SweepFootprint)."""
import socket
import subprocess
import sys

import pytest

pytest.importorskip("codecarbon")
from stdplab import metering  # noqa: E402

# codecarbon's CPU modes (external/hardware.py): RAPL counters, load x TDP, a constant, ...
MODES = {"intel_rapl", "cpu_load", "constant", "intel_power_gadget", "windows_emi", "apple_powermetrics"}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, and an empty working directory to see whether anything is written there."""
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def burn(iterations: int = 3_000_000):
    """CPU work in a child process, as the compiled simulation runs."""
    subprocess.run([sys.executable, "-c", f"x = 0\nfor i in range({iterations}): x += i"], check=True)


def test_the_meter_measures_offline_quietly_and_writes_nothing(offline, capfd):
    with metering.ComputeMeter(pue=1.5, measure_power_secs=1) as meter:
        burn()
    cost = meter.cost
    assert cost.mode in MODES and cost.tracking == "machine"
    assert cost.pue == 1.5 and cost.grid_gco2_per_kwh == metering.WORLD_GRID_GCO2_PER_KWH
    assert cost.grid_source == "the figure given" and cost.tool.startswith("codecarbon ")
    assert cost.energy_kwh > 0 and cost.wall_s > 0
    assert cost.emissions_gco2e == pytest.approx(cost.energy_kwh * cost.grid_gco2_per_kwh)
    assert cost.hardware_kw == pytest.approx(cost.energy_kwh / 1.5 / (cost.wall_s / 3600))
    assert cost.cpu_s > 0.05  # the child's CPU time, which codecarbon does not count
    assert list(offline.iterdir()) == []  # no emissions.csv, no log file
    assert capfd.readouterr().err == ""  # codecarbon logs only errors
    text = metering.describe_compute(cost)
    assert all(part in text for part in (cost.mode, "PUE 1.5", "475 gCO2e/kWh", "Wh", "gCO2e"))
    assert metering.describe_compute(cost.as_dict()) == text


def test_without_a_given_intensity_the_countrys_bundled_figure_is_used(offline):
    with metering.ComputeMeter(grid_gco2_per_kwh=None, country_iso_code="FRA", measure_power_secs=1) as meter:
        burn(1_000_000)
    # France's bundled grid intensity is low-carbon (tens of gCO2e/kWh, not hundreds)
    assert 10 < meter.cost.grid_gco2_per_kwh < 200 and "France" in meter.cost.grid_source


def test_the_lab_default_intensity_is_codecarbons_world_average():
    from codecarbon.input import DataSource

    assert DataSource().get_carbon_intensity_per_source_data()["world_average"] == metering.WORLD_GRID_GCO2_PER_KWH


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="pue"):
        metering.ComputeMeter(pue=0.9)
    with pytest.raises(ValueError, match="grid"):
        metering.ComputeMeter(grid_gco2_per_kwh=-1)

def test_the_grid_intensity_is_the_one_given_else_the_countrys_else_the_world_average():
    assert metering.ComputeMeter(grid_gco2_per_kwh=300).grid_gco2_per_kwh == 300
    assert metering.ComputeMeter(country_iso_code="FRA").grid_gco2_per_kwh is None  # codecarbon's figure for France
    assert metering.ComputeMeter().grid_gco2_per_kwh == metering.WORLD_GRID_GCO2_PER_KWH


def cost(kwh, wall_s, pue=1.2, grid=300.0):
    return metering.ComputeCost(energy_kwh=kwh, emissions_gco2e=kwh * grid, wall_s=wall_s, cpu_s=wall_s / 2,
                              mode="cpu_load", tracking="machine", pue=pue, grid_gco2_per_kwh=grid,
                              grid_source="the figure given", tool="codecarbon")


def test_costs_add_up_only_when_measured_the_same_way():
    total = metering.ComputeCost.total([cost(0.002, 10), cost(0.001, 5)])
    assert (total.energy_kwh, total.wall_s, total.cpu_s) == pytest.approx((0.003, 15, 7.5))
    assert total.emissions_gco2e == pytest.approx(0.003 * 300)
    with pytest.raises(ValueError, match="different ways"):
        cost(0.002, 10) + cost(0.001, 5, pue=1.0)


def test_the_sweep_total_of_one_experiment_is_what_was_measured():
    train, other = cost(0.004, 7200), cost(0.001, 600)  # 2 epochs of one hour each
    one = metering.SweepFootprint.from_cost(train, other, n_experiments=1, epochs=2)
    assert one.hours_per_epoch == pytest.approx(1.0) and (one.pue, one.grid_gco2_per_kwh) == (1.2, 300.0)
    assert one.hardware_kw == pytest.approx(0.004 / 1.2 / 2)  # the PUE goes back in through the formula
    assert one.energy_kwh == pytest.approx(train.energy_kwh + other.energy_kwh)
    assert one.carbon_g == pytest.approx(train.emissions_gco2e + other.emissions_gco2e)
    assert "PUE 1.2" in one.measured_by
    ten = metering.SweepFootprint.from_cost(train, other, n_experiments=10, epochs=2)
    assert ten.energy_kwh == pytest.approx(10 * one.energy_kwh)
