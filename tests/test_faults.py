"""Bad input through the real data rules, on a small generated mini world: each error names the file
the user gave (the mirror file, not its copy under resources/) and its line, lands in the rule's log,
and leaves no output behind. The lock file of inputs records every fetched file and refuses a changed one."""

import zipfile

import pytest
from conftest import MINI, TINY_SIZES, snakemake

SMALL = {"mini_world": {"sizes": TINY_SIZES}}
SIB = "results/data/sib200/kk/test.tsv"
SIB_MIRROR = "resources/mini_world/sib200/data/annotated/kaz_Cyrl/test.tsv"


@pytest.fixture
def world(tmp_path):
    """A working directory with a small mini world generated (and nothing else built)."""
    snakemake(tmp_path, "--cores", "1", "resources/mini_world", overlays=[MINI, SMALL])
    return tmp_path


def fails(workdir, target, *expected, overlays=(), args=()):
    result = snakemake(workdir, "--cores", "1", target, *args, overlays=[MINI, SMALL, *overlays], check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in output, output[-3000:]
    assert not (workdir / target).exists()
    return output


def rule_log(workdir, name):
    return (workdir / "logs/data" / name).read_text()


def test_an_unclosed_quote_fails_on_its_line_in_the_mirror_file(world):
    mirror = world / SIB_MIRROR
    lines = mirror.read_text().split("\n")
    index, label, text = lines[4].split("\t")
    lines[4] = "\t".join([index, label, '"' + text])  # swallows every later row in a lenient CSV reader
    mirror.write_text("\n".join(lines))
    expected = f"{SIB_MIRROR} (copied to resources/sib200/data/annotated/kaz_Cyrl/test.tsv):5: unbalanced quote"
    fails(world, SIB, expected)
    assert expected in rule_log(world, "prepare_sib200.log")


def test_malformed_conllu_fails_with_the_mirror_file_and_line(world):
    mirror = world / "resources/mini_world/ud/UD_German-Mini/de_mini-ud-test.conllu"
    lines = mirror.read_text().split("\n")
    lines[3] = lines[3].rsplit("\t", 1)[0]  # drop the MISC column
    mirror.write_text("\n".join(lines))
    fails(
        world,
        "results/data/ud/de/test.jsonl",
        f"{mirror.relative_to(world)} (copied to resources/ud/UD_German-Mini/"
        "de_mini-ud-test.conllu):4: expected 10 tab-separated columns",
    )


def test_a_label_outside_the_set_fails_with_the_mirror_file_and_line(world):
    mirror = world / SIB_MIRROR
    lines = mirror.read_text().split("\n")
    index, _, text = lines[2].split("\t")
    lines[2] = "\t".join([index, "weather", text])
    mirror.write_text("\n".join(lines))
    fails(world, SIB, "kaz_Cyrl/test.tsv):3: label 'weather'")


def test_a_mirror_file_that_is_not_a_zip_is_named_with_its_place(world):
    mirror = world / "resources/mini_world/opus/OPUS-MiniWorld/v1/moses/de-en.txt.zip"
    mirror.write_text("<html>404</html>")
    expected = f"{mirror.relative_to(world)} (copied to resources/opus/OPUS-MiniWorld/v1/moses/de-en.txt.zip): is not a zip archive"
    fails(world, "results/data/parallel/de-en.tsv", expected)
    assert expected in rule_log(world, "prepare_parallel/de-en.log")


def test_archive_members_that_are_links_are_refused(world):
    import stat

    mirror = world / "resources/mini_world/opus/OPUS-MiniWorld/v1/moses/de-en.txt.zip"
    mirror.unlink()
    with zipfile.ZipFile(mirror, "w") as archive:
        for lang in ("de", "en"):
            info = zipfile.ZipInfo(f"MiniWorld.de-en.{lang}")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/hostname")
    fails(world, "results/data/parallel/de-en.tsv", "member MiniWorld.de-en.de is not a regular file")


def test_the_lock_records_each_fetched_file_and_refuses_a_changed_one(world):
    lock = {"inputs_lock": "config/inputs.lock"}
    snakemake(world, "--cores", "1", SIB, overlays=[MINI, SMALL, lock])
    recorded = (world / "config/inputs.lock").read_text()
    assert "  sib200/data/annotated/kaz_Cyrl/test.tsv\n" in recorded
    from align_transfer.data.lock import read_lock
    from align_transfer.data.sources import sha256sum

    good = read_lock(world / "config/inputs.lock")["sib200/data/annotated/kaz_Cyrl/test.tsv"]
    assert good == sha256sum(world / SIB_MIRROR)
    mirror = world / SIB_MIRROR
    mirror.write_text(mirror.read_text() + "999\ttravel\tone more row\n")  # the source changed
    output = fails(
        world,
        "resources/sib200/data/annotated/kaz_Cyrl/test.tsv",
        SIB_MIRROR,
        good,
        sha256sum(mirror),
        "does not match the lock file",
        overlays=[lock],
        args=["--forcerun", "download_sib200"],
    )
    assert "delete that line" in output
    assert rule_log(world, "download_sib200.log").count(good) == 1


def test_a_float_step_count_is_refused_before_anything_runs(tmp_path):
    result = snakemake(tmp_path, "-n", overlays=[MINI, {"alignment": {"steps": 40.0}}], check=False)
    assert result.returncode == 1
    assert "config error at alignment.steps (in " in result.stderr and "40.0 is not an integer" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3 and not (tmp_path / "results").exists()


def test_an_input_edited_after_it_was_fetched_is_refused_by_the_job_that_prepares_it(world):
    lock = {"inputs_lock": "config/inputs.lock"}
    snakemake(world, "--cores", "1", "resources/sib200/data/annotated/kaz_Cyrl/test.tsv", overlays=[MINI, SMALL, lock])
    fetched = world / "resources/sib200/data/annotated/kaz_Cyrl/test.tsv"
    data = bytearray(fetched.read_bytes())
    data[-5] = ord("X") if data[-5] != ord("X") else ord("Y")  # one byte
    fetched.write_bytes(bytes(data))
    output = fails(
        world,
        SIB,
        "resources/sib200/data/annotated/kaz_Cyrl/test.tsv was changed after it was fetched",
        "snakemake --force resources/sib200/data/annotated/kaz_Cyrl/test.tsv",
        overlays=[lock],
    )
    assert "config/inputs.lock records" in output


def test_settings_impossible_together_are_refused_before_anything_runs_naming_the_key(tmp_path):
    from conftest import MINI_ENCODER

    cases = [
        (
            {"alignment": {"word_negatives": 1900}},
            "config error at alignment.word_negatives: 1900 negatives are more than encoders[0] (MiniXLM-R)'s vocabulary",
        ),
        (
            {"encoders": [MINI_ENCODER | {"mini": MINI_ENCODER["mini"] | {"heads": 5}}]},
            "config error at encoders[0] (MiniXLM-R).mini.heads: 5 heads do not divide the width, 64",
        ),
        (
            {"alignment": {"mlm_probability": 0.0001}},
            "config error at alignment.mlm_probability: 0.0001 masks fewer than one token",
        ),
        (
            {"analysis": {"recall_at": [1, 500]}},
            "config error at analysis.recall_at: R@500 ranks among more sentences than the 150 FLORES",
        ),
    ]
    for overlay, expected in cases:
        result = snakemake(tmp_path, "-n", overlays=[MINI, overlay], check=False)
        assert result.returncode == 1 and expected in result.stderr, (overlay, result.stderr[-1500:])
    assert not (tmp_path / "results").exists()


def test_facts_that_a_prepared_base_encoder_contradicts_are_refused_before_anything_runs(tmp_path):
    """A sentence_layer changed after the base encoder was prepared, or a shape its config.json does not
    bear out: refused at once, naming the key and the file, not deep inside a job."""
    import json

    from conftest import MINI_ENCODER

    base = tmp_path / "results/MiniXLM-R/models/base"
    base.mkdir(parents=True)
    (base / "config.json").write_text(
        json.dumps(
            {
                "num_hidden_layers": 3,
                "hidden_size": 64,
                "num_attention_heads": 4,
                "vocab_size": 2004,
                "model_type": "xlm-roberta",
            }
        )
    )
    result = snakemake(
        tmp_path, "-n", overlays=[MINI, {"encoders": [MINI_ENCODER | {"sentence_layer": 5}]}], check=False
    )
    assert result.returncode == 1
    assert (
        "config error at encoders[0] (MiniXLM-R): layer 5 (layers, sentence_layer, retrieval_layer) is beyond its 3"
        in result.stderr
    )
    stand_in = {
        "name": "StandIn",
        "mirror": str(base),
        "mlm_head": False,
        "losses": ["S1W0M0"],
        "sentence_layer": 2,
        "layers": [1, 2],
        "retrieval_layer": 2,
        "shape": {
            "model_type": "bert",
            "layers": 3,
            "hidden_size": 64,
            "heads": 4,
            "intermediate_size": 256,
            "vocab_size": 2004,
            "positions": 130,
        },
    }
    result = snakemake(tmp_path, "-n", overlays=[{"encoders": [stand_in]}], check=False)
    assert (
        result.returncode == 1
        and "config error at encoders[0] (StandIn).shape.model_type: 'bert', but" in result.stderr
    )


def test_settings_that_raised_a_traceback_are_config_errors_that_delete_nothing(tmp_path):
    """A pair the mini world cannot generate (which once made snakemake delete resources/mini_world before its
    job failed), a corpus cap below a batch, a NaN where a number belongs, and a mini encoder's heads changed
    after its base was built (whose stale config.json once let it pass): refused at parse time, naming the key
    and the value, and nothing on disk is touched."""
    import json

    from conftest import MINI_ENCODER

    world = tmp_path / "resources/mini_world"
    world.mkdir(parents=True)
    (world / "kept.txt").write_text("a world generated before")
    base = tmp_path / "results/MiniXLM-R/models/base"
    base.mkdir(parents=True)
    (base / "config.json").write_text(json.dumps({"num_hidden_layers": 3, "hidden_size": 64, "num_attention_heads": 4}))
    pair = {"pair": "de-xx", "corpus": "MiniWorld", "version": "v1", "cap": 2000}
    cases = [
        (
            {"alignment": {"pairs": [pair]}},
            "config error at alignment.pairs[0].pair: 'de-xx': the mini world has no language 'xx'",
        ),
        (
            {"alignment": {"pairs": [pair | {"pair": "de-en", "cap": 8}]}},
            "config error at alignment.pairs[0].cap: 8 pairs are fewer than one batch (alignment.batch_size: 16)",
        ),
        ({"claims": {"alpha": float("nan")}}, "config error at claims.alpha: nan is not a number any setting takes"),
        (
            {"encoders": [MINI_ENCODER | {"mini": MINI_ENCODER["mini"] | {"heads": 5}}]},
            "config error at encoders[0] (MiniXLM-R).mini.heads: 5 heads do not divide the width, 64 (from its mini settings)",
        ),
    ]
    for overlay, expected in cases:
        result = snakemake(tmp_path, "--cores", "1", overlays=[MINI, overlay], check=False)
        assert result.returncode == 1 and expected in result.stderr, (overlay, result.stderr[-1500:])
        assert "Traceback" not in result.stderr
    assert (world / "kept.txt").read_text() == "a world generated before" and len(list(world.iterdir())) == 1
    assert [path.name for path in base.iterdir()] == ["config.json"]


def test_a_runtime_shorter_than_the_warning_before_the_time_limit_is_refused(tmp_path):
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "config.yaml").write_text("set-resources:\n  align:\n    slurm_extra: \"'--signal=USR1@300'\"\n")
    overlay = {"compute": {"resources": {"align": {"mem_mb": 2000, "runtime": 1}}}}
    result = snakemake(tmp_path, "-n", "--profile", str(profile), overlays=[MINI, overlay], check=False)
    assert result.returncode == 1, result.stderr[-1500:]
    assert (
        "config error at compute.resources.align.runtime: runtime 1 minutes (60 s), but the profile warns 300 s "
        "before the time limit (slurm_extra of align: --signal=USR1@300)" in result.stderr
    )
    longer = {"compute": {"resources": {"align": {"mem_mb": 2000, "runtime": 6}}}}
    assert snakemake(tmp_path, "-n", "--profile", str(profile), overlays=[MINI, longer], check=False).returncode == 0
