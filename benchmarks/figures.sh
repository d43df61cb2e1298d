#!/usr/bin/env bash
# Remake every figure in figures/ from the runs behind it.
#
#   benchmarks/figures.sh               everything: the notebooks, the benchmarks, then the figures
#                                       drawn from recorded results
#   benchmarks/figures.sh --plots-only  only the figures drawn from recorded results
#                                       (benchmarks/results/*.json): a minute, no simulation
#
# Runs that are already in runs/ and sweeps/ are reused (finished runs are read back, not
# recomputed); the notebooks' and the rules' runs are trained if missing (minutes to an hour); the
# 1,600- and 6,400-neuron runs behind figures/<n>_neurons/ are not (hours to days: the step says so
# and is skipped).
#
# Which step makes which figure:
#   01_*.png                      notebook 01 (about a minute)
#   02_*.png                      notebook 02 with its defaults (about 2 minutes)
#   1600_neurons/02_*.png         notebook 02 on runs/accuracy_1600 (about 5 minutes: it retests),
#                                 where that run is here and finished
#   6400_neurons/02_*.png         the same on runs/accuracy_6400 (the paper's protocol at 6,400 neurons)
#   04_sweep_theta_plus.png       notebook 04 with its defaults (about 3 minutes)
#   browser_*.png                 benchmarks/browser_check.py (JupyterLab in headless Chromium): the
#                                 notebooks' and lessons' screenshots; browser_docs_*.png where
#                                 docs/_build/html is built
#   energy_vs_accuracy.png/.svg   benchmarks/energy.py, then redrawn from energy.json (replot.py)
#   label_efficiency.png          benchmarks/label_efficiency.py, then redrawn from its CSVs (replot.py)
#   rules_accuracy_<n>.png        benchmarks/rules.py, then redrawn from rules_<n>.json (replot.py)
#   rule_constants.png            benchmarks/rule_constants.py, then redrawn from rule_constants.json
#   paper_table.png, accuracy_all_runs.png
#                                 benchmarks/paper_table.py from accuracy_*.json
#   conversion_accuracy.png, conversion_energy.png
#                                 benchmarks/conversion.py --replot from conversion.json
#   whetstone_energy.png          benchmarks/whetstone.py --replot from whetstone.json
#   equivalence.png, equivalence_euler_cap.png
#                                 benchmarks/equivalence.py --seeds from equivalence*.json
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}

if [[ "${1:-}" != "--plots-only" ]]; then
    mkdir -p runs/notebooks

    # Notebook 01: the neuron, the STDP window, winner-take-all (about a minute).
    $py -m papermill notebooks/01_neuron_and_stdp.ipynb runs/notebooks/01.ipynb -p output_dir "$PWD/figures/"

    # Notebook 02 with its defaults (100 neurons, 2,000 images, and the collapsed run beside them).
    $py -m papermill notebooks/02_train_diehl_cook.ipynb runs/notebooks/02.ipynb -p output_dir "$PWD/figures/"

    # The same notebook on the paper's protocol at 1,600 neurons (7 epochs) and 6,400 (15 epochs), into
    # figures/<n>_neurons/ (it retests the finished run: about 5 minutes at 1,600 neurons). Without a
    # finished run it would train it first: that is left to the run's own command.
    for size_epochs in 1600:7 6400:15; do
        n=${size_epochs%:*} epochs=${size_epochs#*:} run=runs/accuracy_$n
        if [[ -f $run/results.json ]] && $py -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['partial'])" \
                $run/results.json; then
            $py -m papermill notebooks/02_train_diehl_cook.ipynb runs/notebooks/02_$n.ipynb \
                -p n_neurons $n -p n_train 60000 -p epochs $epochs -p n_test 10000 -p snapshot_every 0 \
                -p run_dir "$PWD/$run" -p output_dir "$PWD/figures/${n}_neurons/"
        else
            echo "no finished $run: figures/${n}_neurons/ not remade (make the run first:" \
                 "python benchmarks/accuracy.py --neurons $n --train 60000 --epochs $epochs)" >&2
        fi
    done

    # Notebook 04 with its defaults: the lesson's question (θ+ against accuracy and silent neurons, three seeds).
    $py -m papermill notebooks/04_sweep.ipynb runs/notebooks/04.ipynb -p sweep_dir "$PWD/sweeps/lesson04" \
        -p output_dir "$PWD/figures/"

    # The notebooks and the lessons in a real browser: their screenshots (needs chromium; exits 2 without it).
    rc=0
    $py benchmarks/browser_check.py --figures figures || rc=$?
    if [[ $rc == 2 ]]; then echo "no chromium here: browser_*.png not remade" >&2; elif [[ $rc != 0 ]]; then exit $rc; fi

    # Energy against accuracy: the 400- and 1,600-neuron networks that ship beside conventional networks
    # (writes energy.json; the figure is redrawn from it below).
    $py benchmarks/energy.py --model 400 --model 1600 --test 10000 --train 10000

    # What the unlabelled features are worth with few labels, for the same two networks (counts their
    # spikes on the 70,000 images once; the figure is redrawn from both CSVs below). This replaces the
    # records made from the runs behind the shipped networks (float64 weights) with the shipped ones'.
    $py benchmarks/label_efficiency.py --model 400 --jobs 2 --quiet
    $py benchmarks/label_efficiency.py --model 1600 --jobs 2 --quiet

    # The four learning rules side by side (400 neurons, one epoch each; and 100 neurons, 10,000 examples),
    # and accuracy against each rule constant the paper leaves open.
    $py benchmarks/rules.py --resume
    $py benchmarks/rules.py --neurons 100 --train 10000 --test 10000 --label 10000 --resume
    $py benchmarks/rule_constants.py
fi

# --- from the recorded results alone (no simulation) -------------------------------------------

# Energy against accuracy, the rules' accuracy during training, the rule constants and label efficiency.
$py benchmarks/replot.py energy rules rule_constants label_efficiency

# The paper's table beside the lab's (one result per size), and every run including those set aside.
$py benchmarks/paper_table.py

# Converted networks beside the MLPs and the STDP network (also rewrites conversion_memory.csv).
$py benchmarks/conversion.py --replot

# The sharpened (Whetstone) networks beside them.
$py benchmarks/whetstone.py --replot

# Learning unchanged by the interval-drawn input and by the capped Euler step: both comparisons
# and figures from the recorded seeds.
$py benchmarks/equivalence.py --seeds --reference stepped
$py benchmarks/equivalence.py --seeds --reference euler --out benchmarks/results/equivalence_euler_cap.json \
    --figure figures/equivalence_euler_cap.png
