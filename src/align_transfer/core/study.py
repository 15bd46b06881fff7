"""The study a config describes: its languages and encoders, each encoder's checkpoints and runs, the files
each source gives and each job reads, and every target of the workflow, as paths of ``core.layout``.

The Snakefile builds one ``Study`` at parse time (``workflow/rules/common.smk``) and the rules name their
inputs, params and targets through it. Every encoder of ``encoders`` is a study of its own under
``results/{encoder}/`` (docs/science.md, "Encoders"); the study's tables, figures and claims across them lie
under ``results/``. Pure Python: no third-party import.
"""

from __future__ import annotations

from align_transfer.core import layout
from align_transfer.core.config import canonical, pick
from align_transfer.core.settings import AlignmentSettings, FinetuneSettings, JointSettings
from align_transfer.core.tasks import TASKS, resource

#: Table 7 is R@5 and Table 8 R@10 (Appendix C); any other k gets a table of its own.
PAPER_RECALL_TABLES = {5: "table7", 10: "table8"}
FLORES_SPLITS = ["dev", "devtest"]
#: The hyper-parameters Tables 4, 5 and 6 print, and nothing else.
SHOWN_ALIGNMENT = ["learning_rate", "batch_size", "max_length", "word_negatives", "temperature", "epochs", "steps"]
SHOWN_FINETUNE = ["batch_size", "backbone_lr", "head_lr", "linear_lr", "epochs", "weight_decay", "max_length"]


class Study:
    def __init__(self, config: dict):
        self.config = config
        alignment, finetune, analysis = config["alignment"], config["finetune"], config["analysis"]
        self.pairs = {entry["pair"]: entry for entry in alignment["pairs"]}
        self.checkpoint_steps = sorted(alignment["checkpoint_steps"])
        self.finetune, self.analysis = finetune, analysis
        self.tasks = finetune["tasks"]
        self.source_lang = finetune["source"]
        self.test_split = config["evaluation"]["split"]
        self.eval_langs = {code: config["languages"][code] for code in config["evaluation"]["languages"]}
        self.langs = {self.source_lang: config["languages"][self.source_lang], **self.eval_langs}
        self.table_step = config["evaluation"]["table_step"]
        # Table 3, the per-language gradients and Figure 1's fine-tuned condition read fully fine-tuned encoders:
        # a grid without full fine-tuning (finetune.modes: [linear]) plans none of them, and the claims say so.
        self.full = "full" in finetune["modes"]
        # beyond the paper: loss codes also fine-tuned jointly with their alignment loss (docs/science.md, "Joint training")
        self.joint = finetune["joint"]
        # a grid runs the joint codes it aligns and fine-tunes fully (a narrowed grid runs fewer, or none)
        aligned = set(alignment["losses"])
        self.joint_codes = [code for code in self.joint["losses"] if code in aligned] if self.full else []
        self.unrun_joint_codes = [code for code in self.joint["losses"] if code not in self.joint_codes]
        self.encoders = {entry["name"]: entry for entry in config["encoders"]}
        self.mini_encoders = [name for name, entry in self.encoders.items() if entry["source"] == "mini"]
        self.hub_encoders = [name for name, entry in self.encoders.items() if entry["source"] == "hub"]
        # a generated world is an input of every download, so it exists before they read their mirror
        self.mini_world = [layout.MINI_WORLD] if config["mini_world"] else []
        self.lexicons = {e["pair"]: e["source"] for e in config["data"]["lexicons"] if e["source"] != "skip"}
        self.skipped_lexicons = [e["pair"] for e in config["data"]["lexicons"] if e["source"] == "skip"]
        self.other_steps = [step for step in finetune["checkpoint_steps"] if step != self.table_step]
        self.recall_tables = {k: PAPER_RECALL_TABLES.get(k, f"recall_at_{k}") for k in analysis["recall_at"]}
        self.step_tables = ["table1", "table2", *self.recall_tables.values()]
        # the instance level reads the items of tasks whose items are parallel (SIB-200): without one there is none
        self.parallel_tasks = [task for task in self.tasks if TASKS[task].parallel_items]
        self.claim_pages = ["scorecard", "claims"] + (["instances"] if self.parallel_tasks else [])
        self.claim_pages += ["joint"] if self.joint_codes else []
        self.scored_tables = ["table1", "table1_significance", "table2"] + (["table3"] if self.full else [])
        self.scored_tables += [name for name in self.recall_tables.values() if name in ("table7", "table8")]
        # an encoder's tables and figures, in the order its report shows them
        gradient_tables = ["table3", "table3_baseline", "gradient_languages"] if self.full else []
        # the joint runs' tables stand beside Table 1's and Table 3's
        joint_transfer, joint_gradients = (["joint_transfer"], ["joint_gradients"]) if self.joint_codes else ([], [])
        self.paper_tables = ["table1", "table1_significance", *joint_transfer, "table2", "table2_gap"]
        self.paper_tables += [*gradient_tables[:2], *joint_gradients]
        self.paper_tables += [*self.recall_tables.values(), *gradient_tables[2:], "table4", "table5", "table6"]
        self.figures = ["alignment_vs_transfer", "figure1"] + (["gradient_languages"] if self.full else [])
        # each figure as it is with one encoder; with several, one per encoder (figure1_{encoder})
        self.study_figures = {
            (figure if len(self.encoders) == 1 else f"{figure}_{encoder}"): (encoder, figure)
            for encoder in self.encoders
            for figure in self.figures
        }
        # the kept full fine-tuning runs of each aligned encoder, by name: {task}_seed{seed} -> (task, seed)
        self.finetuned_variants = {
            f"{task}_seed{seed}": (task, seed)
            for task in self.tasks
            for seed in analysis["finetuned_seeds"]
            if self.full
        }
        self._embedding_files()

    # -- encoders, checkpoints and runs ------------------------------------------------------------------------

    def encoder_losses(self, encoder: str) -> list[str]:
        """The loss codes an encoder is aligned with: its own ``losses``, or every code of ``alignment.losses``."""
        return self.encoders[encoder].get("losses") or self.config["alignment"]["losses"]

    def encoder_config(self, encoder: str) -> dict:
        """The config as one encoder's study sees it: every section, and of `encoders` its own entry only."""
        return self.config | {"encoders": [self.encoders[encoder]]}

    def alignment_settings(self, encoder: str) -> dict:
        """What determines an alignment run's weights: the `alignment` section and the encoder's facts."""
        return AlignmentSettings.determining(self.config["alignment"], self.encoders[encoder])

    def finetune_settings(self, encoder: str, task: str, mode: str) -> dict:
        return FinetuneSettings.determining(self.finetune, task, mode, self.encoders[encoder]["max_length"])

    def task_max_length(self, encoder: str, task: str) -> int:
        """A task's max length (Tables 5, 6), cut to the encoder's position limit."""
        return min(self.finetune[task]["max_length"], self.encoders[encoder]["max_length"])

    def models_at(self, encoder: str, step: int) -> list[str]:
        """The checkpoints of an encoder at an alignment step, after its base model (``{model}`` names them)."""
        return [layout.BASE] + [
            layout.model_name(pair, losses, step) for pair in self.pairs for losses in self.encoder_losses(encoder)
        ]

    def finetuned_models(self, encoder: str) -> list[str]:
        """Every checkpoint of an encoder that is fine-tuned: base and each step of finetune.checkpoint_steps."""
        steps = self.finetune["checkpoint_steps"]
        return [layout.BASE] + [model for step in steps for model in self.models_at(encoder, step)[1:]]

    def carded_models(self, encoder: str) -> list[str]:
        """The aligned checkpoints that are fine-tuned and analysed, each published with a model card."""
        return self.finetuned_models(encoder)[1:]

    def table_models(self, encoder: str) -> list[str]:
        return self.models_at(encoder, self.table_step)

    def aligned_table_models(self, encoder: str) -> list[str]:
        return self.table_models(encoder)[1:]

    def joint_models(self, encoder: str) -> list[str]:
        """The checkpoints at the table step whose loss code is also fine-tuned jointly: each joint run is named
        by the sequential run it is compared with."""
        return [m for m in self.aligned_table_models(encoder) if layout.parse_model(m)["losses"] in self.joint_codes]

    def joint_settings(self, encoder: str) -> dict:
        return JointSettings.determining(self.joint, self.alignment_settings(encoder))

    def joint_start(self, encoder: str, model: str) -> str:
        """The encoder a joint run starts from: the base encoder, or the aligned checkpoint (``joint.start``)."""
        return layout.model_dir(encoder, layout.BASE if self.joint["start"] == "base" else model)

    def joint_runs(self, encoder: str, model: str) -> dict[str, str]:
        """The kept joint runs of a model, by variant name (as ``finetuned_runs``)."""
        return {
            name: layout.FINETUNE_SEED.format(encoder=encoder, task=task, mode="joint", model=model, seed=seed)
            for name, (task, seed) in self.finetuned_variants.items()
        }

    def keeps_weights(self, encoder: str, model: str, seed) -> bool:
        """Whether a full fine-tuning run keeps its backbone: Table 3 and Figure 1 read these."""
        kept = int(seed) in self.analysis["finetuned_seeds"]
        return self.full and model in self.aligned_table_models(encoder) and kept

    def training_jobs(self, encoder: str) -> list[dict]:
        """The training jobs of an encoder's study, as a dry run lists them (rule and wildcards)."""
        jobs = [
            {"rule": "align", "wildcards": {"encoder": encoder, "pair": pair, "losses": losses}}
            for pair in self.pairs
            for losses in self.encoder_losses(encoder)
        ]
        rules = {"full": "finetune_full", "linear": "linear_probe"}
        jobs += [
            {"rule": rules[mode], "wildcards": {"encoder": encoder, "task": task, "mode": mode, "model": model}}
            for task in self.tasks
            for mode in self.finetune["modes"]
            for model in self.finetuned_models(encoder)
        ]
        return jobs + [
            {"rule": "finetune_joint", "wildcards": {"encoder": encoder, "task": task, "mode": "joint", "model": model}}
            for task in self.tasks
            for model in self.joint_models(encoder)
        ]

    def training_work(self) -> dict[str, list[str]]:
        """Every training job's work folder and its outputs (``snakemake clean_state`` removes the finished ones)."""
        jobs = {}
        for encoder in self.encoders:
            for pair in self.pairs:
                for losses in self.encoder_losses(encoder):
                    run = dict(encoder=encoder, pair=pair, losses=losses)
                    steps = [layout.CHECKPOINT.format(step=step, **run) for step in self.checkpoint_steps]
                    jobs[layout.ALIGNMENT_WORK.format(**run)] = steps + [layout.TRAIN_LOG.format(**run)]
            runs = [("full", model) for model in self.finetuned_models(encoder)]
            runs += [("joint", model) for model in self.joint_models(encoder)]
            for task in self.tasks if self.full else []:
                for mode, model in runs:
                    run = dict(encoder=encoder, task=task, mode=mode, model=model)
                    seeds = [layout.FINETUNE_SEED.format(seed=seed, **run) for seed in self.finetune["seeds"]]
                    jobs[layout.FINETUNE_WORK.format(**run)] = seeds
        return jobs

    # -- what each source gives, and the prepared data ---------------------------------------------------------

    def task_splits(self, task: str, lang: str) -> list[str]:
        """The prepared splits of a task's data that a language needs (``tasks.Task.splits``)."""
        evaluated = lang in self.eval_langs
        return TASKS[task].splits(lang, self.source_lang, evaluated, self.finetune[task], self.test_split)

    def task_sources(self) -> dict[str, dict[str, tuple[dict, str]]]:
        """Each task's downloaded files, one job fetching them all and one preparing them all (they are small,
        and a job's start-up would dominate one file's work): {task: {raw file: (its fields in the source's
        layout, the prepared file)}}."""
        files = {}
        for task in self.tasks:
            files[task] = {}
            for lang, info in self.langs.items():
                for split in self.task_splits(task, lang):
                    raw, fields = TASKS[task].raw(lang, info, split)
                    files[task][raw] = (fields, TASKS[task].prepared.format(lang=lang, split=split))
        return files

    def lexicon_files(self) -> dict[str, dict]:
        """MUSE's file of each lexicon, with its fields in MUSE's layout."""
        return {resource("muse", pair=pair): {"pair": pair} for pair in self.lexicons}

    def flores_code(self, short: str) -> str:
        return self.analysis["flores_codes"][short]

    def retrieval_pairs(self) -> list[str]:
        return [pair for group in self.analysis["retrieval_groups"] for pair in group["pairs"]]

    def flores_langs(self) -> list[str]:
        codes = {self.flores_code(code) for pair in self.retrieval_pairs() for code in pair.split("-")}
        return sorted(codes | {lang["sib"] for lang in self.langs.values()})

    def flores_downloads(self) -> list[str]:
        return [resource("flores", split=split, code=code) for split in FLORES_SPLITS for code in self.flores_langs()]

    def opus_download(self, pair: str) -> str:
        return resource("opus", **self.pairs[pair])

    def sample(self, limits: dict):
        """A smoke run's sample of some inputs (``limits``: N or None each) and its seed; None where nothing is
        sampled, so that the seed then determines nothing."""
        if all(limit is None for limit in limits.values()):
            return None
        return canonical({"limits": limits, "seed": self.config["data"]["shuffle_seed"]})

    def task_files(self, task: str) -> dict[str, str]:
        """The prepared files of a task's splits: the source's train and dev, each evaluation language's test."""
        return TASKS[task].files(self.source_lang, self.eval_langs, self.finetune[task], self.test_split)

    # -- what the representation analyses read -----------------------------------------------------------------

    def _embedding_files(self) -> None:
        analysis, split = self.analysis, self.analysis["flores_split"]
        codes = [code for pair in self.retrieval_pairs() for code in pair.split("-")]
        # the FLORES text of every language of Table 2's pairs (retrieval, similarity, Figure 1) ...
        retrieval = {self.flores_code(c): layout.FLORES.format(split=split, code=self.flores_code(c)) for c in codes}
        # ... and of English and each evaluation language (per-language MLM gradients, §4.5)
        self.gradient_flores = {
            lang: layout.FLORES.format(split=split, code=info["sib"]) for lang, info in self.langs.items()
        }
        # The claims layer's join (docs/design.md §7) sets each evaluation language's transfer beside its alignment
        # with the source: the embedding jobs score those pairs too, in a group of their own.
        self.embedded_flores = canonical(
            retrieval | {self.langs[lang]["sib"]: path for lang, path in self.gradient_flores.items()}
        )
        join_pairs = [layout.join_pair(lang, self.source_lang) for lang in self.eval_langs if lang != self.source_lang]
        self.lexicon_prepared = {pair: layout.LEXICON.format(pair=pair) for pair in self.lexicons}
        # the test items of the run's task of parallel items (SIB-200), which the instance level retrieves
        parallel = TASKS[self.parallel_tasks[0]].prepared if self.parallel_tasks else None
        self.parallel_test = {
            lang: parallel.format(lang=lang, split=self.test_split) for lang in self.langs if parallel
        }
        # what determines an embeddings file and the comparisons read from it (with embedding_layers)
        self.flores_sample = self.sample({"flores": analysis["flores_examples"]})
        self.embedding_params = dict(
            flores=self.embedded_flores,
            lexicons=canonical(self.lexicon_prepared),
            lexicon_size=analysis["lexicon_size"],
            flores_sample=self.flores_sample,
            groups=canonical(analysis["retrieval_groups"] + [{"group": layout.JOIN_GROUP, "pairs": join_pairs}]),
            codes=canonical(
                {c: self.flores_code(c) for c in sorted(set(codes))}
                | {lang: info["sib"] for lang, info in self.langs.items()}
            ),
            recall_at=analysis["recall_at"],
            bf16=analysis["bf16"],
        )

    def embedding_layers(self, encoder: str) -> dict:
        """The encoder's facts an embeddings file depends on: the layers it holds and the longest input."""
        entry = self.encoders[encoder]
        return canonical(
            {
                "layers": sorted(set(entry["layers"]) | {entry["retrieval_layer"]}),
                "compared_layers": entry["layers"],
                "retrieval_layer": entry["retrieval_layer"],
                "max_length": entry["max_length"],
            }
        )

    def finetuned_runs(self, encoder: str, model: str) -> dict[str, str]:
        """The kept full fine-tuning runs of an aligned encoder: Figure 1's fine-tuned condition and Table 3."""
        return {
            name: layout.FINETUNE_SEED.format(encoder=encoder, task=task, mode="full", model=model, seed=seed)
            for name, (task, seed) in self.finetuned_variants.items()
        }

    def hyperparameter_values(self) -> dict:
        """The values Tables 4, 5 and 6 print, and nothing else."""
        alignment = pick(self.config["alignment"], [*SHOWN_ALIGNMENT, "seed"])
        finetune = {task: pick(self.finetune[task], SHOWN_FINETUNE) for task in TASKS}
        return {"alignment": alignment, "finetune": {"seeds": self.finetune["seeds"], **finetune}}

    # -- result files ------------------------------------------------------------------------------------------

    def seed_files(self, template: str, mode: str, **fields) -> list[str]:
        """A fine-tuning job's file of each seed; its other fields stay the job's wildcards."""
        return layout.fill_all(layout.fill(template, mode=mode, **fields), seed=self.finetune["seeds"])

    def zeroshot_csvs(self, encoder: str, models, suffix: str = "", tasks=None, modes=None) -> list[str]:
        """Each run's zero-shot scores (``suffix="_items"``: its per-item scores)."""
        return layout.fill_all(
            layout.fill(layout.ZEROSHOT, encoder=encoder, suffix=suffix),
            task=tasks or self.tasks,
            mode=modes or self.finetune["modes"],
            model=models,
            seed=self.finetune["seeds"],
        )

    def comparisons(self, encoder: str, kind: str, stage: str, models) -> list[str]:
        return layout.fill_all(layout.fill(layout.COMPARISON, encoder=encoder, kind=kind, stage=stage), model=models)

    def gradient_csvs(self, encoder: str, name: str, models=None) -> list[str]:
        if not self.full:
            return []
        return layout.fill_all(
            layout.fill(layout.GRADIENTS, encoder=encoder, name=name),
            model=self.aligned_table_models(encoder) if models is None else models,
        )

    def tables(self, encoder: str, names, ext: str = "csv") -> list[str]:
        return [layout.table(name, ext, encoder) for name in names]

    # -- targets -----------------------------------------------------------------------------------------------

    def encoder_targets(self, encoder: str) -> list[str]:
        """Everything of one encoder's study: its checkpoints, runs, tables, figures, claims and report."""
        runs = layout.fill_all(
            layout.ALIGNMENT_RUN, encoder=[encoder], pair=self.pairs, losses=self.encoder_losses(encoder)
        )
        targets = [f"{run}/{file}" for run in runs for file in self._run_files()]
        targets += self.zeroshot_csvs(encoder, self.finetuned_models(encoder))
        targets += [layout.table(t, ext, encoder) for t in self.paper_tables for ext in ("csv", "md")]
        targets += [layout.figure(f, ext, encoder) for f in self.figures for ext in ("png", "pdf")]
        targets += [layout.claims(name, ext, encoder) for name in self.claim_pages for ext in ("csv", "md")]
        targets += [layout.claims(name, "csv", encoder) for name in ("join", "correlations")]
        targets += layout.fill_all(
            layout.STEP_TABLE, encoder=[encoder], step=self.other_steps, table=self.step_tables, ext=["csv", "md"]
        )
        return targets + [layout.HUB.format(encoder=encoder), layout.REPORT.format(encoder=encoder)]

    def _run_files(self) -> list[str]:
        return [f"step{step}" for step in self.checkpoint_steps] + ["train_log.csv"]

    def study_targets(self) -> list[str]:
        """The study's tables and figures (results/tables/, results/figures/); with two encoders or more, what
        compares them: the claims tested across them, and the study's report."""
        targets = layout.fill_all(layout.STUDY_TABLE, table=self.paper_tables, ext=["csv", "md"])
        targets += layout.fill_all(layout.STUDY_FIGURE, figure=self.study_figures, ext=["png", "pdf"])
        if len(self.encoders) < 2:
            return targets
        targets += layout.fill_all(layout.STUDY_CLAIMS, name=["claims", "encoders"], ext=["csv", "md"])
        targets += [
            layout.study_claims("join"),
            layout.study_claims("differences"),
            layout.study_claims("summary", "md"),
        ]
        return targets + [layout.STUDY_REPORT]

    def data_targets(self) -> list[str]:
        """Every input fetched and prepared."""
        targets = layout.fill_all(layout.PARALLEL, pair=self.pairs)
        targets += list(self.lexicon_prepared.values())
        targets += layout.fill_all(layout.FLORES, split=FLORES_SPLITS, code=self.flores_langs())
        targets += [prepared for files in self.task_sources().values() for _, prepared in files.values()]
        return targets + layout.fill_all(layout.ENCODER_DOWNLOAD, encoder=self.hub_encoders)

    def all_targets(self) -> list[str]:
        targets = self.data_targets()
        for encoder in self.encoders:
            targets += self.encoder_targets(encoder)
        return targets + self.study_targets()
