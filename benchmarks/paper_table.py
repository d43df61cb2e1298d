"""The paper's table beside the lab's: figures/paper_table.png and a Markdown table, from the
recorded accuracy results (benchmarks/results/accuracy_*.json, written by benchmarks/accuracy.py).

    python benchmarks/paper_table.py

One row per results file; a file from a run stopped early (--stop-after) is marked partial with how
far it got, and one finished after an interruption is marked resumed.
"""
import argparse
import json
from pathlib import Path

from accuracy import PAPER
from stdplab import plots

EPOCH = 60000


def load_runs(results_dir) -> list[dict]:
    runs = []
    for path in sorted(Path(results_dir).glob("accuracy_*.json")):
        record = json.loads(path.read_text())
        config = record["config"]
        trained = record.get("examples_trained", config["n_train"] * config["epochs"])
        settings = path.stem.removeprefix(f"accuracy_{config['n_neurons']}").removesuffix("_partial").strip("_")
        label = f"{config['n_neurons']} neurons" + (f", {settings}" if settings else "")
        if record.get("partial"):
            label += f" (partial: {trained:,} of {config['n_train'] * config['epochs']:,} examples)"
        runs.append({"n_neurons": config["n_neurons"], "label": label, "file": path.name,
                     "examples": record["history_examples"], "running_accuracy": record["running_accuracy"],
                     "examples_trained": trained, "test_accuracy_percent": record["accuracy_percent"],
                     "test_images": config["n_test"], "theta_plus": record.get("network_parameters", {}).get("theta_plus"),
                     "partial": bool(record.get("partial")), "resumed": bool(record.get("resumed")),
                     "wall_time_h": sum(record["timings_s"].values()) / 3600})
    return sorted(runs, key=lambda run: (run["n_neurons"], run["examples_trained"]))


def markdown(runs) -> str:
    lines = ["| neurons | run | training examples | test images | accuracy | paper | time (train, label, test) |",
             "|---|---|---|---|---|---|---|"]
    for run in runs:
        paper, epochs = PAPER.get(run["n_neurons"], (None, None))
        paper_text = "" if paper is None else f"{paper} %" + (f" ({epochs} epochs)" if epochs else "")
        lines.append(f"| {run['n_neurons']:,} | {run['label']}{' (resumed)' if run['resumed'] else ''}"
                     f" | {run['examples_trained']:,} | {run['test_images']:,} | **{run['test_accuracy_percent']:.1f} %**"
                     f" | {paper_text} | {run['wall_time_h']:.1f} h |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--out", default="figures")
    args = p.parse_args()
    runs = load_runs(args.results)
    paper = {n: (accuracy, epochs * EPOCH if epochs else None) for n, (accuracy, epochs) in PAPER.items()}
    saved = plots.save(plots.paper_table(runs, paper), args.out, "paper_table")
    print(markdown(runs))
    print(f"-> {', '.join(map(str, saved))}")


if __name__ == "__main__":
    main()
