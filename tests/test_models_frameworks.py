"""The framework table: every framework loads an example of every kind it reads, spec checks come
from its row, and a framework added to the table alone loads through ``load_model``."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from workbench import SpecError, load_dataset, load_model, load_spec, sample_model_specs
from workbench.models import FRAMEWORKS, Framework, ModelAdapter, Need
from workbench.models._frameworks import MSG_KIND_NOT_SUPPORTED

pytest.importorskip("transformers")
from test_models_generative import GPT2_KEYS, save_tiny_gpt2  # noqa: E402
from test_models_transformers import KEYS as BERT_KEYS  # noqa: E402
from test_models_transformers import save_tiny_bert  # noqa: E402

CLASSES = {"classes": ["routine", "urgent"], "positive_class": "urgent"}
TEXTS = ["I feel hopeless tonight", "need a refill"]
ROWS = pd.DataFrame({"phq9": [3.0, 21.0, 12.0], "missed": [0.0, 4.0, 1.0]})
MSG_NEEDS_LEVEL = "framework {framework!r} needs 'weights', a file holding the urgent level"


def urgent_when_hopeless(texts):
    """A rule: a message that says 'hopeless' is urgent."""
    return [[0.1, 0.9] if "hopeless" in t.lower() else [0.8, 0.2] for t in texts]


def urgent_when_depressed(frame):
    """A rule: a PHQ-9 of 15 or more is urgent."""
    return [[0.2, 0.8] if phq9 >= 15 else [0.7, 0.3] for phq9 in frame["phq9"]]


def answer_kindly(prompt):
    """A chat rule: every prompt gets the same kind answer."""
    return f"Thank you for telling me: {prompt}"


def _sample(name):
    spec = sample_model_specs()[name]
    data = load_dataset(spec).head(5)
    return spec, data["text"].tolist() if load_spec(spec).kind == "text" else data


def _sklearn_tabular(spec_writer):
    path = spec_writer(name="lr", kind="tabular", framework="sklearn", weights="model.skops",
                       feature_columns=list(ROWS.columns), **CLASSES)
    estimator = LogisticRegression().fit(ROWS, ["routine", "urgent", "routine"])
    skops.io.dump(estimator, path.parent / "model.skops")
    return path, ROWS


def _transformers_text(spec_writer):
    path = spec_writer(**BERT_KEYS)
    save_tiny_bert(path.parent / "bert")
    return path, TEXTS


def _callable_text(spec_writer):
    entry = f"{__name__}:urgent_when_hopeless"
    return spec_writer(name="rule", kind="text", framework="callable", entry=entry,
                       **CLASSES), TEXTS


def _callable_tabular(spec_writer):
    entry = f"{__name__}:urgent_when_depressed"
    return spec_writer(name="rule", kind="tabular", framework="callable", entry=entry,
                       feature_columns=list(ROWS.columns), **CLASSES), ROWS


def _transformers_generative(spec_writer):
    path = spec_writer(**GPT2_KEYS)
    save_tiny_gpt2(path.parent / "gpt2")
    return path, TEXTS


def _callable_generative(spec_writer):
    entry = f"{__name__}:answer_kindly"
    return spec_writer(name="kind", kind="generative", framework="callable", entry=entry), TEXTS


EXAMPLES = {
    ("torch", "text"): lambda spec_writer: _sample("crisis_text"),
    ("torch", "tabular"): lambda spec_writer: _sample("relapse_tabular"),
    ("sklearn", "text"): lambda spec_writer: _sample("crisis_text_sklearn"),
    ("sklearn", "tabular"): _sklearn_tabular,
    ("transformers", "text"): _transformers_text,
    ("callable", "text"): _callable_text,
    ("callable", "tabular"): _callable_tabular,
    ("transformers", "generative"): _transformers_generative,
    ("callable", "generative"): _callable_generative,
}


@pytest.mark.parametrize(
    ("framework", "kind"),
    [(framework.name, kind) for framework in FRAMEWORKS.values() for kind in framework.kinds],
)
def test_every_framework_loads_an_example_of_every_kind_it_reads(framework, kind, spec_writer):
    assert (framework, kind) in EXAMPLES, f"add an example {framework} {kind} model to EXAMPLES"
    path, inputs = EXAMPLES[framework, kind](spec_writer)
    model = load_model(path)
    assert (model.framework, model.kind) == (framework, kind)
    if kind == "generative":
        responses = model.generate(inputs)
        assert len(responses) == len(inputs) and all(isinstance(r, str) for r in responses)
        return
    proba = model.predict_proba(inputs)
    assert proba.shape == (len(inputs), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_every_example_is_a_framework_and_kind_of_the_table():
    assert set(EXAMPLES) == {(f.name, kind) for f in FRAMEWORKS.values() for kind in f.kinds}


class ConstantAdapter(ModelAdapter):
    """Every input is urgent with the same probability."""

    framework = "constant"

    def __init__(self, urgent: float, info, *, batch_size: int = 256) -> None:
        super().__init__(info, batch_size=batch_size)
        self.urgent = urgent

    def _predict_batch(self, batch):
        return np.tile([1 - self.urgent, self.urgent], (len(batch), 1))


def load_constant(spec, info, batch, *, trust_pickle):
    """A constant model whose urgent probability is the number in the spec's weights file."""
    return ConstantAdapter(float(spec.weights.read_text()), info, **batch)


@pytest.fixture
def constant_framework(monkeypatch):
    """A framework registered in the table alone: a row naming its kinds, needs and loader."""
    row = Framework(
        name="constant",
        kinds=("text",),
        needs=(Need("weights", MSG_NEEDS_LEVEL),),
        loader=f"{__name__}:load_constant",
    )
    monkeypatch.setitem(FRAMEWORKS, row.name, row)
    return row


def test_a_framework_added_to_the_table_loads_through_load_model(constant_framework, spec_writer):
    path = spec_writer(name="flat", kind="text", framework="constant", weights="level.txt",
                       batch_size=2, **CLASSES)
    (path.parent / "level.txt").write_text("0.75")
    model = load_model(path)
    assert isinstance(model, ConstantAdapter) and model.batch_size == 2
    np.testing.assert_allclose(model.predict_proba(TEXTS), [[0.25, 0.75], [0.25, 0.75]])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"kind": "text"}, MSG_NEEDS_LEVEL.format(framework="constant")),
        (
            {"kind": "tabular", "weights": "level.txt", "feature_columns": ["phq9"]},
            MSG_KIND_NOT_SUPPORTED.format(framework="constant", kinds="'text'"),
        ),
    ],
    ids=["need", "kind"],
)
def test_a_framework_added_to_the_table_has_its_spec_checked_by_its_row(
    constant_framework, spec_writer, keys, message
):
    path = spec_writer(name="flat", framework="constant", **keys, **CLASSES)
    (path.parent / "level.txt").write_text("0.75")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"model spec {path.resolve()}: {message}"


def test_a_framework_not_in_the_table_is_refused_with_the_tables_names(spec_writer):
    path = spec_writer(name="flat", kind="text", framework="constant", entry="m:f", **CLASSES)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).endswith(
        f"'framework' must be one of {list(FRAMEWORKS)}; got 'constant'"
    )


def test_checking_a_spec_imports_no_framework():
    probe = (
        "import sys; from workbench import load_spec, sample_model_specs; "
        "[load_spec(path) for path in sample_model_specs().values()]; "
        "print(','.join(m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
