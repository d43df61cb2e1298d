"""The paper's table beside the lab's: figures/paper_table.png, figures/accuracy_all_runs.png and a
Markdown table, from the recorded accuracy results (benchmarks/results/accuracy_*.json, written by
benchmarks/accuracy.py).

    python benchmarks/paper_table.py

paper_table.png shows one result per size beside the paper's four: each size's main run,
accuracy_<n>.json, or where there is none yet accuracy_<n>_partial.json, marked partial. The runs
set aside (other settings such as accuracy_100_theta_plus=0.05.json, runs stopped early) are drawn
with the main ones in accuracy_all_runs.png. The Markdown table has one row per results file; a file
from a run stopped early (--stop-after) is marked partial with how far it got, and one finished
after an interruption is marked resumed.
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
        if config.get("dataset", "mnist") != "mnist":
            continue  # the paper's table is MNIST's; other data sets' runs are reported on their own
        trained = record.get("examples_trained", config["n_train"] * config["epochs"])
        settings = path.stem.removeprefix(f"accuracy_{config['n_neurons']}").removesuffix("_partial").strip("_")
        label = f"{config['n_neurons']} neurons" + (f", {settings}" if settings else "")
        if record.get("partial"):
            label += f" (partial: {trained:,} of {config['n_train'] * config['epochs']:,} examples)"
        if config["n_test"] != 10000:
            label += f" ({config['n_test']:,} test images)"
        runs.append({"n_neurons": config["n_neurons"], "label": label, "file": path.name,
                     "examples_planned": config["n_train"] * config["epochs"],
                     "examples": record["history_examples"], "running_accuracy": record["running_accuracy"],
                     "examples_trained": trained, "test_accuracy_percent": record["accuracy_percent"],
                     "test_images": config["n_test"], "theta_plus": record.get("network_parameters", {}).get("theta_plus"),
                     "partial": bool(record.get("partial")), "resumed": bool(record.get("resumed")),
                     "wall_time_h": sum(record["timings_s"].values()) / 3600})
    return sorted(runs, key=lambda run: (run["n_neurons"], run["examples_trained"]))


def main_runs(runs) -> list[dict]:
    """One run per size for the paper's table: accuracy_<n>.json, else accuracy_<n>_partial.json."""
    chosen = {}
    for run in runs:
        n = run["n_neurons"]
        for rank, name in enumerate((f"accuracy_{n}.json", f"accuracy_{n}_partial.json")):
            if run["file"] == name and (n not in chosen or rank < chosen[n][0]):
                chosen[n] = (rank, run)
    return [chosen[n][1] for n in sorted(chosen)]


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
    main = main_runs(runs)
    saved = plots.save(plots.paper_table(main, paper), args.out, "paper_table")
    labelled = [{**run, "label": run["label"] + (" (main run)" if run in main else " (set aside)")} for run in runs]
    saved += plots.save(plots.training_runs(labelled, paper), args.out, "accuracy_all_runs")
    print(markdown(runs))
    print(f"-> {', '.join(map(str, saved))}")


if __name__ == "__main__":
    main()
