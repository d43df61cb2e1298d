"""The lab's own compute footprint through codecarbon's offline tracker (energy.EmissionsMeter)."""
import socket
import time

import pytest

pytest.importorskip("codecarbon")


def test_the_offline_tracker_reports_mode_pue_grid_intensity_and_energy_without_a_network(monkeypatch):
    from stdplab.energy import EmissionsMeter

    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with EmissionsMeter(country_iso_code="FRA", pue=1.5, measure_power_secs=1) as meter:
        end = time.perf_counter() + 1.5
        while time.perf_counter() < end:
            sum(i * i for i in range(10_000))
    report = meter.report
    # codecarbon's CPU modes (core/resource_tracker.py): RAPL, load x TDP, or a constant
    assert report["mode"] in {"intel_rapl", "cpu_load", "constant", "intel_power_gadget", "windows_emi"}
    assert report["pue"] == 1.5
    assert report["country"] == "France"
    assert report["energy_kwh"] > 0
    assert report["duration_s"] >= 1.5
    # France's bundled grid intensity is low-carbon (tens of gCO2e/kWh, not hundreds)
    assert 10 < report["grid_gco2_per_kwh"] < 200
    assert report["emissions_gco2e"] == pytest.approx(report["energy_kwh"] * report["grid_gco2_per_kwh"])


def test_a_given_grid_intensity_replaces_the_countrys():
    from stdplab.energy import EmissionsMeter

    with EmissionsMeter(country_iso_code="FRA", grid_gco2_per_kwh=475.0, measure_power_secs=1) as meter:
        time.sleep(1.1)
    assert meter.report["grid_gco2_per_kwh"] == pytest.approx(475.0)


def test_a_pue_below_one_or_a_negative_intensity_is_refused():
    from stdplab.energy import EmissionsMeter

    with pytest.raises(ValueError, match="pue"):
        EmissionsMeter(pue=0.9)
    with pytest.raises(ValueError, match="grid"):
        EmissionsMeter(grid_gco2_per_kwh=-1)
