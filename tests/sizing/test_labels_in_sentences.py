"""Labels inside sentences (apps/sizing/formatting.py): an acronym keeps its case, a count of
one is singular, and a training layout's axes read as the training plan names them."""

from __future__ import annotations

import pytest

from apps.sizing import formatting as fmt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Training time", "training time"),
        ("PP send", "PP send"),
        ("GPUs used", "GPUs used"),
        ("NVLink bridges per GPU pair", "NVLink bridges per GPU pair"),
        ("KV cache per GPU", "KV cache per GPU"),
        ("N active", "N active"),
        ("Llama 3 tokens", "Llama 3 tokens"),
        ("vLLM overhead", "vLLM overhead"),
        ("", ""),
    ],
)
def test_mid_sentence_keeps_acronyms_and_names(text: str, expected: str) -> None:
    assert fmt.mid_sentence(text) == expected


def test_nested_rows_and_free_text_keep_acronyms() -> None:
    rows = dict(fmt.rows({"layout": {"cp": 1, "ep": 2, "gpus_used": 48, "zero_stage": 1}}))
    assert set(rows) == {
        "Layout: context parallel (CP)",
        "Layout: expert parallel (EP)",
        "Layout: GPUs used",
        "Layout: ZeRO stage",
    }
    assert fmt.human_text("the time is pp_send_s plus nvlink_bridges") == (
        "the time is pipeline sends plus NVLink bridges"
    )
    # a label with its noun and unit ("tokens per = 452,241 s" before)
    assert fmt.label("tokens_per_s") == "Training throughput, whole cluster"
    assert fmt.value_of("tokens_per_s", 452241.6) == "452,242 tokens/s"
    # a code file name is left as it is (the document test then finds it), not "engine/py"
    assert fmt.human_text("engine/floor.py") == "engine/floor.py"


def test_a_count_of_one_is_singular() -> None:
    assert fmt.quantity(1, "racks") == "1 rack"
    assert fmt.quantity(2, "racks") == "2 racks"
    assert fmt.quantity(1, "GPUs") == "1 GPU"
    assert fmt.quantity(1.0, "kW") == "1 kW"
    assert fmt.quantity(1, ":1") == "1:1"
