"""benchmarks/accuracy.py's records: a retrain says what it replaces, a resumed run keeps it."""
import json


def record(started, accuracy):
    return {"invocations": [{"started": started, "examples_seen": 0, "commit": "abc1234"}],
            "command": "python benchmarks/accuracy.py --neurons 1600", "commit": "abc1234",
            "examples_trained": 420000, "accuracy_percent": accuracy, "accuracy_proportion_percent": accuracy + 1,
            "accuracy_linear_percent": None}


def test_a_retrain_names_the_record_it_replaces_and_a_resumed_run_keeps_that(benchmark_script, tmp_path):
    accuracy = benchmark_script("accuracy")
    path = tmp_path / "accuracy_1600.json"
    first = record("2026-11-30T05:14:18+0000", 92.52)
    assert accuracy.replaced_record(path, first) is None  # nothing recorded there yet
    path.write_text(json.dumps(first))

    retrain = record("2026-12-07T03:29:11+0000", 92.8)
    replaced = accuracy.replaced_record(path, retrain)
    assert replaced["started"] == "2026-11-30T05:14:18+0000" and replaced["accuracy_percent"] == 92.52
    assert replaced["examples_trained"] == 420000 and replaced["command"] == first["command"]

    # The retrain's own record, rewritten when it is resumed and finished, keeps what it replaced.
    path.write_text(json.dumps({**retrain, "replaces": replaced}))
    assert accuracy.replaced_record(path, retrain) == replaced
