"""Remake the benchmark figures from the recorded results, without a simulation: each figure drawn
as the benchmark that recorded it draws it.

    python benchmarks/replot.py                      # all of them
    python benchmarks/replot.py energy rules         # some

energy          figures/energy_vs_accuracy.png (.svg)  from benchmarks/results/energy.json (benchmarks/energy.py)
rules           figures/rules_accuracy_<n>.png         from benchmarks/results/rules_<n>.json (benchmarks/rules.py)
rule_constants  figures/rule_constants.png             from benchmarks/results/rule_constants.json
                                                       (benchmarks/rule_constants.py)
label_efficiency figures/label_efficiency.png          from every benchmarks/results/label_efficiency_<n>.csv
                                                       (benchmarks/label_efficiency.py)
The paper's table (benchmarks/paper_table.py), the conversion figures (benchmarks/conversion.py
--replot) and the equivalence figures (benchmarks/equivalence.py --seeds) have their own
plot-only paths.
"""
import argparse
import json
import re
from pathlib import Path

import pandas as pd

from stdplab import plots


def energy(results: Path, figures: Path, name="energy") -> list[Path]:
    return energy_figure(json.loads((results / f"{name}.json").read_text()), figures)


def energy_figure(record: dict, figures: Path) -> list[Path]:
    """The energy figure of an energy.py record (its estimates, dataset and test images)."""
    fig = plots.energy_accuracy(record["estimates"], title=f"Accuracy against estimated energy per image "
                                                           f"({record['dataset']}, {record['n_test']} test images)")
    return plots.save(fig, figures, "energy_vs_accuracy", formats=("png", "svg"))


def rules(results: Path, figures: Path) -> list[Path]:
    return [p for path in sorted(results.glob("rules_*.json")) for p in rules_figure(json.loads(path.read_text()), figures)]


def rules_figure(record: dict, figures: Path) -> list[Path]:
    """Accuracy during training of each rule in a rules.py record."""
    curves = {rule: (entry["history_examples"], entry["running_accuracy"]) for rule, entry in record["rules"].items()}
    fig = plots.accuracy_curve(curves, title=f"Accuracy during training, {record['neurons']} neurons, four STDP rules")
    return plots.save(fig, figures, f"rules_accuracy_{record['neurons']}")


def rule_constants(results: Path, figures: Path) -> list[Path]:
    return rule_constants_figure(json.loads((results / "rule_constants.json").read_text()), figures)


def rule_constants_figure(record: dict, figures: Path) -> list[Path]:
    """Accuracy against each rule constant in a rule_constants.py record."""
    fig = plots.sensitivity(record["rules"], title=f"Accuracy against each rule constant, {record['neurons']} neurons,"
                                                   f" {record['n_train']} training images")
    return plots.save(fig, figures, "rule_constants")


def _by_size(path: Path):
    """Numbers in the name in numeric order (400 before 1600), then the name."""
    return [int(n) for n in re.findall(r"\d+", path.stem)], path.stem


def label_efficiency(results: Path, figures: Path, name="label_efficiency") -> list[Path]:
    tables = {}
    for path in sorted(results.glob("label_efficiency_*.csv"), key=_by_size):
        size, _, dataset = path.stem[len("label_efficiency_"):].partition("_")
        tables[f"{size} neurons" + (f", {dataset}" if dataset else "")] = pd.read_csv(path)
    if not tables:
        raise FileNotFoundError(f"no label_efficiency_<neurons>.csv in {results} (benchmarks/label_efficiency.py writes them)")
    return plots.save(plots.label_efficiency(tables), figures, name)


FIGURES = {"energy": energy, "rules": rules, "rule_constants": rule_constants, "label_efficiency": label_efficiency}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("which", nargs="*", help=f"figures to remake, of {', '.join(FIGURES)} (default: all)")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--figures", default="figures")
    args = p.parse_args(argv)
    unknown = [name for name in args.which if name not in FIGURES]
    if unknown:
        p.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    for name in args.which or FIGURES:
        paths = FIGURES[name](Path(args.results), Path(args.figures))
        print(f"{name}: {', '.join(map(str, paths))}")


if __name__ == "__main__":
    main()
