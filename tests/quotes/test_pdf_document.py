"""The reference-architecture PDF read as a customer reads it: no engine key or raw
enumeration anywhere in its text, numbers without float noise, the acceptance block, and a
4,096-node cluster summarised to a readable length."""

from __future__ import annotations

import re

import pytest

from apps.quotes import money, pdf, services
from apps.quotes.document import document_context

from . import documents, factories
from .pdftext import page_texts, squash

pytestmark = pytest.mark.django_db

# What a person must never read: snake_case identifiers (`bare_metal`,
# `target_tokens_per_s_per_user`), dotted engine paths (`inference.ttft_s`), raw enumeration
# values such as `n+0`, and float noise (a run of 9+ significant digits after the first 3).
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
DOTTED = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]+)+\b")
RAW_ENUMS = re.compile(r"(?<![A-Za-z(])n\+[01]\b|\bbare.metal\b|\bfat.tree.\d\b")
NOISE = re.compile(r"\d{1,3}(?:,\d{3}){4,}")
EMAIL = re.compile(r"\S+@\S+")


def engine_keys(text: str) -> list[str]:
    """Every engine-like identifier left in a document's text."""
    text = EMAIL.sub(" ", text)
    return sorted(
        {
            m.group(0)
            for pattern in (SNAKE, DOTTED, RAW_ENUMS, NOISE)
            for m in pattern.finditer(text)
        }
    )


# Label defects: an acronym lower-cased mid-sentence ("pP send", "gPUs used"), a layout axis
# in lower case ("Layout: cp"; they read TP/CP/PP/DP/EP), a code file or path cited as a
# source ("engine/floor.py", "engine/py"), a label without its noun ("tokens per = 452,241 s",
# ", = 3"), an input with no value ("frozen weight bytes = —") and a list shown as its count
# ("Runners up: 3 items"). Allowed: real words that start in lower case ("vLLM", "kW").
LOWERED_ACRONYM = re.compile(r"\b[a-z][A-Z]+\w*\b")
ACRONYM_WORDS = {"vLLM", "kW", "kWh"}
LOWER_AXIS = re.compile(r"\b(?:tp|cp|pp|dp|ep)\b")
CODE_FILE = re.compile(r"\b\w+\.py\b|\bengine/|\w/py\b")
NOUNLESS = re.compile(r"(?:^|[,;:(]|\b(?:with|and|per|of|for|to|the|a|at))\s*=\s")
NO_VALUE = re.compile(r"=\s*—")
ITEM_COUNT = re.compile(r"\b\d+ items\b")


def label_defects(text: str) -> list[str]:
    """Every label defect in a document's text, with a little context."""
    text = " ".join(EMAIL.sub(" ", text).split())
    found = []
    for pattern in (LOWERED_ACRONYM, LOWER_AXIS, CODE_FILE, NOUNLESS, NO_VALUE, ITEM_COUNT):
        for m in pattern.finditer(text):
            if m.group(0) not in ACRONYM_WORDS:
                found.append(text[max(m.start() - 30, 0) : m.end() + 10])
    return sorted(set(found))


def test_the_label_detector_finds_what_it_must() -> None:
    bad = [
        "with gPUs used = 48",
        "pP send = 0 s",
        "Layout: cp 1",
        "Source: floor model (engine/floor.py)",
        "Source: engine/py; Young 1974",
        "goodput = 0.88 and tokens per = 452,241 s.",
        "with = 3",
        "frozen weight bytes = —.",
        "Runners up 3 items",
    ]
    assert [b for b in bad if not label_defects(b)] == []
    fine = (
        "GPUs used = 48 · PP send · vLLM · 30 kW · USD 0.127 per kWh · nccl-tests PERFORMANCE.md"
        " · Layout: context parallel (CP) 1 · USD 42,214.88 = power kW × average load · k³/4 ="
    )
    assert label_defects(fine) == []


def test_the_detector_finds_what_it_must() -> None:
    bad = ["inference.ttft_s", "bare_metal", "n+0", "828,000,000,000,000,041,943,040"]
    assert all(engine_keys(key) for key in bad)
    assert engine_keys("ada@example.com · N+0 · e.g. · 1,536 · 8.28 × 10²³ FLOP") == []


def _sent(user, workload, capture):
    quote = factories.make_quote(user, scenario=factories.make_scenario(user, workload))
    with capture(execute=False):
        quote, _ = services.quote_send(user=user, quote=quote)
    return quote


def assert_plain_words(text: str, workload: dict) -> None:
    """No engine key in a document's text, its chapters there, enumerations in words."""
    assert engine_keys(text) == []
    assert label_defects(text) == []
    assert "Sizing rationale" in text and "Acceptance and signatures" in text
    if workload.get("deployment"):
        assert "Bare metal" in text  # the enumeration in words


# Each document is rendered once (~1 s of CPU a render): the seed's Large and the inference
# document are checked for plain words by the tests that read them below
# (test_the_document_says_each_thing_once_and_its_costs_in_money,
# test_an_inference_pdf_explains_the_serving_plan); the pre-training document (the one
# test_pdf_training_plan reads, tests/quotes/conftest.py) here. A LoRA fine-tuning document
# too: its memory and step explanations have inputs the pre-training one leaves out (frozen
# weights, LoRA parameters); rejected, it also serves the rejected acceptance block's test.
LORA = {
    "kind": "lora",
    "model": "llama-2-70b",
    "gpu": "h100-nvl-94gb",
    "training": {"tokens": 1e9, "target_days": 2},
}
PREPOSITIONS = {"per", "of", "for", "to", "the", "a", "at", "with", "and"}


@pytest.fixture
def lora_document(settings, book, sales_user, media_root, django_capture_on_commit_callbacks):
    """A LoRA quote with a 5 % discount (within the seller's 15 %), sent and rejected by the
    customer: its plain words and its acceptance block, one render (once per process)."""

    def build() -> documents.Document:
        settings.QUOTES_DISCOUNT_LIMITS = {"sales": "15"}
        scenario = factories.make_scenario(sales_user, LORA)
        quote = factories.make_quote(sales_user, scenario=scenario)
        quote = services.quote_update(user=sales_user, quote=quote, data={"discount_percent": "5"})
        with django_capture_on_commit_callbacks(execute=False):
            quote, _ = services.quote_send(user=sales_user, quote=quote)
        link, _token = services.share_link_create(user=sales_user, quote=quote)
        with django_capture_on_commit_callbacks(execute=False):
            rejected = services.quote_reject(link=link, name="Grace Hopper", reason="Over budget")
        document = documents.render(rejected)
        document.seen.update(decision=rejected.decision, link_pk=link.pk)
        return document

    return documents.once("lora, 5 % within the limit, rejected", build)


@pytest.mark.parametrize(
    "document_fixture", ["training_document", "lora_document"], ids=["pretraining", "lora"]
)
def test_no_engine_key_in_the_document_text(document_fixture, request) -> None:
    document = request.getfixturevalue(document_fixture)
    assert_plain_words(document.raw, document.quote.sizing_inputs)
    # every table row has a label that names its figure, and a figure
    ctx = document.context
    rows = ctx["workload"] + [row for _, section in ctx["figures"] for row in section]
    bad = [
        (label, value)
        for label, value in rows
        if not label.strip()
        or label.rstrip().endswith(":")
        or label.split()[-1].lower() in PREPOSITIONS
        or value in {"", "—"}
    ]
    assert bad == []
    assert all(a["label"] and a["source"] for a in ctx["assumptions"])


def test_the_rationale_is_sentences_with_the_numbers(
    book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    quote = _sent(sales_user, factories.LARGE_WORKLOAD, django_capture_on_commit_callbacks)
    ctx = document_context(quote)
    result = quote.sizing_result
    joined = " ".join(ctx["rationale"])
    assert f"{result['gpu_count']:,} × {result['gpu_name']}" in joined
    assert f"{result['node_count']} nodes" in joined
    assert "tokens/s" in joined and joined.count(".") >= 3
    assert all(e["sentence"].endswith(".") for e in ctx["explanations"] if e["sentence"])
    # every assumption carries its source
    assert ctx["assumptions"] and all(a["source"] for a in ctx["assumptions"])


def test_acceptance_block_names_who_accepted_when_and_the_total(accepted_document) -> None:
    # The block before acceptance ("Not yet accepted", signature lines) is checked on the sent
    # document of test_pdf.py (test_document_holds_number_parts_total_and_sample_label…).
    accepted, pages = accepted_document.quote, accepted_document.pages
    block = squash(
        next(p for p in pages if "Acceptance and signatures" in p and "Accepted by" in p)
    )
    assert "GraceHopper" in block
    assert squash(f"{accepted.number} rev. {accepted.revision}") in block
    assert squash(money.format_money(accepted.total, accepted.currency)) in block
    assert "sharelink#" in block or "share link" in " ".join(pages)


def test_a_4096_node_cluster_is_summarised_under_30_pages(
    book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    quote = _sent(
        sales_user, {**factories.LARGE_WORKLOAD, "nodes": 4096}, django_capture_on_commit_callbacks
    )
    rendered = pdf.render_quote(quote)
    text = "\n".join(page_texts(rendered.data))
    assert rendered.pages < 30
    assert engine_keys(text) == []
    racks = len(quote.sizing_result["cluster"]["racks"])
    assert f"{racks:,} racks in" in text  # grouped elevations say what they stand for
    ctx = document_context(quote)
    assert sum(int(r["count"].replace(",", "")) for r in ctx["rack_table"]) == racks


def test_acceptance_block_reads_the_recorded_decision_and_the_discount_rule(
    lora_document,
) -> None:
    """Rejected: who, when, through which link, why (QuoteDecision). A discount within the
    seller's limit says no approval was needed rather than "not recorded". (The LoRA document
    whose plain words test_no_engine_key_in_the_document_text checks.)"""
    acc = lora_document.context["acceptance"]
    decision, link_pk = lora_document.seen["decision"], lora_document.seen["link_pk"]
    assert (acc["rejected"], acc["accepted"], acc["name"], acc["when"]) == (
        True,
        False,
        "Grace Hopper",
        decision.decided_at,
    )
    assert acc["link"].startswith(f"share link #{link_pk} ")
    assert (acc["revision"], acc["total"]) == (decision.revision, decision.total)
    text = lora_document.text
    assert squash("Rejected by Grace Hopper") in text and squash("“Over budget”") in text
    assert squash("Discount 5 % within the seller's discount limit (no approval needed)") in text
    assert "Notyetaccepted" not in text and "Totalaccepted" not in text


def test_an_inference_pdf_explains_the_serving_plan(accepted_document) -> None:
    # The inference document that test_acceptance_block_names_who_accepted… reads too.
    quote, raw, text = accepted_document.quote, accepted_document.raw, accepted_document.text
    inference = quote.sizing_result["inference"]
    for needle in (
        "Serving plan",
        "Parallel layout of one replica",
        inference["layout"]["label"],
        "Prefill of one prompt",
        "Decode step",
        "KV cache of the running sequences",
        "Time per output token (ms)",
        "Sources",
    ):
        assert squash(needle) in text, needle
    # each source printed once, numbered; the rules cite it by its number
    ctx = document_context(quote)
    assert ctx["sources"] and len(set(ctx["sources"])) == len(ctx["sources"])
    for n, source in enumerate(ctx["sources"], 1):
        assert text.count(squash(f"[{n}] {source}")) == 1, source
        assert f"[{n}]" in text.replace(squash(f"[{n}] {source}"), ""), f"[{n}] never cited"
    assert "Source:" not in text  # not repeated under each rule
    assert_plain_words(raw, quote.sizing_inputs)


def test_the_document_says_each_thing_once_and_its_costs_in_money(
    book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    """The serving figures are explained once (in the serving plan; the rationale's list
    names them and points there), the inference figures table is the plain figures only, the
    cost lines are money and units, and the fabric designs are side by side."""
    from apps.quotes.document import explained_in_plan

    quote = _sent(sales_user, factories.LARGE_WORKLOAD, django_capture_on_commit_callbacks)
    result = quote.sizing_result
    ctx = document_context(quote)
    elsewhere = explained_in_plan(result)
    assert {"inference.layout", "inference.decode_step_ms", "inference.ttft_s"} <= elsewhere
    pointers = [e for e in ctx["explanations"] if e.get("see")]
    assert len(pointers) == len(elsewhere) and all(e["figure"] for e in pointers)
    rows = dict(ctx["figures"])["Inference figures"]
    assert rows and not [label for label, _ in rows if ":" in label or label == "Explained"]
    # what the serving plan prints (layout, replicas, memory per GPU, targets) is not repeated
    labels = {label for _, section in ctx["figures"] for label, _ in section}
    assert "Concurrent users" in labels and "Model weights" in labels
    assert not labels & {"Tensor parallel degree", "Model replicas", "Weights per GPU"}
    assert not labels & {"Time to first token", "Decode step", "Usable memory per GPU"}
    raw = "\n".join(page_texts(pdf.render_quote(quote).data))
    assert_plain_words(raw, factories.LARGE_WORKLOAD)
    text = squash(raw)
    by_figure = {e["figure"]: e for e in result["explanations"] if isinstance(e, dict)}
    for key in elsewhere:  # each rule once: in the serving plan, not again in the rationale
        rule = squash(by_figure[key]["rule"])[:40]
        assert text.count(rule) == 1, key
    # money and units, never raw sums ("Capex = 8238855.00")
    assert not re.search(r"= \d{5,}(?:\.\d+)?\b", raw)
    capex = squash(f"Hardware, software and services = {money.format_money(quote.total, 'USD')}")
    assert capex in text
    assert squash("Power at full load = ") + "72.8" in text and "kW" in text
    # the fabric designs, each with its part numbers, and the alternative's difference
    assert "Fabricdesignssidebyside" in text and "Difference" in text
    for design in result["fabric_designs"]:
        for part_number in design["parts"]:
            assert part_number in text, part_number
