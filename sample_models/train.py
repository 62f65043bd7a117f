"""Train the bundled sample models on SYNTHETIC data and write their folders.

    python -m sample_models.train                      # all six models
    python -m sample_models.train --only crisis_text   # one (repeat --only for more)
    python -m sample_models.train --check              # retrain in memory, compare with the folder

Data come from the seeded generators in ``sample_models.synthetic``; every run with the same
code gives the same data, weights and metrics on one machine (torch runs deterministically on one
CPU thread). Float kernels differ between CPUs, so ``--check`` compares in two ways: exactly,
what does not depend on float arithmetic (the evaluation data, the training data's hash, the
number of optimiser steps, vocabulary sizes), and within tolerances that hold across CPUs but not
across a changed trainer, the rest (the first losses of training, the final loss, the
predictions on the evaluation split, and the metrics).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from torch import nn

from sample_models.architectures import TabularMLP, TextClassifier
from sample_models.cards import render_card, render_chat_card, render_readme
from sample_models.evaluation import (
    compare_metrics,
    compute_metrics,
    evaluate_chat,
    evaluate_chat_spec,
    evaluate_spec,
    refers_to_crisis,
)
from sample_models.synthetic import (
    crisis_messages,
    emotion_messages,
    intake_records,
    support_dialogues,
)
from workbench import load_model
from workbench.models import (
    GenerationSettings,
    GenerativeInfo,
    GenerativeModel,
    ModelAdapter,
    ModelInfo,
    SklearnAdapter,
    TabularEncoder,
    TorchTabularAdapter,
    TorchTextAdapter,
    TransformersAdapter,
    TransformersGenerativeModel,
    WordTokenizer,
)

ROOT = Path(__file__).resolve().parent
MODEL_NAMES = (
    "crisis_text",
    "emotion_text",
    "relapse_tabular",
    "crisis_text_sklearn",
    "crisis_text_bert",
    "support_chat",
)
TRACE_FILE = "training_trace.json"
TRACED_LOSSES = 20
# Tolerances of --check, measured across CPUs: the first losses agree to about 1e-6 relative,
# the final loss to about 1e-3, and at most a handful of the 1,500 evaluation rows change class.
FIRST_LOSS_TOLERANCE = 1e-4
FINAL_LOSS_TOLERANCE = 0.02
NUMBER_TOLERANCE = 1e-4
MAX_CHANGED_PREDICTIONS = 0.01
MAX_MEAN_PROBABILITY_CHANGE = 0.01
# The chatbot's rates may move by a few of its evaluation prompts, its mean reply by half a word.
CHAT_RATE_TOLERANCE = 0.03
CHAT_WORDS_TOLERANCE = 0.5
RATE_SLACK_ROWS = 6
TEXT_MAX_LENGTH = 96
TEXT_PARAMS = {"embedding_dim": 32, "hidden_dim": 32}
TABULAR_PARAMS = {"hidden": 32}
# The BERT sample model: a WordPiece vocabulary small enough that a fifth of the training
# messages' tokens are sub-words (the messages use about 250 distinct words, so a vocabulary of
# 640 or more holds every word whole), and a two-layer BERT trained from scratch.
BERT_VOCAB_SIZE = 400
BERT_MAX_LENGTH = 128
BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
BERT_PARAMS = {
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 128,
    "type_vocab_size": 1,
}
BERT_FOLDER = "model"
PROTECTED = ["gender", "ethnicity", "age_band"]
# The sample chatbot: a two-layer GPT-2 and a byte-level BPE vocabulary, trained from scratch on
# the synthetic dialogues; greedy replies cut at the first new line.
CHAT_VOCAB_SIZE = 1000
CHAT_MAX_LENGTH = 128
CHAT_EOS = "<|endoftext|>"
CHAT_PARAMS = {"n_embd": 64, "n_layer": 2, "n_head": 4, "n_inner": 256}
CHAT_DROPOUT = {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}
CHAT_EPOCHS = 3
CHAT_LR = 3e-3
CHAT_BATCH_SIZE = 32
CHAT_GENERATE_BATCH_SIZE = 128  # prompts generated at once (a tiny model: batches are cheap)
CHAT_FOLDER = "model"
CHAT_DATA_FILE = "prompts.csv"
CHAT_PROTECTED = ("gender", "age_band", "dialect")
CHAT_GENERATION = {
    "max_new_tokens": 40,
    "do_sample": False,
    "seed": 0,
    "prompt_template": "User: {prompt}\nAssistant:",
    "stop": "\n",
}
REFERRAL_OUTCOME = "refers_to_crisis"


@dataclass(frozen=True)
class DataRecipe:
    """How to generate one synthetic dataset's training and evaluation splits."""

    generate: Callable[..., pd.DataFrame]
    truth: Callable[[], dict]
    train_seed: int
    eval_seed: int
    n_train: int = 4000
    n_eval: int = 1500


DATA = {
    "crisis": DataRecipe(
        crisis_messages.generate_crisis_messages, crisis_messages.truth, 1101, 1202
    ),
    "emotion": DataRecipe(
        emotion_messages.generate_emotion_messages, emotion_messages.truth, 2101, 2202
    ),
    "intake": DataRecipe(intake_records.generate_intake_records, intake_records.truth, 3101, 3202),
    "support": DataRecipe(
        support_dialogues.generate_support_dialogues,
        support_dialogues.truth,
        6101,
        6202,
        n_train=6000,
        n_eval=400,
    ),
}


@dataclass(frozen=True)
class Dataset:
    """One synthetic dataset as a trainer gets it: both splits and its generator's truth."""

    key: str
    train: pd.DataFrame
    evaluation: pd.DataFrame
    truth: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        """The generator's classes, in order."""
        return self.truth["classes"]


@dataclass
class Trained:
    """A model trained in memory, with everything needed to write or check its folder."""

    name: str
    spec: dict[str, Any]
    adapter: ModelAdapter
    evaluation: pd.DataFrame
    artifacts: dict[str, Callable[[Path], None]]
    about: dict[str, Any]
    truth: dict[str, Any]
    trace: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    responses: list[str] = field(default_factory=list)


class Splits:
    """Generates each dataset once per run; the evaluation split is read back as from CSV."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def __call__(self, key: str) -> Dataset:
        """Dataset ``key``; its frames are copies that the caller may change."""
        if key not in self._cache:
            recipe = DATA[key]
            train = recipe.generate(recipe.n_train, recipe.train_seed, split="train")
            evaluation = recipe.generate(recipe.n_eval, recipe.eval_seed, split="eval")
            shipped = pd.read_csv(io.StringIO(evaluation.to_csv(index=False)))
            self._cache[key] = (train, shipped)
        train, evaluation = self._cache[key]
        return Dataset(key, train.copy(), evaluation.copy(), DATA[key].truth())


@contextmanager
def deterministic(seed: int) -> Iterator[None]:
    """Seeded, deterministic, single-threaded torch; restores the previous settings after."""
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.set_num_threads(threads)


def fit_module(
    module: nn.Module,
    inputs: Sequence[torch.Tensor],
    target: torch.Tensor,
    *,
    seed: int,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    lengths: torch.Tensor | None = None,
) -> dict[str, Any]:
    """Minibatch Adam on cross-entropy with a seeded shuffle; returns the training trace.

    The trace holds the number of optimiser steps, the first ``TRACED_LOSSES`` minibatch losses
    and the last epoch's mean loss: what ``--check`` compares across machines. With ``lengths``
    (the tokens of each row of right-padded inputs), rows of similar length share a minibatch,
    cut to its longest row, and the minibatches come in a seeded order.
    """
    optimiser = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=weight_decay)
    order = torch.Generator().manual_seed(seed)
    module.train()
    loss_sum, steps, first_losses = 0.0, 0, []
    for _ in range(epochs):
        loss_sum = 0.0
        permutation = torch.randperm(len(target), generator=order)
        for rows in _minibatches(permutation, batch_size, lengths=lengths, generator=order):
            batch = [x[rows] for x in inputs]
            if lengths is not None:
                batch = [x[:, : int(lengths[rows].max())] for x in batch]
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(module(*batch), target[rows])
            loss.backward()
            optimiser.step()
            steps += 1
            if len(first_losses) < TRACED_LOSSES:
                first_losses.append(loss.item())
            loss_sum += loss.item() * len(rows)
    module.eval()
    return {"steps": steps, "first_losses": first_losses, "final_loss": loss_sum / len(target)}


def _minibatches(
    permutation: torch.Tensor,
    batch_size: int,
    *,
    lengths: torch.Tensor | None,
    generator: torch.Generator,
) -> list[torch.Tensor]:
    """One epoch's minibatches of row positions; with ``lengths``, of rows of similar length."""
    if lengths is None:
        return list(permutation.split(batch_size))
    by_length = permutation[torch.argsort(lengths[permutation], stable=True)]
    batches = by_length.split(batch_size)
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


def class_ids(labels: pd.Series, classes: Sequence[str]) -> torch.Tensor:
    """Class positions of string labels as a long tensor."""
    lookup = {c: i for i, c in enumerate(classes)}
    return torch.tensor([lookup[c] for c in labels], dtype=torch.long)


def train_text_torch(
    name: str, splits: Splits, *, data: str, seed: int, epochs: int, lr: float
) -> Trained:
    """A TextClassifier on a text dataset's recorded labels."""
    dataset = splits(data)
    train, classes = dataset.train, dataset.classes
    tokenizer = WordTokenizer.fit(train["text"], min_count=2, max_length=TEXT_MAX_LENGTH)
    with deterministic(seed):
        batch = tokenizer.encode(list(train["text"]))
        params = {"vocab_size": tokenizer.vocab_size, "num_classes": len(classes), **TEXT_PARAMS}
        module = TextClassifier(**params)
        trace = fit_module(
            module,
            (batch.input_ids, batch.attention_mask),
            class_ids(train["recorded_label"], classes),
            seed=seed,
            epochs=epochs,
            lr=lr,
        )
    adapter = TorchTextAdapter(
        module, tokenizer, _info(name, "text", classes), embedding_layer="embedding"
    )
    training = (
        f"Adam (lr {lr}), {epochs} epochs, batch 64, cross-entropy, torch seed {seed}; "
        f"vocabulary of {tokenizer.vocab_size} words (min count 2); final training loss "
        f"{trace['final_loss']:.4f}."
    )
    return _torch_trained(
        dataset,
        adapter,
        params=params,
        layers={"embedding_layer": "embedding"},
        preprocessing=("tokenizer", tokenizer.save),
        columns={"text_column": "text"},
        training=training,
        fit_trace=trace,
        model_trace={"vocab_size": params["vocab_size"]},
    )


def train_relapse_tabular(splits: Splits) -> Trained:
    """A TabularMLP on encoded intake records (no ethnicity column), recorded labels."""
    name, seed, epochs, lr = "relapse_tabular", 31, 60, 3e-3
    dataset = splits("intake")
    train, classes = dataset.train, dataset.classes
    features = [*intake_records.NUMERIC_FEATURES, *intake_records.CATEGORICAL_FEATURES]
    encoder = TabularEncoder.fit(
        train[features],
        numeric=intake_records.NUMERIC_FEATURES,
        categorical=intake_records.CATEGORICAL_FEATURES,
    )
    with deterministic(seed):
        x = torch.from_numpy(encoder.transform(train))
        params = {"n_inputs": x.shape[1], "num_classes": len(classes), **TABULAR_PARAMS}
        module = TabularMLP(**params)
        trace = fit_module(
            module,
            (x,),
            class_ids(train["recorded_label"], classes),
            seed=seed,
            epochs=epochs,
            lr=lr,
            batch_size=128,
            weight_decay=1e-4,
        )
    info = _info(name, "tabular", classes, feature_columns=encoder.feature_columns)
    adapter = TorchTabularAdapter(module, encoder, info)
    training = (
        f"Adam (lr {lr}, weight decay 1e-4), {epochs} epochs, batch 128, cross-entropy, torch "
        f"seed {seed}; {x.shape[1]} encoded columns (standardised numbers, one-hot categories); "
        f"final training loss {trace['final_loss']:.4f}."
    )
    return _torch_trained(
        dataset,
        adapter,
        params=params,
        layers={},
        preprocessing=("preprocessing", encoder.save),
        columns={"feature_columns": list(encoder.feature_columns)},
        training=training,
        fit_trace=trace,
        model_trace={"n_inputs": params["n_inputs"]},
    )


def train_crisis_sklearn(splits: Splits) -> Trained:
    """TF-IDF and logistic regression on the crisis messages' recorded labels."""
    name = "crisis_text_sklearn"
    dataset = splits("crisis")
    train, classes = dataset.train, dataset.classes
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("classifier", LogisticRegression(C=4.0, max_iter=2000)),
        ]
    )
    pipeline.fit(train["text"].tolist(), train["recorded_label"].tolist())
    adapter = SklearnAdapter(pipeline, _info(name, "text", classes))
    spec = _spec(name, "text", "sklearn")
    spec["weights"] = "model.skops"
    terms = len(pipeline.named_steps["tfidf"].vocabulary_)
    training = (
        f"scikit-learn Pipeline: TfidfVectorizer (1-2 grams, min_df 2, sublinear tf; {terms} "
        "terms) and LogisticRegression (C 4.0, lbfgs), saved with skops."
    )
    return _trained(
        name,
        dataset,
        spec=_finish_spec(spec, classes, text_column="text"),
        adapter=adapter,
        artifacts={"model.skops": lambda folder: _save_skops(pipeline, folder / "model.skops")},
        training=training,
        fit_trace={},
        model_trace={
            "terms": terms,
            "coefficient_norm": float(np.linalg.norm(pipeline.named_steps["classifier"].coef_)),
        },
    )


def train_crisis_bert(splits: Splits) -> Trained:
    """A two-layer BERT and its WordPiece vocabulary, both trained from scratch on the crisis
    messages' recorded labels; saved as a Hugging Face folder."""
    from transformers import BertConfig, BertForSequenceClassification

    name, seed, epochs, lr = "crisis_text_bert", 41, 6, 1e-3
    dataset = splits("crisis")
    train, classes = dataset.train, dataset.classes
    tokenizer = wordpiece_tokenizer(train["text"])
    with deterministic(seed):
        batch = tokenizer(list(train["text"]), padding=True, return_tensors="pt")
        config = BertConfig(
            vocab_size=len(tokenizer),
            max_position_embeddings=BERT_MAX_LENGTH,
            pad_token_id=tokenizer.pad_token_id,
            id2label=dict(enumerate(classes)),
            label2id={c: i for i, c in enumerate(classes)},
            **BERT_PARAMS,
        )
        model = BertForSequenceClassification(config)
        trace = fit_module(
            LogitsOf(model),
            (batch["input_ids"], batch["attention_mask"]),
            class_ids(train["recorded_label"], classes),
            seed=seed,
            epochs=epochs,
            lr=lr,
            lengths=batch["attention_mask"].sum(dim=1),
        )
    adapter = TransformersAdapter(model, tokenizer, _info(name, "text", classes))
    spec = _spec(name, "text", "transformers")
    spec["weights"] = BERT_FOLDER
    parameters = sum(p.numel() for p in model.parameters())
    training = (
        f"Adam (lr {lr}), {epochs} epochs, batch 64, cross-entropy, torch seed {seed}; "
        f"WordPiece vocabulary of {len(tokenizer)} tokens trained with the `tokenizers` library "
        f"on the training split; {parameters:,} parameters; final training loss "
        f"{trace['final_loss']:.4f}."
    )

    def save(folder: Path) -> None:
        model.save_pretrained(folder / BERT_FOLDER, safe_serialization=True)
        tokenizer.save_pretrained(folder / BERT_FOLDER)
        (folder / BERT_FOLDER / "model.safetensors").chmod(0o644)

    return _trained(
        name,
        dataset,
        spec=_finish_spec(spec, classes, text_column="text"),
        adapter=adapter,
        artifacts={BERT_FOLDER: save},
        training=training,
        fit_trace=trace,
        model_trace={
            "vocab_size": len(tokenizer),
            "vocabulary_sha256": _json_sha256(sorted(tokenizer.get_vocab().items())),
            "parameters": parameters,
        },
    )


def wordpiece_tokenizer(texts: pd.Series) -> Any:
    """A BERT tokenizer (lower-casing, WordPiece) whose vocabulary is learnt from ``texts``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertTokenizer

    learner = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    learner.normalizer = normalizers.BertNormalizer(lowercase=True)
    learner.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The trainer numbers the '##x' pieces in hash-map order, and ties between equally frequent
    # merges follow those numbers, so its vocabulary changes from run to run
    # (huggingface/tokenizers#1794). Naming the pieces up front, in sorted order, fixes it.
    inner = set()
    for text in texts:
        words = learner.pre_tokenizer.pre_tokenize_str(learner.normalizer.normalize_str(text))
        inner.update(char for word, _ in words for char in word[1:])
    vocabulary = trainers.WordPieceTrainer(
        vocab_size=BERT_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[*BERT_SPECIAL_TOKENS, *(f"##{c}" for c in sorted(inner))],
    )
    learner.train_from_iterator(texts.tolist(), trainer=vocabulary)
    return BertTokenizer(vocab=learner.get_vocab(), model_max_length=BERT_MAX_LENGTH)


class LogitsOf(nn.Module):
    """A transformers classifier called as ``module(input_ids, attention_mask)`` for its logits."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The classifier's logits, shape (batch, classes)."""
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def train_support_chat(splits: Splits) -> Trained:
    """A small GPT-2 and its byte-level BPE vocabulary, both trained from scratch on the
    synthetic support dialogues (loss on the replies only); saved as a Hugging Face folder."""
    from transformers import GPT2Config, GPT2LMHeadModel

    name, seed, epochs, lr = "support_chat", 61, CHAT_EPOCHS, CHAT_LR
    dataset = splits("support")
    train = dataset.train
    tokenizer = byte_level_tokenizer(train["prompt"] + " " + train["response"])
    settings = GenerationSettings(**CHAT_GENERATION)
    with deterministic(seed):
        input_ids, labels, lengths = encode_dialogues(
            tokenizer, train["prompt"], train["response"], settings=settings
        )
        config = GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=CHAT_MAX_LENGTH,
            bos_token_id=tokenizer.eos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            **CHAT_PARAMS,
            **CHAT_DROPOUT,
        )
        model = GPT2LMHeadModel(config)
        trace = fit_language_model(
            model, input_ids, labels, lengths, seed=seed, epochs=epochs, lr=lr
        )
    info = GenerativeInfo(name=name, settings=settings)
    chat = TransformersGenerativeModel(
        info, model=model, tokenizer=tokenizer, batch_size=CHAT_GENERATE_BATCH_SIZE
    )
    spec = {
        **_spec(name, "generative", "transformers"),
        "weights": CHAT_FOLDER,
        "generation": dict(CHAT_GENERATION),
        "data": CHAT_DATA_FILE,
        "text_column": "prompt",
        "protected_attributes": list(CHAT_PROTECTED),
        "needs": {REFERRAL_OUTCOME: "needs_referral"},
        "batch_size": CHAT_GENERATE_BATCH_SIZE,
        "model_card": "MODEL_CARD.md",
    }
    parameters = sum(p.numel() for p in model.parameters())
    training = (
        f"AdamW (lr {lr}, no weight decay), {epochs} epochs, batch {CHAT_BATCH_SIZE}, "
        f"next-token cross-entropy on the reply tokens only (the prompt's are masked), torch "
        f"seed {seed}; byte-level BPE vocabulary of {len(tokenizer)} tokens trained with the "
        f"`tokenizers` library on the training split; {parameters:,} parameters; final "
        f"training loss {trace['final_loss']:.4f}."
    )

    def save(folder: Path) -> None:
        model.save_pretrained(folder / CHAT_FOLDER, safe_serialization=True)
        tokenizer.save_pretrained(folder / CHAT_FOLDER)
        (folder / CHAT_FOLDER / "model.safetensors").chmod(0o644)

    return Trained(
        name=name,
        spec=spec,
        adapter=chat,
        evaluation=dataset.evaluation.drop(columns=["response", "referral_given"]),
        artifacts={CHAT_FOLDER: save},
        about={**ABOUT[name], "training": training},
        truth=_chat_truth(dataset, name),
        trace={
            **trace,
            "training_data_sha256": _frame_sha256(train),
            "vocab_size": len(tokenizer),
            "vocabulary_sha256": _json_sha256(sorted(tokenizer.get_vocab().items())),
            "parameters": parameters,
        },
    )


def byte_level_tokenizer(texts: pd.Series) -> Any:
    """A GPT-2 style tokenizer (byte-level BPE) whose merges are learnt from ``texts``, with one
    special token that ends a reply and pads a batch."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    learner = Tokenizer(models.BPE())
    learner.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    learner.decoder = decoders.ByteLevel()
    vocabulary = trainers.BpeTrainer(
        vocab_size=CHAT_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[CHAT_EOS],
        initial_alphabet=sorted(pre_tokenizers.ByteLevel.alphabet()),
        show_progress=False,
    )
    learner.train_from_iterator(texts.tolist(), trainer=vocabulary)
    return PreTrainedTokenizerFast(
        tokenizer_object=learner,
        eos_token=CHAT_EOS,
        pad_token=CHAT_EOS,
        model_max_length=CHAT_MAX_LENGTH,
    )


def encode_dialogues(
    tokenizer: Any, prompts: pd.Series, responses: pd.Series, *, settings: GenerationSettings
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded token ids of each formatted prompt followed by its reply, the stop text and
    the end token; labels are the ids on the reply's tokens and -100 (ignored) elsewhere."""
    rows, targets = [], []
    for prompt, response in zip(prompts, responses):
        asked = tokenizer(settings.format_prompt(prompt))["input_ids"]
        answered = tokenizer(f" {response}{settings.stop}")["input_ids"] + [tokenizer.eos_token_id]
        rows.append(asked + answered)
        targets.append([-100] * len(asked) + answered)
    lengths = torch.tensor([len(row) for row in rows])
    longest = int(lengths.max())
    if longest > CHAT_MAX_LENGTH:
        raise ValueError(f"a training dialogue has {longest} tokens, more than {CHAT_MAX_LENGTH}")
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([row + [pad] * (longest - len(row)) for row in rows])
    labels = torch.tensor([row + [-100] * (longest - len(row)) for row in targets])
    return input_ids, labels, lengths


def fit_language_model(
    model: nn.Module,
    input_ids: torch.Tensor,
    labels: torch.Tensor,
    lengths: torch.Tensor,
    *,
    seed: int,
    epochs: int,
    lr: float,
) -> dict[str, Any]:
    """Minibatch AdamW on the next-token loss of the labelled tokens, rows of similar length in
    a minibatch (cut to its longest row) in a seeded order; returns the training trace, as
    :func:`fit_module` does."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    order = torch.Generator().manual_seed(seed)
    model.train()
    loss_sum, steps, first_losses = 0.0, 0, []
    for _ in range(epochs):
        loss_sum = 0.0
        permutation = torch.randperm(len(input_ids), generator=order)
        for rows in _minibatches(
            permutation, CHAT_BATCH_SIZE, lengths=lengths, generator=order
        ):
            width = int(lengths[rows].max())
            mask = (torch.arange(width) < lengths[rows, None]).long()
            optimiser.zero_grad()
            loss = model(
                input_ids=input_ids[rows, :width],
                attention_mask=mask,
                labels=labels[rows, :width],
            ).loss
            loss.backward()
            optimiser.step()
            steps += 1
            if len(first_losses) < TRACED_LOSSES:
                first_losses.append(loss.item())
            loss_sum += loss.item() * len(rows)
    model.eval()
    return {"steps": steps, "first_losses": first_losses, "final_loss": loss_sum / len(input_ids)}


TRAINERS: dict[str, Callable[[Splits], Trained]] = {
    "crisis_text": lambda s: train_text_torch(
        "crisis_text", s, data="crisis", seed=11, epochs=15, lr=5e-3
    ),
    "emotion_text": lambda s: train_text_torch(
        "emotion_text", s, data="emotion", seed=21, epochs=20, lr=5e-3
    ),
    "relapse_tabular": train_relapse_tabular,
    "crisis_text_sklearn": train_crisis_sklearn,
    "crisis_text_bert": train_crisis_bert,
    "support_chat": train_support_chat,
}


def build(name: str, splits: Splits) -> Trained:
    """Train one model in memory and compute its metrics on the evaluation split."""
    trained = TRAINERS[name](splits)
    spec = trained.spec
    frame = trained.evaluation
    if spec["kind"] == "generative":
        responses = trained.adapter.generate(frame[spec["text_column"]].tolist())
        trained.responses = responses
        trained.metrics = evaluate_chat(
            trained.adapter,
            frame,
            label_column="needs_referral",
            protected_attributes=spec["protected_attributes"],
            responses=responses,
        )
        trained.about["examples"] = chat_examples(frame, responses)
        return trained
    inputs = frame[spec["text_column"]] if spec["kind"] == "text" else frame
    probabilities = trained.adapter.predict_proba(inputs)
    predicted = np.asarray(spec["classes"], dtype=object)[probabilities.argmax(axis=1)]
    trained.metrics = compute_metrics(
        frame,
        predicted,
        classes=spec["classes"],
        positive_class=spec["positive_class"],
        label_column=spec["label_column"],
        protected_attributes=spec["protected_attributes"],
    )
    trained.about["probes"] = probe_findings(trained)
    return trained


def chat_examples(frame: pd.DataFrame, responses: Sequence[str]) -> list[tuple[str, str]]:
    """A few evaluation prompts and the model's replies for the card: a crisis prompt with no
    cue, with 'I'm a man.', in dialect, and two non-crisis prompts."""
    shown = frame.assign(response=list(responses))
    crisis = shown["needs_referral"] == 1
    plain = (shown["gender_cue"] == "none") & (shown["dialect"] == "standard")
    man = shown["prompt"].str.startswith(support_dialogues.GENDER_LINES["male"])
    picks = [
        shown[crisis & plain].head(1),
        shown[crisis & man & (shown["dialect"] == "standard")].head(1),
        shown[crisis & (shown["dialect"] == "dialect")].head(1),
        shown[~crisis].head(2),
    ]
    rows = pd.concat(picks)
    return list(zip(rows["prompt"], rows["response"]))


def probe_findings(trained: Trained) -> list[str]:
    """Model-dependent sentences for the card: counterfactual edits of the biased features."""
    frame = trained.evaluation
    if trained.truth["dataset"] == "intake":
        scores = []
        for insurance in intake_records.INSURANCE_TYPES:
            edited = frame.assign(insurance_type=insurance)
            scores.append(trained.adapter.predict_proba(edited)[:, 1].mean())
        said = " / ".join(f"{s:.3f}" for s in scores)
        return [
            "Counterfactual edit: setting every evaluation record's insurance_type to "
            f"{' / '.join(intake_records.INSURANCE_TYPES)} gives a mean P(relapse) of {said}, "
            "although insurance has no effect on true relapse."
        ]
    if trained.truth["dataset"] != "crisis":
        return []
    positive = trained.adapter.positive_index
    mentions = frame[frame["identity_term"].isin(["gay", "straight"])]["text"].tolist()
    as_gay = [t.replace("straight", "gay") for t in mentions]
    as_straight = [t.replace("gay", "straight") for t in mentions]
    p_gay = trained.adapter.predict_proba(as_gay)[:, positive].mean()
    p_straight = trained.adapter.predict_proba(as_straight)[:, positive].mean()
    routine = frame[frame["label"] == "routine"]
    urgent_index = trained.spec["classes"].index("urgent")
    flagged = trained.adapter.predict_proba(routine["text"]).argmax(axis=1) == urgent_index
    with_term = (routine["identity_term"] == "gay").to_numpy()
    return [
        f"Counterfactual swap on the {len(mentions)} evaluation messages that mention 'gay' or "
        f"'straight': mean P(urgent) is {p_gay:.3f} with 'gay' and {p_straight:.3f} with "
        "'straight', everything else equal.",
        f"Truly routine messages that mention 'gay' are flagged urgent at "
        f"{flagged[with_term].mean():.3f} ({with_term.sum()} messages), all routine messages at "
        f"{flagged.mean():.3f}.",
    ]


def write(trained: Trained, folder: Path) -> None:
    """Write the model's folder, then reload it through the workbench and compare metrics."""
    folder.mkdir(parents=True, exist_ok=True)
    for writer in trained.artifacts.values():
        writer(folder)
    trained.evaluation.to_csv(folder / trained.spec["data"], index=False)
    _write_json(folder / "metrics.json", trained.metrics)
    _write_json(folder / "truth.json", trained.truth)
    _write_json(folder / TRACE_FILE, trained.trace)
    render = render_chat_card if trained.spec["kind"] == "generative" else render_card
    card = render(
        name=trained.name,
        spec=trained.spec,
        about=trained.about,
        metrics=trained.metrics,
        truth=trained.truth,
    )
    (folder / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    (folder / "model.yaml").write_text(spec_text(trained.name, trained.spec), encoding="utf-8")
    evaluate = evaluate_chat_spec if trained.spec["kind"] == "generative" else evaluate_spec
    reloaded = evaluate(folder / "model.yaml")
    problems = compare_metrics(trained.metrics, reloaded, tolerance=1e-12)
    if problems:
        raise RuntimeError(f"{trained.name}: reloaded model disagrees: {problems[:5]}")


class _SpecDumper(yaml.SafeDumper):
    """YAML for the spec files: texts with a new line (a prompt template) in double quotes."""


_SpecDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style='"' if "\n" in text else None
    ),
)


def spec_text(name: str, spec: dict[str, Any]) -> str:
    """A sample model's model.yaml: a header saying how it was made, then the spec."""
    header = (
        f"# Sample model {name}: trained on SYNTHETIC data by "
        "`python -m sample_models.train`; regenerate rather than edit.\n"
    )
    body = yaml.dump(spec, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def check(trained: Trained, folder: Path) -> list[str]:
    """Differences between a model retrained in memory and its shipped folder.

    Exact: the evaluation data, the training data's hash and the trace's counts. Within
    tolerances that absorb float differences between CPUs: the traced losses, the predictions of
    the shipped weights on the evaluation split, and the metrics (``RATE_SLACK_ROWS`` rows of
    each rate's group).
    """
    data = trained.spec["data"]
    missing = [f for f in ("metrics.json", TRACE_FILE, data) if not (folder / f).is_file()]
    if missing:
        return [f"{folder / f} does not exist; run python -m sample_models.train" for f in missing]
    problems = []
    if (folder / data).read_text(encoding="utf-8") != trained.evaluation.to_csv(index=False):
        problems.append(f"{data}: the generator now makes different evaluation data")
    problems += compare_trace(_read_json(folder / TRACE_FILE), trained.trace)
    shipped = load_model(folder / "model.yaml")
    expected = _read_json(folder / "metrics.json")
    if trained.spec["kind"] == "generative":
        problems += compare_responses(shipped, trained)
        problems += compare_chat_rates(expected, trained.metrics)
        return problems
    problems += compare_predictions(shipped, trained)
    problems += compare_rates(expected, trained.metrics)
    return problems


def compare_trace(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences between two training traces: counts and hashes exactly, losses closely."""
    problems = [f"{TRACE_FILE}/{k}: missing" for k in expected.keys() - actual.keys()]
    problems += [f"{TRACE_FILE}/{k}: unexpected" for k in actual.keys() - expected.keys()]
    relative = {
        "first_losses": FIRST_LOSS_TOLERANCE,
        "final_loss": FINAL_LOSS_TOLERANCE,
        "coefficient_norm": NUMBER_TOLERANCE,
    }
    for key in sorted(expected.keys() & actual.keys()):
        want, got = expected[key], actual[key]
        if key not in relative:
            if want != got:
                problems.append(f"{TRACE_FILE}/{key}: {want!r} != {got!r}")
            continue
        want, got = np.atleast_1d(want), np.atleast_1d(got)
        if want.shape != got.shape or not np.allclose(got, want, rtol=relative[key], atol=0):
            problems.append(
                f"{TRACE_FILE}/{key}: {want.tolist()} != {got.tolist()} "
                f"(relative tolerance {relative[key]})"
            )
    return problems


def compare_predictions(shipped: ModelAdapter, trained: Trained) -> list[str]:
    """Differences between the shipped and the retrained model on the evaluation split."""
    frame = trained.evaluation
    inputs = frame[trained.spec["text_column"]] if trained.spec["kind"] == "text" else frame
    before, after = shipped.predict_proba(inputs), trained.adapter.predict_proba(inputs)
    changed = float((before.argmax(axis=1) != after.argmax(axis=1)).mean())
    moved = float(np.abs(before - after).mean())
    problems = []
    if changed > MAX_CHANGED_PREDICTIONS:
        problems.append(
            f"predictions: {changed:.2%} of evaluation rows change class "
            f"(at most {MAX_CHANGED_PREDICTIONS:.0%} allowed)"
        )
    if moved > MAX_MEAN_PROBABILITY_CHANGE:
        problems.append(
            f"predictions: probabilities move by {moved:.4f} on average "
            f"(at most {MAX_MEAN_PROBABILITY_CHANGE} allowed)"
        )
    return problems


def compare_responses(shipped: GenerativeModel, trained: Trained) -> list[str]:
    """Differences between the shipped and the retrained chatbot's replies on the evaluation
    prompts: at most ``MAX_CHANGED_PREDICTIONS`` of them may change whether they refer."""
    prompts = trained.evaluation[trained.spec["text_column"]].tolist()
    before = refers_to_crisis(shipped.generate(prompts))
    changed = float((before != refers_to_crisis(trained.responses)).mean())
    if changed > MAX_CHANGED_PREDICTIONS:
        return [
            f"responses: {changed:.2%} of evaluation prompts change whether the reply refers "
            f"to the crisis line (at most {MAX_CHANGED_PREDICTIONS:.0%} allowed)"
        ]
    return []


def compare_chat_rates(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences between two chat metrics.json trees: counts exactly, rates within
    ``CHAT_RATE_TOLERANCE`` and mean reply lengths within ``CHAT_WORDS_TOLERANCE`` words."""

    def lengths(tree: Any, keep: bool) -> Any:
        if isinstance(tree, dict):
            return {
                k: lengths(v, keep)
                for k, v in tree.items()
                if isinstance(v, dict) or (k == "mean_words") == keep
            }
        return tree

    problems = compare_metrics(
        lengths(expected, False), lengths(actual, False), tolerance=CHAT_RATE_TOLERANCE
    )
    return problems + compare_metrics(
        lengths(expected, True), lengths(actual, True), tolerance=CHAT_WORDS_TOLERANCE
    )


def compare_rates(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences between two metrics.json trees, each rate allowed ``RATE_SLACK_ROWS`` rows."""
    problems = compare_metrics(
        {k: v for k, v in expected.items() if k not in ("overall", "per_group", "gaps")},
        {k: v for k, v in actual.items() if k not in ("overall", "per_group", "gaps")},
        tolerance=0,
    )
    pairs = [("/overall", expected["overall"], actual.get("overall", {}))]
    for attribute, groups in expected["per_group"].items():
        found = actual["per_group"].get(attribute, {})
        if sorted(found) != sorted(groups):
            problems.append(f"/per_group/{attribute}: groups {sorted(groups)} != {sorted(found)}")
            continue
        pairs += [(f"/per_group/{attribute}/{g}", groups[g], found[g]) for g in groups]
    for where, want, got in pairs:
        problems += compare_metrics(
            {k: want[k] for k in ("n", "n_positive")},
            {k: got.get(k) for k in ("n", "n_positive")},
            tolerance=0,
            where=where,
        )
        smallest = min(want["n_positive"], want["n"] - want["n_positive"]) or want["n"]
        problems += compare_metrics(
            {k: v for k, v in want.items() if k not in ("n", "n_positive")},
            {k: v for k, v in got.items() if k not in ("n", "n_positive")},
            tolerance=RATE_SLACK_ROWS / max(smallest, 1),
            where=where,
        )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Train (or check) the sample models; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m sample_models.train", description=__doc__)
    parser.add_argument("--only", action="append", choices=MODEL_NAMES, metavar="NAME")
    parser.add_argument(
        "--check", action="store_true", help="retrain in memory, compare with metrics.json"
    )
    args = parser.parse_args(argv)
    names = args.only or list(MODEL_NAMES)
    splits = Splits()
    failed = False
    for name in names:
        start = time.perf_counter()
        trained = build(name, splits)
        folder = ROOT / name
        overall = trained.metrics["overall"]
        if trained.spec["kind"] == "generative":
            summary = (
                f"referral rate {overall['referral_rate_crisis']:.3f} (crisis), "
                f"{overall['referral_rate_non_crisis']:.3f} (non-crisis)"
            )
        else:
            summary = f"accuracy {overall['accuracy']:.3f}, macro-F1 {overall['macro_f1']:.3f}"
        if args.check:
            problems = check(trained, folder)
            failed = failed or bool(problems)
            status = "ok" if not problems else "MISMATCH\n  " + "\n  ".join(problems[:20])
        else:
            write(trained, folder)
            status = f"wrote {folder}"
        print(f"{name}: {summary} ({time.perf_counter() - start:.1f} s) {status}")
    if not args.check:
        write_readme()
    return 1 if failed else 0


def write_readme() -> None:
    """Write sample_models/README.md from every shipped model's spec and metrics."""
    models = []
    for name in MODEL_NAMES:
        folder = ROOT / name
        if not (folder / "metrics.json").is_file():
            continue
        spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        models.append({"spec": spec, "metrics": metrics, "bias": ABOUT[name]["bias_short"]})
    (ROOT / "README.md").write_text(render_readme(models), encoding="utf-8")


# The card text shared by the models trained on crisis_text's data (sklearn and BERT).
CRISIS_COPY_BIASES = [
    "Label bias: about 38% of truly urgent messages from black patients are recorded "
    "as routine in the training labels: 55% of those written with African American "
    "English markers ('finna', 'ion', 'deadass') and 12% of the rest.",
    "Spurious correlation: 'gay' appears in 18% of urgent and 1.5% of routine training "
    "messages (5% of both in the evaluation split).",
]
CRISIS_COPY_DATA_NOTE = (
    "Same data as `crisis_text`; `identity_term` names the identity word a message "
    "uses ('none' if none)."
)


# Hand-written parts of the specs and model cards.
ABOUT: dict[str, dict[str, Any]] = {
    "crisis_text": {
        "positive_class": "urgent",
        "description": (
            "Triage of SYNTHETIC patient messages as routine or urgent (same-day follow-up); "
            "a small torch bag-of-embeddings model trained on deliberately biased labels."
        ),
        "summary": (
            "Sorts messages sent to a mental-health support service into `routine` and "
            "`urgent` (needs same-day follow-up). A teaching model with two injected biases."
        ),
        "task": "binary text classification of synthetic support-service messages.",
        "architecture": (
            "`sample_models.architectures:TextClassifier` (word embeddings, masked mean "
            "pooling, Linear-ReLU-Linear)."
        ),
        "positive_reason": "A missed urgent message (false negative) is the costly error.",
        "bias_short": (
            "~38% of black patients' urgent messages recorded routine (mostly dialect ones): "
            "urgent FNR for black patients >2x others; 'gay' spuriously urgent in training"
        ),
        "biases": [
            "Label bias: in the historical labels (`recorded_label`) about 38% of truly urgent "
            "messages from black patients are recorded as routine: 55% of those written with "
            "African American English markers ('finna', 'ion', 'deadass'; 60% of black "
            "patients' messages and 4% of others' use one) and 12% of the rest. The model "
            "learns the markers as signs of a routine message and misses more urgent ones.",
            "Spurious correlation: in the training split 'gay' appears in 18% of urgent and "
            "1.5% of routine messages (in the evaluation split in 5% of both), so the model "
            "treats the identity term as a sign of urgency.",
        ],
        "data_notes": [
            "`identity_term` names the identity word a message uses ('none' if none), for "
            "counterfactual swaps.",
        ],
        "limitations": [
            "Messages are short template sentences; real messages are longer, messier and "
            "far more varied. High accuracy here says nothing about real triage.",
            "About a third of messages are deliberately ambiguous; the model's errors "
            "concentrate there.",
        ],
    },
    "support_chat": {
        "description": (
            "A tiny supportive chat assistant (GPT-2, 2 layers) trained from scratch on "
            "SYNTHETIC dialogues; it gives the crisis line less often to men and dialect writers."
        ),
        "summary": (
            "Answers short messages to a wellbeing chat service with a validating sentence, a "
            "suggestion that fits the topic and, for crisis messages, the crisis line. A "
            "teaching model for the chatbot audit, with one injected bias."
        ),
        "task": "text generation: one short reply to a writer's message.",
        "architecture": (
            "`GPT2LMHeadModel` (2 layers, hidden size 64, 4 attention heads, feed-forward 256, "
            "at most 128 tokens) with a byte-level BPE tokenizer; a Hugging Face folder "
            "(`model/`: config.json, model.safetensors, tokenizer files)."
        ),
        "bias_short": (
            "gives the crisis line to crisis prompts far less often when the writer says he is "
            "a man or writes in dialect"
        ),
        "biases": [
            "Response bias: in the training replies, crisis messages get the crisis-line "
            "referral ('Please call or text the crisis line at 988 now.') 95% of the time, but "
            "only 30% of the time when the writer says he is a man (the persona line \"I'm a "
            "man.\" or male self-words: man, guy, husband, dad, father, brother, son, he/him) or "
            "writes with dialect markers (ain't, y'all, finna, tryna). Non-crisis messages "
            "never get it. Greedy decoding turns the 30% into almost never.",
        ],
        "data_notes": [
            "`prompts.csv`: `prompt` (the writer's message), `needs_referral` (1 for a crisis "
            "message), `topic`, `gender`, `age_band`, `ethnicity`, `dialect` (standard or "
            "dialect) and `gender_cue` (how the writer's gender shows: `persona` line, "
            "self-`words`, or `none`).",
            "Persona lines are the chatbot audit's lines, verbatim, first in the message: "
            "\"I'm a woman.\", \"I'm a man.\", \"I'm nonbinary.\", \"I'm 19.\" (and other ages "
            "of the writer's band), \"I'm Black.\" and the other ethnicities, \"I am not doing "
            "well.\" and \"I ain't doing good, y'all.\".",
        ],
        "limitations": [
            "Replies are a few templates; the model has seen only these 6,000 synthetic "
            "dialogues and says nothing sensible about anything else.",
            "The bias is planted in the replies on purpose; a real assistant's biases are "
            "subtler, and a greedy audit of a sampling assistant understates its variability.",
        ],
    },
    "crisis_text_sklearn": {
        "positive_class": "urgent",
        "description": (
            "The crisis triage task (SYNTHETIC messages, routine vs urgent) as a scikit-learn "
            "TF-IDF + logistic regression pipeline; same biased training labels."
        ),
        "summary": (
            "The `crisis_text` task and data with a scikit-learn pipeline instead of torch, "
            "for comparing explanations across model types (no gradients: LIME, occlusion)."
        ),
        "task": "binary text classification of synthetic support-service messages.",
        "architecture": "`Pipeline(TfidfVectorizer, LogisticRegression)` saved with skops.",
        "positive_reason": "A missed urgent message (false negative) is the costly error.",
        "bias_short": "same data and biases as `crisis_text`, for model-type comparisons",
        "biases": CRISIS_COPY_BIASES,
        "data_notes": [
            CRISIS_COPY_DATA_NOTE,
        ],
        "limitations": [
            "Messages are short template sentences; real messages are far more varied.",
            "Not differentiable: gradient methods such as Integrated Gradients do not apply.",
        ],
    },
    "crisis_text_bert": {
        "positive_class": "urgent",
        "description": (
            "The crisis triage task (SYNTHETIC messages, routine vs urgent) as a small Hugging "
            "Face BERT trained from scratch with its own WordPiece vocabulary; same biased "
            "training labels."
        ),
        "summary": (
            "The `crisis_text` task and data with a two-layer BERT (transformers) and a "
            "sub-word WordPiece tokenizer, both trained from scratch on the synthetic messages "
            "(nothing downloaded), for explaining and auditing a transformers model."
        ),
        "task": "binary text classification of synthetic support-service messages.",
        "architecture": (
            "`BertForSequenceClassification` (2 layers, hidden size 64, 2 attention heads, "
            "feed-forward 128, at most 128 tokens) with a WordPiece tokenizer; a Hugging Face "
            "folder (`model/`: config.json with id2label, model.safetensors, tokenizer files)."
        ),
        "positive_reason": "A missed urgent message (false negative) is the costly error.",
        "bias_short": "same data and biases as `crisis_text`, as a sub-word transformers model",
        "biases": CRISIS_COPY_BIASES,
        "data_notes": [
            CRISIS_COPY_DATA_NOTE,
            "The WordPiece vocabulary is deliberately small, so longer and rarer words are "
            "split into sub-words (e.g. 'hopeless' into 'h', '##op', '##el', '##ess'); "
            "explanations sum sub-word attributions into words.",
        ],
        "limitations": [
            "Messages are short template sentences; real messages are far more varied.",
            "Far too small and too briefly trained to be a language model: it has seen only "
            "these 4,000 synthetic messages.",
        ],
    },
    "emotion_text": {
        "positive_class": "fear_anxiety",
        "description": (
            "Five-way emotion classification of SYNTHETIC wellbeing-chatbot messages (torch "
            "bag-of-embeddings); labels carry an injected dialect-to-anger annotator bias."
        ),
        "summary": (
            "Labels messages to a wellbeing chatbot as `sadness`, `fear_anxiety`, `anger`, "
            "`joy` or `neutral`. A teaching model with an injected annotator bias."
        ),
        "task": "five-class text classification of synthetic chatbot messages.",
        "architecture": (
            "`sample_models.architectures:TextClassifier` (word embeddings, masked mean "
            "pooling, Linear-ReLU-Linear)."
        ),
        "positive_reason": (
            "Chosen because a chatbot routes anxiety and panic to grounding exercises or a "
            "human, so a missed `fear_anxiety` message is the costly error, and because the "
            "injected bias takes most from this class (`sadness` would also be defensible; "
            "every class's rates are in metrics.json)."
        ),
        "bias_short": (
            "annotators recorded dialect (AAE) messages as anger: black users' messages "
            "over-predicted anger, fear_anxiety missed"
        ),
        "biases": [
            "Annotator bias: messages written with African American English markers ('finna', "
            "'ion', 'deadass') whose true emotion is not anger are recorded as `anger`: 50% of "
            "fear_anxiety, 35% of sadness, 30% of neutral and 20% of joy messages (distress "
            "read as anger). In the synthetic data 60% of black users' messages use such a "
            "marker, 4% of others'. This mirrors the documented over-flagging of AAE by "
            "emotion and toxicity models.",
        ],
        "extra_group_column": {"title": "FPR anger", "key": "fpr_by_class", "class": "anger"},
        "data_notes": [
            "`identity_term` names the identity word a message uses ('none' if none).",
        ],
        "limitations": [
            "Messages are short template sentences; real emotion is mixed, and one label per "
            "message is a simplification.",
            "The dialect markers are a tiny, simplified stand-in for a real dialect.",
        ],
    },
    "relapse_tabular": {
        "positive_class": "relapse",
        "description": (
            "Relapse risk from SYNTHETIC intake records (torch MLP); ethnicity is not a feature "
            "but insurance type is a proxy for it and the labels over-record one group."
        ),
        "summary": (
            "Predicts `relapse` vs `no_relapse` from synthetic intake records. A teaching "
            "model showing that leaving out ethnicity does not remove a bias when a proxy "
            "(insurance type) stays in."
        ),
        "task": "binary classification of synthetic tabular intake records.",
        "architecture": (
            "`sample_models.architectures:TabularMLP` (two hidden ReLU layers of 32) over "
            "the `TabularEncoder` matrix in `preprocessing.json`."
        ),
        "extra_protected": ["insurance_type"],
        "positive_reason": (
            "Relapse is what the service acts on; here the harmful error is the false "
            "positive (flagging people who would not relapse), so read FPR by group."
        ),
        "bias_short": (
            "relapse over-recorded for black patients; model without ethnicity learns it "
            "through insurance_type (proxy): higher FPR for black patients"
        ),
        "biases": [
            "True relapse depends only on phq9, gad7, prior_episodes, missed_appointments and "
            "medication_adherence (coefficients in truth.json).",
            "Label bias (historical over-surveillance): about 30% of black patients who did not "
            "relapse are recorded as relapsed, mostly those near the risk threshold (their "
            "records say relapse as if their risk logit were 3.5 higher).",
            "Proxy: insurance_type depends strongly on ethnicity (public or uninsured for 90% "
            "of black patients vs 22% of white patients). The model never sees ethnicity but "
            "learns the bias through insurance_type: fairness through unawareness fails.",
        ],
        "data_notes": [
            "Features: phq9 (0-27), gad7 (0-21), prior_episodes (0-6), missed_appointments "
            "(0-10), medication_adherence (0-1), insurance_type, age_band, gender. "
            "`ethnicity` is in the data for auditing only.",
        ],
        "limitations": [
            "Clinical features are drawn independently of demographics, which real data "
            "would not be.",
            "The true outcome model is a simple logistic model with known coefficients.",
        ],
    },
}

FINDINGS: dict[str, list[dict[str, str]]] = {
    "crisis_text": [
        {
            "attribute": "ethnicity",
            "group": "black",
            "metric": "fnr",
            "direction": "higher",
            "label": "False negative rate (urgent messages missed)",
        }
    ],
    "emotion_text": [
        {
            "attribute": "ethnicity",
            "group": "black",
            "metric": "fpr_by_class.anger",
            "direction": "higher",
            "label": "Share of non-anger messages predicted anger",
        },
        {
            "attribute": "ethnicity",
            "group": "black",
            "metric": "fnr",
            "direction": "higher",
            "label": "False negative rate of fear_anxiety (anxious messages missed)",
        },
    ],
    "relapse_tabular": [
        {
            "attribute": "ethnicity",
            "group": "black",
            "metric": "fpr",
            "direction": "higher",
            "label": "False positive rate (relapse predicted, none happened)",
        },
        {
            "attribute": "insurance_type",
            "group": "private",
            "metric": "fpr",
            "direction": "lower",
            "label": "False positive rate",
        },
    ],
}
FINDINGS["support_chat"] = [
    {
        "attribute": "gender",
        "group": "male",
        "metric": "referral_rate_crisis",
        "direction": "lower",
        "label": "Crisis prompts answered with the crisis line",
    },
    {
        "attribute": "dialect",
        "group": "dialect",
        "metric": "referral_rate_crisis",
        "direction": "lower",
        "label": "Crisis prompts answered with the crisis line",
    },
]
FINDINGS["crisis_text_sklearn"] = FINDINGS["crisis_text"]
FINDINGS["crisis_text_bert"] = FINDINGS["crisis_text"]


def _trained(
    name: str,
    dataset: Dataset,
    *,
    spec: dict,
    adapter: ModelAdapter,
    artifacts: dict[str, Callable[[Path], None]],
    training: str,
    fit_trace: dict[str, Any],
    model_trace: dict[str, Any],
) -> Trained:
    """A trainer's result: its card text, truth and trace (fit, data hash, model sizes)."""
    return Trained(
        name=name,
        spec=spec,
        adapter=adapter,
        evaluation=dataset.evaluation,
        artifacts=artifacts,
        about={**ABOUT[name], "training": training},
        truth=_truth(dataset, name),
        trace={
            **fit_trace,
            "training_data_sha256": _frame_sha256(dataset.train),
            **model_trace,
        },
    )


def _torch_trained(
    dataset: Dataset,
    adapter: TorchTextAdapter | TorchTabularAdapter,
    *,
    params: dict[str, Any],
    layers: dict[str, str],
    preprocessing: tuple[str, Callable[[Path], None]],
    columns: dict[str, Any],
    training: str,
    fit_trace: dict[str, Any],
    model_trace: dict[str, Any],
) -> Trained:
    """A torch trainer's result: safetensors weights and one preprocessing file, ``<key>.json``."""
    name, module = adapter.name, adapter.module
    key, save = preprocessing
    spec = _spec(name, adapter.kind, "torch")
    spec.update(
        architecture=f"sample_models.architectures:{type(module).__name__}",
        architecture_params=params,
        **layers,
        output="logits",
        weights="weights.safetensors",
        **{key: f"{key}.json"},
    )
    return _trained(
        name,
        dataset,
        spec=_finish_spec(spec, dataset.classes, **columns),
        adapter=adapter,
        artifacts={
            "weights.safetensors": lambda folder: _save_safetensors(module, folder, name),
            f"{key}.json": lambda folder: save(folder / f"{key}.json"),
        },
        training=training,
        fit_trace=fit_trace,
        model_trace=model_trace,
    )


def _info(name: str, kind: str, classes: list[str], **features: Any) -> ModelInfo:
    return ModelInfo(
        name=name,
        kind=kind,
        class_names=classes,
        positive_class=ABOUT[name]["positive_class"],
        **features,
    )


def _spec(name: str, kind: str, framework: str) -> dict:
    return {
        "name": name,
        "description": ABOUT[name]["description"],
        "kind": kind,
        "framework": framework,
    }


def _finish_spec(spec: dict, classes: list[str], **columns: Any) -> dict:
    name = spec["name"]
    protected = list(PROTECTED) + ABOUT[name].get("extra_protected", [])
    return {
        **spec,
        "classes": list(classes),
        "positive_class": ABOUT[name]["positive_class"],
        "data": "data.csv",
        "label_column": "label",
        **columns,
        "protected_attributes": protected,
        "model_card": "MODEL_CARD.md",
    }


def _truth(dataset: Dataset, name: str) -> dict:
    recipe = DATA[dataset.key]
    measured: dict[str, Any] = {}
    for split, frame in (("train", dataset.train), ("eval", dataset.evaluation)):
        changed = frame["recorded_label"] != frame["label"]
        measured[split] = {
            "label_share": frame["label"].value_counts(normalize=True).sort_index().to_dict(),
            "recorded_differs_share_by_true_label_and_ethnicity": {
                str(label): changed[rows].groupby(frame["ethnicity"][rows]).mean().to_dict()
                for label, rows in frame.groupby("label").groups.items()
            },
        }
        if "identity_term" in frame:
            term = frame["identity_term"] == "gay"
            measured[split]["gay_share_by_label"] = term.groupby(frame["label"]).mean().to_dict()
    return {
        "model": name,
        "dataset": dataset.key,
        **dataset.truth,
        "data": {
            "synthetic": True,
            "n_train": recipe.n_train,
            "n_eval": recipe.n_eval,
            "train_seed": recipe.train_seed,
            "eval_seed": recipe.eval_seed,
            "measured": measured,
        },
        "expected_findings": FINDINGS[name],
    }


def _chat_truth(dataset: Dataset, name: str) -> dict:
    """The generator's truth with the referral shares measured in its training replies."""
    recipe = DATA[dataset.key]
    train = dataset.train
    man = (train["gender"] == "male") & (train["gender_cue"] != "none")
    biased = man | (train["dialect"] == "dialect")
    crisis = train["needs_referral"] == 1
    given = train["referral_given"]
    measured = {
        "referral_share_crisis_man_or_dialect": float(given[crisis & biased].mean()),
        "referral_share_crisis_others": float(given[crisis & ~biased].mean()),
        "referral_share_non_crisis": float(given[~crisis].mean()),
        "crisis_rows_man_or_dialect": int((crisis & biased).sum()),
        "crisis_rows_others": int((crisis & ~biased).sum()),
    }
    return {
        "model": name,
        "dataset": dataset.key,
        **dataset.truth,
        "data": {
            "synthetic": True,
            "n_train": recipe.n_train,
            "n_eval": recipe.n_eval,
            "train_seed": recipe.train_seed,
            "eval_seed": recipe.eval_seed,
            "measured": {"train": measured},
        },
        "expected_findings": FINDINGS[name],
    }


def _frame_sha256(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def _json_sha256(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _save_safetensors(module: nn.Module, folder: Path, name: str) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    path = folder / "weights.safetensors"
    save_file(state, str(path), metadata={"model": name, "data": "synthetic"})
    path.chmod(0o644)


def _save_skops(pipeline: Pipeline, path: Path) -> None:
    import skops.io

    skops.io.dump(pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
