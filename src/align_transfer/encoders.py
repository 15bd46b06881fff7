"""Base encoders: the downloaded hub model made ready for MLM training, the mini world's own encoder,
and parallel corpora tokenized once per encoder."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import torch

from .io import atomic_path
from .parallel import read_parallel_tsv
from .progress import Progress

log = logging.getLogger(__name__)


def prepare_base_encoder(source_dir, out_dir) -> None:
    """Save a downloaded encoder as a masked-LM model with its tokenizer, safetensors only.

    An encoder without an MLM head (a BERT-type sentence encoder, say) gets a new head whose output
    layer is tied to the input embeddings; the untied parts of the head start from their init.
    """
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    model, info = AutoModelForMaskedLM.from_pretrained(source_dir, output_loading_info=True)
    if info["missing_keys"]:
        model.config.tie_word_embeddings = True
        model.tie_weights()
        log.info("new MLM head, tied to the input embeddings; initialised: %s", sorted(info["missing_keys"]))
    tokenizer = AutoTokenizer.from_pretrained(source_dir)
    with atomic_path(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    log.info("%s: %.1fM parameters, vocabulary %d", source_dir, model.num_parameters() / 1e6, len(tokenizer))


def encode_sentences(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Token ids without special tokens, each text cut to fit ``max_length`` once its specials are added."""
    room = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    return tokenizer(texts, add_special_tokens=False, truncation=True, max_length=room)["input_ids"]


def tokenize_parallel(tsv, encoder_dir, out_dir, max_length: int) -> None:
    """Tokenize both sides once (no special tokens; each side fits ``max_length`` with its specials)."""
    from datasets import Dataset
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    src, tgt = read_parallel_tsv(tsv)
    dataset = Dataset.from_dict({"src": encode_sentences(tokenizer, src, max_length),
                                 "tgt": encode_sentences(tokenizer, tgt, max_length)})  # fmt: skip
    with atomic_path(out_dir) as tmp:
        dataset.save_to_disk(str(tmp))
    lengths = [len(s) + len(t) for s, t in zip(dataset["src"], dataset["tgt"])]
    log.info("%s: %d pairs, %.1f tokens per pair", tsv, len(dataset), sum(lengths) / len(lengths))


def train_mini_tokenizer(text_files, out_dir, vocab_size: int) -> None:
    """A sentencepiece unigram model on the mini world, wrapped as an XLM-R tokenizer.

    XLM-R's special tokens keep their places: <s> <pad> </s> <unk> first, <mask> last.
    """
    import sentencepiece as spm
    from transformers import XLMRobertaTokenizer

    lines = [line for path in text_files for line in Path(path).read_text(encoding="utf-8").splitlines()]
    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_prefix=str(tmp / "spm"),
            vocab_size=vocab_size,
            model_type="unigram",
            character_coverage=1.0,
            normalization_rule_name="identity",
            num_threads=1,
            bos_id=-1,
            eos_id=-1,
            minloglevel=2,
        )
        processor = spm.SentencePieceProcessor(model_file=str(tmp / "spm.model"))
        pieces = [
            (processor.id_to_piece(i), processor.get_score(i))
            for i in range(processor.get_piece_size())
            if not (processor.is_unknown(i) or processor.is_control(i))
        ]
        specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
        tokenizer = XLMRobertaTokenizer(vocab=specials + pieces + [("<mask>", 0.0)], model_max_length=512)
        tokenizer.save_pretrained(tmp)
        for name in ("spm.model", "spm.vocab"):
            (tmp / name).unlink()
    log.info("mini tokenizer: %d pieces from %d lines", len(tokenizer), len(lines))


def pretrain_mini_encoder(tokenizer_dir, text_files, out_dir, *, hidden_size: int, layers: int, heads: int,
                          intermediate_size: int, steps: int, batch_size: int, learning_rate: float, seed: int,
                          max_length: int = 64, dropout: float = 0.1) -> dict:  # fmt: skip
    """Pretrain a small XLM-R-architecture masked LM on the mini world.

    Returns (and writes to ``pretraining.json`` beside the weights) the held-out MLM accuracy and
    that of always guessing the most frequent token, so a test can tell that the model learned.
    """
    from transformers import AutoTokenizer, DataCollatorForLanguageModeling, XLMRobertaConfig, XLMRobertaForMaskedLM

    from .align import adamw, masked_positions_loss, mlm_head, pad

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate_size, max_position_embeddings=514, type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout,
    )  # fmt: skip
    model = XLMRobertaForMaskedLM(config)
    model.train()
    lines = [line for path in text_files for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
    random.Random(seed).shuffle(lines)
    ids = tokenizer(lines, truncation=True, max_length=max_length)["input_ids"]
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

    progress = Progress(log, "pretraining", steps)
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
    log.info("held-out MLM accuracy %(mlm_accuracy).3f (most frequent token: %(most_frequent_token_accuracy).3f)", report)
    with atomic_path(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "pretraining.json").write_text(json.dumps(report, indent=1))
    return report
