"""benchmarks/accuracy.py's records: a retrain says what it replaces, and a run's later records keep
the figures of its earlier partial ones."""
import json


def record(started, accuracy, examples=420000, partial=False):
    return {"invocations": [{"started": started, "examples_seen": 0, "commit": "abc1234"}],
            "command": "python benchmarks/accuracy.py --neurons 1600", "commit": "abc1234",
            "examples_trained": examples, "partial": partial, "accuracy_percent": accuracy,
            "accuracy_proportion_percent": accuracy + 1, "accuracy_linear_percent": None}


def test_a_retrain_names_the_record_it_replaces_and_a_resumed_run_keeps_that(benchmark_script, tmp_path):
    accuracy = benchmark_script("accuracy")
    path = tmp_path / "accuracy_1600.json"
    first = record("2026-11-30T05:14:18+0000", 92.52)
    assert accuracy.replaced_record(path, accuracy.read_record(path), first) is None  # nothing recorded there yet
    path.write_text(json.dumps(first))

    retrain = record("2026-12-07T03:29:11+0000", 92.8)
    replaced = accuracy.replaced_record(path, accuracy.read_record(path), retrain)
    assert replaced["started"] == "2026-11-30T05:14:18+0000" and replaced["accuracy_percent"] == 92.52
    assert replaced["examples_trained"] == 420000 and replaced["command"] == first["command"]

    # The retrain's own record, rewritten when it is resumed and finished, keeps what it replaced.
    path.write_text(json.dumps({**retrain, "replaces": replaced}))
    assert accuracy.replaced_record(path, accuracy.read_record(path), retrain) == replaced

    # A record from before runs kept their invocations, or one that cannot be read, is another run.
    path.write_text(json.dumps({"accuracy_percent": 84.0}))
    assert accuracy.replaced_record(path, accuracy.read_record(path), retrain)["started"] is None
    path.write_text("{not json")
    assert accuracy.replaced_record(path, accuracy.read_record(path), retrain) is None


def test_later_records_keep_the_runs_earlier_partial_ones_and_no_other_runs(benchmark_script, tmp_path):
    accuracy = benchmark_script("accuracy")
    final, partial = tmp_path / "accuracy_6400.json", tmp_path / "accuracy_6400_partial.json"
    run = "2026-11-30T03:00:00+0000"
    at_10000 = record(run, 77.59, examples=10000, partial=True)
    assert accuracy.earlier_partials(accuracy.read_records([partial, partial]), at_10000) == []
    partial.write_text(json.dumps({**at_10000, "earlier_partials": []}))
    assert accuracy.earlier_partials(accuracy.read_records([partial, partial]), at_10000) == []  # the same stop, written again

    at_50000 = record(run, 85.0, examples=50000, partial=True)
    kept = accuracy.earlier_partials(accuracy.read_records([partial, partial]), at_50000)
    assert [(p["file"], p["examples_trained"], p["accuracy_percent"]) for p in kept] == [
        ("accuracy_6400_partial.json", 10000, 77.59)]
    partial.write_text(json.dumps({**at_50000, "earlier_partials": kept}))

    finished = record(run, 95.0, examples=900000)
    assert [p["examples_trained"] for p in accuracy.earlier_partials(accuracy.read_records([final, partial]), finished)] == [10000, 50000]
    # Another run's partial record is not this run's past.
    assert accuracy.earlier_partials(accuracy.read_records([final, partial]), record("2026-12-08T00:00:00+0000", 95.0)) == []
