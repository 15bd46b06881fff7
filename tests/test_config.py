"""The config's validation, its canonical slices and its digest, without running the workflow."""

import copy

import pytest
import yaml
from conftest import REPO

from align_transfer.core.config import ConfigError, canonical, digest, origin, pick, validate, without_operational
from align_transfer.core.settings import AlignmentSettings, FinetuneSettings

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
PAPER = yaml.safe_load((REPO / "config/config.yaml").read_text())


def merged(*overlays):
    from align_transfer.core.config import merged as merge

    config = copy.deepcopy(PAPER)
    for overlay in overlays:
        config = merge(config, overlay)
    return config


def errors(*overlays):
    sources = [("config/config.yaml", PAPER)] + [(f"overlay{i}.yaml", o) for i, o in enumerate(overlays)]
    with pytest.raises(ConfigError) as error:
        validate(merged(*overlays), SCHEMA, sources)
    return str(error.value)


def test_the_paper_config_is_valid_and_gets_its_defaults():
    config = validate(merged(), SCHEMA, [("config/config.yaml", PAPER)])
    assert config["sources"]["download"]["retries"] == 3 and config["encoders"][0]["sentence_pooling"] == "mean"
    assert config["encoders"][0]["mlm_head"] is True and config["encoders"][0]["losses"] is None


def test_a_float_where_an_integer_belongs_names_key_and_file():
    message = errors({"alignment": {"steps": 40.0}})
    assert (
        message
        == "config error at alignment.steps (in overlay0.yaml): 40.0 is not an integer (write 40, without the decimal point)"
    )
    assert "1.5 is not of type 'integer'" in errors({"training_threads": 1.5})


def test_a_typo_names_the_key_the_file_and_the_likely_key():
    message = errors({"finetune": {"sc": {"epoch": 3}}})
    assert message.startswith(
        "config error at finetune.sc.epoch (in overlay0.yaml): unknown key ('epoch' was unexpected"
    )
    assert "did you mean 'epochs'?" in message and len(message.splitlines()) == 1


def test_a_number_written_as_text_says_how_to_write_it():
    assert "write 1.0e-5" in errors({"alignment": {"learning_rate": "1e-5"}})


def encoder(**facts):
    return {"encoders": [PAPER["encoders"][0] | facts]}


def test_a_hub_encoder_needs_a_commit_and_a_revisioned_url_needs_its_revision():
    message = errors(encoder(revision=None))
    assert "config error at encoders[0] (XLM-R).revision (in overlay0.yaml): is not set (null)" in message
    assert "does not match '^[0-9a-f]{40}$'" in errors(encoder(revision="main"))
    validate(merged(encoder(revision=None, mirror="a/folder")), SCHEMA, [])  # a mirror's files are pinned by the lock
    unpinned = {"sources": {"sib200": {"url": "https://x/{revision}/{code}/{split}.tsv"}}}
    config = merged(unpinned)
    del config["sources"]["sib200"]["revision"]
    with pytest.raises(ConfigError, match=r"sources.sib200 .*'revision' is a required property"):
        validate(config, SCHEMA, [("config/config.yaml", PAPER)])


def test_the_origin_of_a_key_is_the_last_source_that_sets_it():
    sources = [("base", {"a": {"b": 1}}), ("over", {"a": {"c": 2}}), ("--config", {"a": {"b": 3}})]
    assert origin(("a", "b"), sources) == "--config" and origin(("a", "c"), sources) == "over"
    assert origin(("a", "d"), sources) == "base"


def test_canonical_values_compare_equal_whatever_the_key_order():
    a = {"x": 1, "y": {"b": [1, {"d": 2, "c": 3}], "a": None}}
    b = {"y": {"a": None, "b": [1, {"c": 3, "d": 2}]}, "x": 1}
    assert repr(a) != repr(b) and repr(canonical(a)) == repr(canonical(b))
    assert pick({"b": 2, "a": 1, "c": 3}, ["c", "a", "z"]) == {"a": 1, "c": 3}


def test_the_digest_ignores_key_order_and_operational_keys_but_not_a_hyperparameter():
    config = merged()
    reordered = yaml.safe_load(yaml.safe_dump(config, sort_keys=True))
    cadence = merged({"alignment": {"log_every": 7, "state_every": 9}, "training_threads": 1})
    assert digest(config) == digest(reordered) == digest(cadence) == digest(merged({"compute": {"device": "x"}}))
    assert digest(config) != digest(merged({"finetune": {"sc": {"epochs": 3}}}))
    assert "log_every" not in without_operational(config)["alignment"] and "compute" not in without_operational(config)


def test_run_settings_take_only_what_determines_a_run():
    xlmr = validate(merged(), SCHEMA, [])["encoders"][0]
    alignment = AlignmentSettings.determining(PAPER["alignment"], xlmr)
    assert not {"log_every", "state_every", "pairs", "losses", "epochs"} & set(alignment)
    assert {"learning_rate", "seed", "batch_size", "steps", "checkpoint_steps"} <= set(alignment)
    assert (alignment["sentence_layer"], alignment["max_length"], alignment["position_limit"]) == (8, 128, 512)
    short = AlignmentSettings.determining(PAPER["alignment"], xlmr | {"max_length": 64, "sentence_layer": 2})
    assert (short["sentence_layer"], short["max_length"], short["position_limit"]) == (
        2,
        64,
        64,
    )  # cut to its positions
    settings = AlignmentSettings.from_config(alignment, "S1W0M1", operational={"log_every": 5, "state_every": 7})
    assert settings.log_every == 5 and settings.learning_rate == 1e-5
    assert "log_every" not in settings.fingerprint() and settings.fingerprint()["losses"] == "S1W0M1"
    finetune = validate(merged(), SCHEMA, [("c", PAPER)])["finetune"]
    full, linear = (FinetuneSettings.determining(finetune, "sc", mode, 512) for mode in ("full", "linear"))
    assert "linear_lr" not in full and {"backbone_lr", "head_lr"}.isdisjoint(linear) and "train_split" not in full
    assert FinetuneSettings(task="sc", **linear).linear_lr == 3e-3 and full["max_length"] == 256
    assert FinetuneSettings.determining(finetune, "sc", "full", 128)["max_length"] == 128


def test_an_encoder_without_its_facts_or_with_a_shared_folders_name_is_refused():
    entry = {k: v for k, v in PAPER["encoders"][0].items() if k != "layers"}
    assert "config error at encoders[0] (XLM-R) (in overlay0.yaml): missing key: 'layers'" in errors(
        {"encoders": [entry]}
    )
    assert "encoders[0] (claims).name (in overlay0.yaml): 'claims' is taken: results/claims/ holds" in errors(
        encoder(name="claims")
    )
    assert "encoders[0] (my_bert).name (in overlay0.yaml): 'my_bert' does not match" in errors(encoder(name="my_bert"))
    assert "encoders[0] (M).mini (in overlay0.yaml)" in errors(encoder(name="M", source="mini"))


def test_an_old_key_says_where_it_went():
    assert (
        "config error at encoder (in overlay0.yaml): unknown key: the encoder is now an entry of the list `encoders`"
        in errors({"encoder": {"name": "XLM-R"}})
    )
    assert "`encoders[].sentence_layer`" in errors({"alignment": {"sentence_layer": 8}})
    assert "`encoders[].layers`" in errors({"analysis": {"layers": [4]}})
