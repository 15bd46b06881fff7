"""The workflow's configuration: validation with errors a person can act on, the slices that rules
take as params, and the digest of everything that determines a result.

Pure Python (yaml, jsonschema): the Snakefile imports it at parse time, so it must stay light.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path

import yaml

#: Keys that never determine an output: logging and state cadence, threads, the cost model and the
#: resources jobs ask for, download retries, where the run happens and where its lock lives. They
#: never reach a rule's params, and the results digest leaves them out.
OPERATIONAL = (
    ("alignment", "log_every"),
    ("alignment", "state_every"),
    ("finetune", "state_every"),
    ("training_threads",),
    ("compute",),
    ("sources", "download"),
    ("workdir",),
    ("inputs_lock",),
)


#: Keys that moved when the encoder became a study dimension: an old overlay is told where they went.
MOVED = {
    ("encoder",): "the encoder is now an entry of the list `encoders` (docs/science.md, 'Encoders')",
    ("alignment", "sentence_layer"): "it is a fact of each encoder now: `encoders[].sentence_layer`",
    ("alignment", "sentence_pooling"): "it is a fact of each encoder now: `encoders[].sentence_pooling`",
    ("analysis", "layers"): "it is a fact of each encoder now: `encoders[].layers`",
    ("analysis", "retrieval_layer"): "it is a fact of each encoder now: `encoders[].retrieval_layer`",
}


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the file, the key path and what is wrong."""


def canonical(value):
    """``value`` with every mapping's keys sorted, recursively: its ``repr`` no longer depends on key
    order, so Snakemake compares params by what they say, not by how the YAML was written."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return value


def pick(section: dict, keys) -> dict:
    """The canonical slice of ``section`` with only ``keys`` (those it has)."""
    return canonical({key: section[key] for key in keys if key in section})


def without_operational(config: dict) -> dict:
    """The config without its operational keys: everything that determines a result."""
    out = json.loads(json.dumps(config))
    for path in OPERATIONAL:
        parent = out
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return canonical(out)


def digest(config: dict) -> str:
    """The sha256 of the config's result-determining part, written canonically (first 12 hex digits)."""
    text = json.dumps(without_operational(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def workdir_of(config: dict, repo) -> Path:
    """Where a config's outputs land: its ``workdir`` under the repository (the mini world's demo/), or here."""
    return Path(repo) / config["workdir"] if config.get("workdir") else Path.cwd()


def merged(base: dict, overlay: dict) -> dict:
    """Snakemake's --configfile merge: mappings key by key, everything else (lists too) replaced."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(paths, schema=None) -> dict:
    """The config files merged in order, as snakemake merges them; validated against ``schema`` (its
    defaults filled in, errors naming the file at fault) where one is given."""
    sources = [(str(path), load_yaml(path)) for path in paths]
    config = {}
    for _, mapping in sources:
        config = merged(config, mapping)
    return validate(config, schema, sources) if schema else config


def load_yaml(path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def origin(path: tuple, sources: list[tuple[str, dict]]) -> str:
    """Which of ``sources`` (label, mapping), merged in order, set the value at key ``path`` last."""
    found = sources[0][0] if sources else "the config"
    for label, mapping in sources:
        node = mapping
        for key in path:
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]  # lists are replaced whole: the source of the list set its items
            else:
                break
        else:
            found = label
    return found


def encoder_entry(config: dict, name: str) -> tuple[int, dict]:
    """The index of the encoder ``name`` in the config's ``encoders``, and its entry."""
    return next((index, entry) for index, entry in enumerate(config["encoders"]) if entry["name"] == name)


def key_path(path: tuple, config: dict | None = None) -> str:
    """``("encoders", 1, "losses")`` -> ``encoders[1].losses``, or ``encoders[1] (MiniBERT).losses``
    where ``config`` names that encoder."""
    text = ""
    for depth, key in enumerate(path):
        text += f"[{key}]" if isinstance(key, int) else f".{key}" if text else str(key)
        if depth == 1 and path[0] == "encoders" and isinstance(key, int) and config:
            entry = (config.get("encoders") or [None] * (key + 1))[key]
            text += f" ({entry['name']})" if isinstance(entry, dict) and isinstance(entry.get("name"), str) else ""
    return text or "(top level)"


def _validator_class():
    from jsonschema import Draft202012Validator, validators

    # YAML's 40.0 is a float: where the schema asks for an integer, it is refused (jsonschema
    # alone accepts any number without a fractional part)
    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {
            "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool),
            "number": lambda _, value: isinstance(value, (int, float)) and not isinstance(value, bool),
        }
    )
    base = validators.extend(Draft202012Validator, type_checker=checker)
    set_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = json.loads(json.dumps(subschema["default"]))
        yield from set_properties(validator, properties, instance, schema)

    return validators.extend(base, {"properties": properties_with_defaults})


def _describe(error) -> tuple[tuple, str]:
    """The key path at fault and what is wrong with it, for one jsonschema error."""
    path = tuple(error.path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = extra[0] if extra else "?"
        if (moved := MOVED.get(tuple(p for p in path if not isinstance(p, int)) + (key,))) is not None:
            return path + (key,), f"unknown key: {moved}"
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
        return path + (key,), f"unknown key ('{key}' was unexpected{hint})"
    if error.validator == "not" and path[-1:] == ("name",):  # an encoder named like a folder every encoder shares
        return path, f"{error.instance!r} is taken: results/{error.instance}/ holds what the encoders share"
    if error.validator == "required":
        return path, f"missing key: {error.message}"
    if error.validator == "pattern" and (grammar := error.schema.get("grammar")):
        return path, f"{error.instance!r} is not {grammar}"
    if error.validator == "type":
        value, wanted = error.instance, error.validator_value
        message = f"{value!r} is not of type {wanted!r}"
        if value is None:
            message = f"is not set (null); it must be of type {wanted!r}"
        elif isinstance(value, float) and value.is_integer() and "integer" in str(wanted):
            message = f"{value!r} is not an integer (write {int(value)}, without the decimal point)"
        elif isinstance(value, str) and "number" in str(wanted):
            message += " (YAML reads a number such as 1e-5 as text: write 1.0e-5)"
        return path, message
    return path, error.message


def load_schema(path) -> dict:
    """The schema file with the parts the registries own filled in: the loss-code grammar and each loss
    term's measured seconds (``core.objectives``), the encoder families (``core.architectures``), the tasks and
    their keys (``core.tasks``)."""
    from align_transfer.core.architectures import ARCHITECTURES, MINI_ARCHITECTURES
    from align_transfer.core.objectives import CODE_PATTERN, TERMS
    from align_transfer.core.tasks import TASKS

    schema = load_yaml(path)
    paper, beyond = [t for t in TERMS.values() if t.in_paper], [t for t in TERMS.values() if not t.in_paper]
    nothing_on = "".join(f"{t.letter}0" for t in paper)
    schema["definitions"]["loss_code"] = {
        "type": "string",
        "pattern": f"^(?!{nothing_on}$){CODE_PATTERN}$",
        "grammar": f"a loss code: {nothing_on.replace('0', '?')} with ? in {{0, 1}} "
        f"({', '.join(f'{t.letter} {t.symbol}' for t in paper)}), then {', '.join(t.letter + '1' for t in beyond)} "
        f"where {', '.join(t.symbol for t in beyond)} is on, with at least one 1",
        "description": "λ of each loss term: " + ", ".join(f"{t.letter} {t.symbol}" for t in TERMS.values()),
    }
    align_step = schema["properties"]["compute"]["properties"]["seconds"]["properties"]["align_step"]
    align_step["properties"] = {
        term.name: {"type": "number", "minimum": 0, "description": f"seconds of {term.symbol}'s forward and backward"}
        for term in TERMS.values()
    } | {"optimizer": {"type": "number", "minimum": 0, "description": "seconds of one AdamW update"}}
    align_step["required"] = [t.name for t in TERMS.values() if t.in_paper] + ["optimizer"]
    encoder = schema["definitions"]["encoder"]["properties"]
    encoder["shape"]["properties"]["model_type"]["enum"] = [t for f in ARCHITECTURES.values() for t in f.model_types]
    encoder["mini"]["properties"]["architecture"]["enum"] = MINI_ARCHITECTURES
    finetune, compute = schema["properties"]["finetune"], schema["properties"]["compute"]["properties"]
    finetune["properties"]["tasks"]["items"] = {"enum": list(TASKS)}
    for name, task in TASKS.items():  # each task's hyper-parameters, and its counts for the compute plan
        finetune["properties"][name] = {"$ref": "#/definitions/task_hparams", "description": f"{task.title}'s"}
        compute["items"]["properties"][name] = {
            "$ref": "#/definitions/task_items",
            "description": f"{task.title}: the plan's counts of its examples",
        }
        compute["tokens"]["properties"][name] = {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": f"{task.title}: mean tokens per example",
        }
    finetune["required"] += list(TASKS)  # a task's counts for the plan are checked where it runs (core.checks)
    sources = schema["properties"]["sources"]["properties"]
    sizes = schema["properties"]["mini_world"]["properties"]["sizes"]["properties"]
    for name, task in TASKS.items():  # its source (checked where it runs), and a generated source's sizes
        sources[task.source] = {"$ref": "#/definitions/source", "description": f"where {task.title}'s data comes from"}
        for split in ("train", "dev", "test") if task.mini_world else ():
            sizes[f"{name}_{split}"] = {"type": "integer", "minimum": 0, "description": f"{task.title}: {split} items"}
    return schema


def validate(config: dict, schema_path, sources: list[tuple[str, dict]]) -> dict:
    """Validate ``config`` in place against the schema and fill in the schema's defaults.

    ``sources`` are the (label, mapping) pairs merged into ``config``, in order (the base config,
    each ``--configfile``, ``--config``); an error names the one that set the key at fault.
    """
    schema = load_schema(schema_path)
    validator = _validator_class()(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        lines = []
        for error in errors[:3]:
            path, message = _describe(error)
            where = key_path(path, config)
            lines.append(f"config error at {where} (in {origin(path, sources)}): {message}")
        if len(errors) > 3:
            lines.append(f"... and {len(errors) - 3} more")
        raise ConfigError("\n".join(lines))
    return config


def local_source(workflow, folder, relative: str) -> Path:
    """The file ``relative`` to the workflow's own ``folder`` (snakemake's ``SourceFile``) as a local path:
    itself where the workflow is a checkout; where it is a remote module (``github(...)``), a copy out of
    snakemake's source cache under ``.snakemake/align_transfer/{relative}``, made once."""
    from snakemake.sourcecache import LocalSourceFile

    source = folder.join(relative)
    if isinstance(source, LocalSourceFile):
        return Path(str(source)).resolve()
    local = Path.cwd() / ".snakemake/align_transfer" / relative  # absolute: a workdir directive moves on
    if not local.exists():
        local.parent.mkdir(parents=True, exist_ok=True)
        with workflow.sourcecache.open(source, "rb") as remote:
            local.write_bytes(remote.read())
    return local


def config_sources(base_path, configfiles, cli_config) -> list[tuple[str, dict]]:
    """The mappings merged into the config, in order, each with the label an error names it by."""
    sources = [(str(base_path), load_yaml(base_path))]
    sources += [
        (str(path), load_yaml(path)) for path in configfiles if Path(path).resolve() != Path(base_path).resolve()
    ]
    if cli_config:
        sources.append(("--config", dict(cli_config)))
    return sources
