#!/usr/bin/env bash
# Remake every figure in figures/ from the runs behind it. Runs that are already in runs/ and
# sweeps/ are reused (finished runs are read back, not recomputed); missing ones are trained,
# which takes hours for the 400-neuron network.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
mkdir -p runs/notebooks

# Notebook 01: the neuron, the STDP window, winner-take-all (about a minute).
$py -m papermill notebooks/01_neuron_and_stdp.ipynb runs/notebooks/01.ipynb -p output_dir "$PWD/figures/"

# Notebook 02 on the 400-neuron, 3-epoch accuracy run (benchmarks/accuracy.py --neurons 400 ...).
$py -m papermill notebooks/02_train_diehl_cook.ipynb runs/notebooks/02_400.ipynb \
    -p n_neurons 400 -p n_train 60000 -p epochs 3 -p n_test 10000 -p snapshot_every 0 \
    -p run_dir "$PWD/runs/accuracy_400" -p output_dir "$PWD/figures/"

# The same notebook on the 1,600-neuron, 7-epoch run (benchmarks/accuracy.py --neurons 1600 ...), into
# figures/1600_neurons/ (it retests the finished run: about 5 minutes).
$py -m papermill notebooks/02_train_diehl_cook.ipynb runs/notebooks/02_1600.ipynb \
    -p n_neurons 1600 -p n_train 60000 -p epochs 7 -p n_test 10000 -p snapshot_every 0 \
    -p run_dir "$PWD/runs/accuracy_1600" -p output_dir "$PWD/figures/1600_neurons/"

# Energy against accuracy: the best 100-neuron run (theta_plus 0.025) and the 400-neuron run beside
# conventional networks.
$py benchmarks/energy.py --model runs/accuracy_100_theta_plus=0.025/model.npz --model runs/accuracy_400/model.npz \
    --test 10000 --train 10000

# The four learning rules side by side (400 neurons, one epoch each; and 100 neurons, 10,000 examples),
# and accuracy against each rule constant the paper leaves open.
$py benchmarks/rules.py --resume
$py benchmarks/rules.py --neurons 100 --train 10000 --test 10000 --label 10000 --resume
$py benchmarks/rule_constants.py

# Notebook 04 on the README's sweep (python -m stdplab sweep ... --out sweeps/readme_nu_post).
$py -m papermill notebooks/04_sweep.ipynb runs/notebooks/04.ipynb -p sweep_dir "$PWD/sweeps/readme_nu_post" -p notebook "$PWD/notebooks/02_train_diehl_cook.ipynb" \
    -y '{"grid": {"nu_post": [0.005, 0.01, 0.02]}, "fixed": {"n_neurons": 100, "n_train": 1000, "n_test": 500, "snapshot_every": 0}, "jobs": 1}' \
    -p output_dir "$PWD/figures/"

# The paper's table beside the lab's: every benchmarks/results/accuracy_*.json.
$py benchmarks/paper_table.py

# Converted networks beside the MLPs and the STDP network, from the recorded results (no simulation).
$py benchmarks/conversion.py --replot

# Learning unchanged by the interval-drawn input and by the capped Euler step: both comparisons
# and figures from the recorded seeds (no simulation).
$py benchmarks/equivalence.py --seeds --reference stepped
$py benchmarks/equivalence.py --seeds --reference euler --out benchmarks/results/equivalence_euler_cap.json \
    --figure figures/equivalence_euler_cap.png
