"""figures/energy_vs_accuracy.png (and .svg) remade from the recorded results, without a simulation:
the ``estimates`` of benchmarks/results/energy.json (written by benchmarks/energy.py), drawn as
benchmarks/energy.py draws them.

    python benchmarks/energy_replot.py [--results benchmarks/results] [--name energy] [--figures figures]
"""
import argparse
import json
from pathlib import Path

from stdplab import plots


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--name", default="energy", help="results file stem (default energy)")
    p.add_argument("--figures", default="figures")
    args = p.parse_args(argv)
    record = json.loads((Path(args.results) / f"{args.name}.json").read_text())
    fig = plots.energy_accuracy(record["estimates"], title=f"Accuracy against estimated energy per image "
                                                           f"({record['dataset']}, {record['n_test']} test images)")
    paths = plots.save(fig, args.figures, "energy_vs_accuracy", formats=("png", "svg"))
    print(f"-> {', '.join(map(str, paths))}")


if __name__ == "__main__":
    main()
