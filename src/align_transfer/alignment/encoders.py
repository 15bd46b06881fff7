"""Base encoders: a downloaded model checked against the facts the config states about it and made
ready for training, the mini world's own encoders, and parallel corpora tokenized once per encoder."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import torch

from align_transfer.core.architectures import ARCHITECTURES, position_offset
from align_transfer.core.config import ConfigError
from align_transfer.core.io import atomic_path
from align_transfer.core.modeling import bare_backbone, write_digests
from align_transfer.core.progress import Progress
from align_transfer.data.parallel import read_parallel_tsv

log = logging.getLogger(__name__)

#: Tokens of a pretraining sequence: the mini world's sentences are shorter.
PRETRAINING_LENGTH = 64
#: The facts of an encoder (``encoders[]`` in the config) that its weights must bear out.
FACTS = ("mlm_head", "max_length", "sentence_layer", "layers", "retrieval_layer")


def position_limit(config) -> int:
    """The longest input a model takes: its position embeddings, less XLM-R's offset (its positions
    start after the padding id), or unlimited for relative positions."""
    positions = getattr(config, "max_position_embeddings", None)
    if positions is None or getattr(config, "position_embedding_type", "absolute") != "absolute":
        return 1 << 30
    return positions - position_offset(config)


def check_facts(entry: str, facts: dict, config, has_mlm_head: bool) -> None:
    """Refuse an encoder whose config entry (``entry``: its key, as ``encoders[1] (mBERT)``) states facts
    that its weights contradict, naming the key."""
    depth = config.num_hidden_layers
    key = f"config error at {entry}"
    deepest = max([*facts["layers"], facts["sentence_layer"], facts["retrieval_layer"]])
    if deepest > depth:
        raise ConfigError(
            f"{key}: layer {deepest} (layers, sentence_layer, retrieval_layer) is beyond its {depth} layers"
        )
    if facts["max_length"] > (limit := position_limit(config)):
        raise ConfigError(f"{key}.max_length: {facts['max_length']} is beyond its position limit, {limit}")
    if facts["mlm_head"] and not has_mlm_head:
        raise ConfigError(
            f"{key}.mlm_head: true, but it has no pretrained MLM head; set mlm_head: false and "
            "leave out the loss codes with M1 for it (`losses`)"
        )


def prepare_base_encoder(source_dir, out_dir, entry: str, facts: dict) -> None:
    """Save a downloaded encoder for training, safetensors only, after checking the config's facts about it
    (``facts``: those of ``FACTS``; ``entry``: its config key, as ``encoders[1] (mBERT)``): with its MLM
    head where ``mlm_head``, as a bare backbone otherwise."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    model, info = AutoModelForMaskedLM.from_pretrained(source_dir, output_loading_info=True)
    check_facts(entry, facts, model.config, has_mlm_head=not info["missing_keys"])
    if not facts["mlm_head"]:
        model = bare_backbone(source_dir)
    tokenizer = AutoTokenizer.from_pretrained(source_dir)
    with atomic_path(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        write_digests(tmp)
    log.info(
        "%s (%s): %s, %.1fM parameters, vocabulary %d",
        entry,
        source_dir,
        "with its MLM head" if facts["mlm_head"] else "the backbone (no MLM head)",
        model.num_parameters() / 1e6,
        len(tokenizer),
    )


def encode_sentences(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Token ids without special tokens, each text cut to fit ``max_length`` once its specials are added."""
    room = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    return tokenizer(texts, add_special_tokens=False, truncation=True, max_length=room)["input_ids"]


def tokenize_parallel(tsv, encoder_dir, out_dir, max_length: int) -> None:
    """Tokenize both sides once (no special tokens; each side fits ``max_length`` with its specials)."""
    from datasets import Dataset

    from align_transfer.core.modeling import load_tokenizer, save_dataset

    tokenizer = load_tokenizer(encoder_dir)
    src, tgt = read_parallel_tsv(tsv)
    dataset = Dataset.from_dict(
        {"src": encode_sentences(tokenizer, src, max_length), "tgt": encode_sentences(tokenizer, tgt, max_length)}
    )
    save_dataset(dataset, out_dir)
    lengths = [len(s) + len(t) for s, t in zip(dataset["src"], dataset["tgt"])]
    log.info("%s: %d pairs, %.1f tokens per pair", tsv, len(dataset), sum(lengths) / len(lengths))


def train_mini_tokenizer(
    text_files, out_dir, vocab_size: int, architecture: str = "xlm-roberta", max_length: int = 512
) -> None:
    """A tokenizer trained on the mini world, of the architecture's kind: a sentencepiece unigram model
    wrapped as an XLM-R tokenizer (``<s> <pad> </s> <unk>`` first, ``<mask>`` last, as XLM-R), or a
    WordPiece vocabulary wrapped as a cased BERT tokenizer (``[PAD] [UNK] [CLS] [SEP] [MASK]``, as mBERT).
    """
    lines = [line for path in text_files for line in Path(path).read_text(encoding="utf-8").splitlines()]
    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        train = {"unigram": _unigram, "wordpiece": _wordpiece}[ARCHITECTURES[architecture].mini_tokenizer]
        tokenizer = train(lines, tmp, vocab_size, max_length)
        tokenizer.save_pretrained(tmp)
    log.info("mini %s tokenizer: %d entries from %d lines", architecture, len(tokenizer), len(lines))


def _sentencepiece(lines: list[str], folder: Path, vocab_size: int, model_type: str) -> list[tuple[str, float]]:
    """The pieces (and scores) of a sentencepiece model of ``model_type`` trained on ``lines``, in its order.
    One thread and fixed settings: the same lines give the same pieces in every run."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(folder / "spm"),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        normalization_rule_name="identity",
        num_threads=1,
        bos_id=-1,
        eos_id=-1,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    pieces = [
        (processor.id_to_piece(i), processor.get_score(i))
        for i in range(processor.get_piece_size())
        if not (processor.is_unknown(i) or processor.is_control(i))
    ]
    for name in ("spm.model", "spm.vocab"):
        (folder / name).unlink()
    return pieces


def _unigram(lines: list[str], folder: Path, vocab_size: int, max_length: int):
    from transformers import XLMRobertaTokenizer

    pieces = _sentencepiece(lines, folder, vocab_size, "unigram")
    specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    return XLMRobertaTokenizer(vocab=specials + pieces + [("<mask>", 0.0)], model_max_length=max_length)


def _wordpiece(lines: list[str], folder: Path, vocab_size: int, max_length: int):
    """A WordPiece vocabulary from sentencepiece's BPE (which is deterministic; the tokenizers library's
    WordPiece trainer breaks ties in hash order and gave another vocabulary in every run): a piece that
    starts a word ("▁x") becomes ``x``, one inside a word ``##x``; every character a word starts with, and
    every other one as ``##x``, so that no word is unknown; then the merges in BPE's order, to ``vocab_size``."""
    from transformers import BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    def bert(vocab: dict) -> BertTokenizer:
        # cased, accents kept, as mBERT: lowercasing or stripping marks would erase the scripts' vowel signs
        return BertTokenizer(vocab=vocab, do_lower_case=False, strip_accents=False, model_max_length=max_length)

    # the words as BERT splits text before WordPiece: each needs its first character, and "##" forms of the rest
    backend = bert({token: index for index, token in enumerate(specials)}).backend_tokenizer
    words = {
        word
        for line in lines
        for word, _ in backend.pre_tokenizer.pre_tokenize_str(backend.normalizer.normalize_str(line))
    }
    alphabet = sorted({word[0] for word in words} | {f"##{char}" for word in words for char in word[1:]})
    room = vocab_size - len(specials) - len(alphabet)
    if room < 0:
        raise ValueError(
            f"a WordPiece vocabulary of {vocab_size} cannot hold the {len(alphabet)} characters its words need"
        )
    merges = []
    for piece, _ in _sentencepiece(lines, folder, vocab_size, "bpe"):
        word = piece[1:] if piece.startswith("\u2581") else f"##{piece}"
        if len(piece.removeprefix("\u2581")) > 1 and word not in merges:
            merges.append(word)
    return bert({token: index for index, token in enumerate(specials + alphabet + merges[:room])})


def mini_config(
    architecture: str,
    vocab_size: int,
    *,
    hidden_size: int,
    layers: int,
    heads: int,
    intermediate_size: int,
    dropout: float,
    max_length: int,
):
    """A transformers config of a small encoder of ``architecture`` with a mini tokenizer of ``vocab_size``
    entries, taking inputs of ``max_length`` tokens."""
    import transformers

    family = ARCHITECTURES[architecture]
    ids = family.mini_special_ids
    shape = dict(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate_size,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        **ids,
    )
    config = getattr(transformers, family.mini_config)(
        **shape, type_vocab_size=1 if family.positions_after_padding else 2
    )
    config.max_position_embeddings = max_length + position_offset(config)
    return config


def pretrain_mini_encoder(
    tokenizer_dir,
    text_files,
    out_dir,
    *,
    architecture: str,
    hidden_size: int,
    layers: int,
    heads: int,
    intermediate_size: int,
    steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    max_length: int = 512,
    dropout: float = 0.1,
) -> dict:
    """Pretrain a small masked LM of ``architecture`` (XLM-R or BERT type) on the mini world.

    Returns (and writes to ``pretraining.json`` beside the weights) the held-out MLM accuracy and
    that of always guessing the most frequent token, so a test can tell that the model learned.
    """
    from transformers import AutoModelForMaskedLM, DataCollatorForLanguageModeling

    from align_transfer.alignment.losses import masked_positions_loss
    from align_transfer.core.modeling import adamw, load_tokenizer, mlm_head, pad

    torch.manual_seed(seed)
    tokenizer = load_tokenizer(tokenizer_dir)
    config = mini_config(
        architecture,
        len(tokenizer),
        hidden_size=hidden_size,
        layers=layers,
        heads=heads,
        intermediate_size=intermediate_size,
        dropout=dropout,
        max_length=max_length,
    )
    model = AutoModelForMaskedLM.from_config(config)
    model.train()
    lines = [line for path in text_files for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
    random.Random(seed).shuffle(lines)
    ids = tokenizer(lines, truncation=True, max_length=min(PRETRAINING_LENGTH, max_length))["input_ids"]
    held_out, train = ids[: len(ids) // 20], ids[len(ids) // 20 :]
    generator = torch.Generator().manual_seed(seed)
    masker = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    masker.generator = generator
    special = torch.tensor(sorted(set(tokenizer.all_special_ids)))
    head = mlm_head(model)
    optimizer = adamw(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )

    def masked_batch(sequences):
        batch, attention = pad(sequences, tokenizer.pad_token_id)
        inputs, labels = masker.torch_mask_tokens(batch.clone(), torch.isin(batch, special))
        return inputs, attention, labels

    progress = Progress(log, f"pretraining ({architecture} type)", steps)
    for step in range(steps):
        rows = torch.randint(len(train), (batch_size,), generator=generator).tolist()
        inputs, attention, labels = masked_batch([train[r] for r in rows])
        hidden = model.base_model(inputs, attention_mask=attention).last_hidden_state
        loss = masked_positions_loss(head, hidden, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        progress(step + 1, f"MLM loss {loss.item():.3f}")

    model.eval()
    predicted, gold = [], []
    with torch.no_grad():
        for start in range(0, len(held_out), 256):
            inputs, attention, labels = masked_batch(held_out[start : start + 256])
            at = labels != -100
            hidden = model.base_model(inputs, attention_mask=attention).last_hidden_state
            predicted.append(head(hidden[at]).argmax(-1))
            gold.append(labels[at])
    predicted, gold = torch.cat(predicted), torch.cat(gold)
    report = {
        "held_out_masked_tokens": len(gold),
        "mlm_accuracy": (predicted == gold).float().mean().item(),
        "most_frequent_token_accuracy": (gold == gold.mode().values).float().mean().item(),
    }
    log.info(
        "held-out MLM accuracy %(mlm_accuracy).3f (most frequent token: %(most_frequent_token_accuracy).3f)", report
    )
    with atomic_path(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "pretraining.json").write_text(json.dumps(report, indent=1))
        write_digests(tmp)
    return report
