"""The wizard through its URL: full page vs htmx partials, field messages, dependent fields,
the what-if, assumptions, alternatives and the config.json upload."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from .conftest import HTMX_RESULT, HTMX_WIZARD, ROOT, SMALL

URL = "/sizing/"


def errors_of(html: str, name: str) -> list[str]:
    slot = re.search(rf'id="err-{name}"[^>]*>(.*?)</div>', html, re.S)
    return re.findall(r"<p>(.*?)</p>", slot.group(1)) if slot else []


def test_url_name_resolves():
    assert reverse("sizing:wizard") == URL


def test_requires_login(db):
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_full_page_shows_form_and_result_with_defaults(client_p1):
    response = client_p1.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="wizard-form"' in html and 'id="result"' in html
    assert "max concurrent users" in html and "SAMPLE prices" in html
    assert html.count("<svg") >= 3


def test_htmx_value_change_answers_the_result_partial_with_oob_error_slots(client_p1):
    response = client_p1.get(URL, SMALL, headers=HTMX_RESULT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="wizard-form"' not in html
    assert html.lstrip().startswith('<section id="result"')
    assert 'id="err-users" hx-swap-oob="true"' in html
    assert 'id="save-query"' in html and 'hx-swap-oob="true"' in html
    pushed = response["HX-Push-Url"]
    assert parse_qs(urlparse(pushed).query)["users"] == ["10"]


def test_htmx_controller_change_answers_the_whole_wizard(client_p1):
    response = client_p1.get(URL, {**SMALL, "kind": "lora"}, headers=HTMX_WIZARD)
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="wizard"')
    assert 'name="tokens_b"' in html and 'name="users"' not in html


def test_training_fields_only_for_training_kinds(client_p1):
    inference = client_p1.get(URL, SMALL).content.decode()
    training = client_p1.get(URL, {**SMALL, "kind": "pretraining", "gpu": "auto"}).content.decode()
    assert 'name="users"' in inference and 'name="tokens_b"' not in inference
    assert 'name="tokens_b"' in training and 'name="target_days"' in training
    assert 'name="users"' not in training and "days to train" in training


@pytest.mark.parametrize(
    ("gpu", "fp8"), [("h100-nvl-94gb", True), ("l40s-48gb", True), ("a100-sxm4-80gb", False)]
)
def test_precisions_follow_the_gpu(client_p1, gpu, fp8):
    html = client_p1.get(URL, {**SMALL, "gpu": gpu, "nodes": "1"}).content.decode()
    select = re.search(r'<select name="precision".*?</select>', html, re.S).group(0)
    assert ('value="fp8"' in select) is fp8


def test_a_precision_the_gpu_cannot_run_is_replaced_with_a_notice(client_p1):
    response = client_p1.get(
        URL, {**SMALL, "gpu": "a100-sxm4-80gb", "nodes": "2", "precision": "fp8"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "FP8 is not available on NVIDIA A100" in html
    assert "in 2 nodes" in html


def test_training_precisions_exclude_integer_formats(client_p1):
    html = client_p1.get(URL, {**SMALL, "kind": "lora", "gpu": "auto"}).content.decode()
    select = re.search(r'<select name="precision".*?</select>', html, re.S).group(0)
    assert 'value="int4"' not in select and 'value="bf16"' in select


def test_letters_in_a_number_show_the_form_message_beside_the_field(client_p1):
    response = client_p1.get(URL, {**SMALL, "users": "lots"})
    html = response.content.decode()
    assert response.status_code == 200
    assert errors_of(html, "users") == ["Enter a whole number, like 2000 (no letters)."]
    assert "Some inputs need attention" in html


def test_zero_users_show_the_limit_in_the_fields_units(client_p1):
    response = client_p1.get(URL, {**SMALL, "users": "0"}, headers=HTMX_RESULT)
    html = response.content.decode()
    assert response.status_code == 200
    assert errors_of(html, "users") == [
        "Concurrent users must be between 1 and 10,000,000 users; you typed 0."
    ]


def test_a_model_too_big_for_the_cluster_shows_the_engines_message(client_p1):
    # 405B at BF16 is split across nodes (pipeline parallel): one node of 8x L40S is too few,
    # and the message beside the node count says how many GPUs and nodes one replica needs.
    html = client_p1.get(URL, {**SMALL, "model": "llama-3.1-405b", "nodes": "1"}).content.decode()
    assert errors_of(html, "nodes") == [
        "Llama 3.1 405B at bf16 needs at least 24 GPUs (3 node(s)) per replica; this cluster has 8."
    ]


def test_a_custom_model_too_big_for_any_gpu_is_explained_once_per_gpu(client_p1):
    query = {
        "kind": "inference",
        "model_source": "custom",
        "users": "10",
        "gpu": "auto",
        "custom_layers": "200",
        "custom_hidden_size": "65536",
        "custom_heads": "512",
        "custom_kv_heads": "512",
        "custom_ffn_size": "262144",
        "custom_vocab_size": "32000",
        "custom_params_b": "20000",
    }
    html = client_p1.get(URL, query).content.decode()
    messages = errors_of(html, "custom_params_b")
    assert messages and all("does not fit" in m for m in messages)
    assert len(messages) == len(set(messages)) == 3  # one per orderable GPU, not per fabric


def test_friendly_numbers_are_accepted(client_p1):
    html = client_p1.get(URL, {**SMALL, "users": "1,000"}).content.decode()
    assert errors_of(html, "users") == [] and 'id="result"' in html


def test_switching_to_a_custom_model_starts_from_the_library_model(client_p1):
    html = client_p1.get(URL, {**SMALL, "model_source": "custom"}).content.decode()
    assert 'name="custom_layers"' in html and 'value="32"' in html  # Llama 3.1 8B
    assert "Some inputs need attention" not in html


def test_assumption_override_reaches_the_engine_and_the_url(client_p1):
    response = client_p1.get(
        URL, {**SMALL, "a_eff_mem": "0.3", "a_goodput": "0.88"}, headers=HTMX_RESULT
    )
    html = response.content.decode()
    pushed = parse_qs(urlparse(response["HX-Push-Url"]).query)
    assert pushed["a_eff_mem"] == ["0.3"] and "a_goodput" not in pushed  # default dropped
    assert re.search(r'<tr class="overridden">.*?a_eff_mem', html, re.S)


@pytest.mark.parametrize("kind", ["inference", "pretraining", "lora", "qlora"])
def test_the_editable_assumptions_are_those_the_kinds_model_reads(client_p1, kind):
    """As in the read-only why panel and the PDF (spec `kinds=`): training-only ones not for
    inference and the other way round, the QLoRA base-model bytes only for QLoRA."""
    from apps.sizing.engine import spec

    query = {**SMALL, "kind": kind, "gpu": "l40s-48gb"}
    html = client_p1.get(URL, query, headers=HTMX_WIZARD).content.decode()
    table = re.search(r'<table class="assumptions">.*?</table>', html, re.S).group(0)
    inputs = set(re.findall(r'<input type="text" name="(a_\w+)"', table))
    assert inputs == {i.short for i in spec.ASSUMPTIONS if kind in i.kinds}
    assert ("a_goodput" in inputs) is (kind != "inference")
    assert ("a_eff_mem" in inputs) is (kind == "inference")
    assert ("a_qlora_bytes_per_param" in inputs) is (kind == "qlora")
    assert {"a_rack_units_per_rack", "a_nvlink_efficiency"} <= inputs  # read by every kind
    assert 'id="kept-assumptions"' not in html  # nothing overridden


def test_an_override_for_another_kind_is_kept_and_said(client_p1):
    """A goodput set while sizing training stays in the workload and the URL when the kind
    becomes inference (hidden input, named under the table with a link removing it) and is
    back in its row when the kind is training again."""
    training = {**SMALL, "kind": "pretraining", "gpu": "l40s-48gb", "a_goodput": "0.8"}
    html = client_p1.get(URL, training, headers=HTMX_WIZARD).content.decode()
    assert re.search(
        r'<tr class="overridden">.*?name="a_goodput" id="id_a_goodput" value="0.8"', html, re.S
    )

    response = client_p1.get(URL, {**training, "kind": "inference"}, headers=HTMX_WIZARD)
    html = response.content.decode()
    assert 'id="id_a_goodput"' not in html  # not editable: inference does not read it
    kept = re.search(r'id="kept-assumptions">(.*?)</div>', html, re.S).group(1)
    assert '<input type="hidden" name="a_goodput" value="0.8">' in kept
    text = re.sub(r"<[^>]+>", "", kept)
    assert "not read when sizing inference" in text
    assert "Goodput (useful share of training time) = 0.8" in text
    assert "(read for the training kinds)" in text
    pushed = parse_qs(urlparse(response["HX-Push-Url"]).query)
    assert pushed["a_goodput"] == ["0.8"] and pushed["kind"] == ["inference"]
    remove = re.search(r'<a href="\?([^"]+)">Remove</a>', kept).group(1)
    removed = parse_qs(remove.replace("&amp;", "&"))
    assert "a_goodput" not in removed and removed["kind"] == ["inference"]

    result = client_p1.get(URL, {**training, "kind": "inference"}, headers=HTMX_RESULT)
    assert "overridden" not in re.search(
        r'<table class="assumptions">.*?</table>', result.content.decode(), re.S
    ).group(0)
    back = client_p1.get(URL, training, headers=HTMX_WIZARD).content.decode()
    assert 'id="kept-assumptions"' not in back
    assert re.search(r'<tr class="overridden">.*?id="id_a_goodput" value="0.8"', back, re.S)


def test_a_kept_override_reaches_the_engine(client_p1):
    """Kept in the workload (every door accepts any override; the result lists it as the
    user's input), though the inference model does not read it."""
    from apps.sizing import adapters, gateway
    from apps.sizing.wizard import WizardForm

    form = WizardForm.from_query({**SMALL, "a_goodput": "0.8"}, catalog=adapters.catalog_snapshot())
    assert form.is_valid(), form.errors
    assert form.workload()["assumptions"] == {"goodput": 0.8}
    result = gateway.size(form.workload()).result
    assert result["assumption_overrides"] == ["goodput"] and result["assumptions"]["goodput"] == 0.8


def test_whatif_shows_the_effect_side_by_side(client_p1):
    html = client_p1.get(URL, {**SMALL, "wi_nodes": "3"}).content.decode()
    table = re.search(r'id="whatif-table".*?</table>', html, re.S).group(0)
    assert "Nodes" in table and "+2" in table
    assert "Make it the sizing" in table and table.count('class="apply-whatif"') == 1


def test_two_whatif_changes_are_sized_one_at_a_time(client_p1):
    """ "Change one thing": each change is its own column, never a stacked run."""
    both = client_p1.get(URL, {**SMALL, "wi_nodes": "3", "wi_precision": "fp8"})
    table = re.search(r'id="whatif-table".*?</table>', both.content.decode(), re.S).group(0)
    heads = re.findall(r'<th scope="col" class="num">(.*?)</th>', table)
    assert heads[0] == "Now" and len(heads) == 3
    assert heads[1].startswith("Fixed node count: 3") and "FP8" in heads[2]
    alone = {}
    for extra in ({"wi_nodes": "3"}, {"wi_precision": "fp8"}):
        html = client_p1.get(URL, {**SMALL, **extra}).content.decode()
        cells = re.search(r'id="whatif-table".*?</table>', html, re.S).group(0)
        alone[next(iter(extra))] = cells

    # the precision column of the pair equals precision alone (the node change did not add up)
    def column(table_html: str, n: int) -> list[str]:
        return [
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[n]
            for row in re.findall(r"<tbody>.*?</tbody>", table_html, re.S)[0].split("</tr>")[:-1]
        ]

    assert column(table, 2) == column(alone["wi_precision"], 1)
    assert column(table, 1) == column(alone["wi_nodes"], 1)
    apply = re.findall(r'class="apply-whatif"', table)
    assert len(apply) == 2


def test_alternatives_inline_for_auto_and_on_demand_for_a_chosen_gpu(client_p1):
    auto = client_p1.get(URL, {**SMALL, "gpu": "auto", "fabric": "auto"}).content.decode()
    assert "Alternatives side by side" in auto and "NVIDIA L40S 48GB" in auto
    chosen = client_p1.get(URL, SMALL).content.decode()
    assert "Compare GPUs and fabrics" in chosen
    partial = client_p1.get(
        reverse("sizing:alternatives"), SMALL, headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.startswith('<section id="alternatives"')
    assert partial.count("Use this") >= 2 and "SAMPLE" in partial


def test_model_search_narrows_the_options(client_p1):
    html = client_p1.get(reverse("sizing:model_options"), {"q": "mixtral"}).content.decode()
    assert "Mixtral 8x7B" in html and "Llama" not in html


def _upload(client, content: bytes, **state):
    upload = io.BytesIO(content)
    upload.name = "config.json"
    return client.post(reverse("sizing:upload_config"), {"config": upload, **state})


def test_hugging_face_config_becomes_a_custom_model(client_p1):
    config = {
        "_name_or_path": "meta-llama/Llama-2-7b-hf",
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "intermediate_size": 11008,
        "vocab_size": 32000,
        "max_position_embeddings": 4096,
    }
    response = _upload(client_p1, json.dumps(config).encode(), **SMALL)
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["model_source"] == ["custom"] and query["custom_layers"] == ["32"]
    assert query["users"] == ["10"]  # the rest of the state is kept
    assert abs(float(query["custom_params_b"][0]) - 6.74) < 0.01  # computed: Llama 2 7B
    page = client_p1.get(response["Location"]).content.decode()
    assert "meta-llama/Llama-2-7b-hf" in page and "max concurrent users" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "That file is not valid JSON"),
        (b'{"model_type": "bert"}', "num_hidden_layers is required (a whole number)"),
        (b"[1, 2]", "That file must be a JSON object (a model configuration)."),
        (b'{"num_hidden_layers": -3, "hidden_size": 4096}', "must be between 1 and 1,000, got -3"),
    ],
)
def test_a_bad_config_file_gets_a_clear_message(client_p1, content, message):
    response = _upload(client_p1, content, **SMALL)
    assert response.status_code == 400 and message in response.content.decode()
    htmx = _upload_htmx(client_p1, content)
    assert htmx.status_code == 200 and message in htmx.content.decode()


def _upload_htmx(client, content: bytes):
    upload = io.BytesIO(content)
    upload.name = "config.json"
    return client.post(
        reverse("sizing:upload_config"), {"config": upload, **SMALL}, headers={"HX-Request": "true"}
    )


def test_wizard_exports_match_the_result(client_p1):
    csv_response = client_p1.get(reverse("sizing:export_csv"), SMALL)
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    assert csv_response.content.decode().splitlines()[0] == (
        "Section,Part number,Description,Quantity,Unit price,Extended price,Currency,"
        "Price book,Reason"
    )
    xlsx = client_p1.get(reverse("sizing:export_xlsx"), SMALL)
    assert xlsx.content[:2] == b"PK"


def test_exports_of_invalid_input_go_back_to_the_wizard(client_p1):
    response = client_p1.get(reverse("sizing:export_csv"), {**SMALL, "users": "x"})
    assert response.status_code == 302 and response["Location"].startswith(URL)


@pytest.mark.parametrize("mode", ["size", "capacity"])
@pytest.mark.parametrize("kind", ["inference", "pretraining", "lora"])
def test_the_form_is_derived_from_the_specification(client_p1, kind, mode):
    """Every specification input the wizard shows for this kind and mode is a field, with the
    specification's label and unit beside it; nothing else the engine reads is asked."""
    from apps.sizing.engine import spec
    from apps.sizing.wizard import codec

    query = {**SMALL, "kind": kind, "mode": mode, "nodes": "2", "gpu": "l40s-48gb"}
    html = client_p1.get(URL, query).content.decode()
    for i in codec.wizard_inputs():
        if codec.is_assumption(i):  # in the "why" panel when this kind's model reads it
            assert (f'name="{i.short}"' in html) is (kind in i.kinds), i.path
            continue
        shown = codec.applies(i, kind, mode, custom=False)
        assert (f'name="{i.short}"' in html) is shown, i.path
        if shown and i.type in ("number", "integer") and (i.display_unit or i.unit):
            unit = i.display_unit or i.unit
            label = re.search(rf'<label for="id_{i.short}">(.*?)</label>', html, re.S).group(1)
            assert i.label in label and f"({unit})" in label, i.path
    assert ('name="nodes"' in html) is (mode == "capacity")
    assert ('name="headroom"' in html) is (mode == "size")
    assert set(spec.MODES) <= set(re.findall(r'<option value="(size|capacity)"', html))


def test_capacity_mode_asks_no_user_count(client_p1):
    query = {**SMALL, "mode": "capacity", "nodes": "2", "users": ""}
    html = client_p1.get(URL, query).content.decode()
    assert "Some inputs need attention" not in html
    assert "in 2 nodes" in html


def test_all_field_errors_at_once_each_naming_its_field_in_its_units(client_p1):
    query = {
        **SMALL,
        "users": "0",
        "prompt_tokens": "lots",
        "ttft_s": "-1",
        "headroom": "5000",
        "a_goodput": "2",
    }
    html = client_p1.get(URL, query).content.decode()
    summary = re.search(r'id="error-summary".*?</ul>', html, re.S).group(0)
    items = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    assert items == [
        "Concurrent users must be between 1 and 10,000,000 users; you typed 0.",
        "Prompt length: Enter a whole number, like 2000 (no letters).",
        "Time to first token must be more than 0 and at most 86,400 seconds; you typed -1.",
        "Growth headroom must be between 0 and 1,000%; you typed 5000.",
        "Goodput (useful share of training time) must be between 0.01 and 1; you typed 2.",
    ], items


def test_training_tokens_limits_are_said_in_billions(client_p1):
    query = {**SMALL, "kind": "pretraining", "tokens_b": "1e12", "target_days": "30"}
    html = client_p1.get(URL, query).content.decode()
    message = errors_of(html, "tokens_b")[0]
    assert "at most 10,000,000 billion tokens; you typed 1e12" in message
    assert "e+21" not in html


def test_a_cross_field_error_arrives_with_the_limit_errors(client_p1):
    query = {
        "kind": "inference",
        "model_source": "custom",
        "users": "0",
        "custom_layers": "32",
        "custom_hidden_size": "4096",
        "custom_heads": "32",
        "custom_kv_heads": "5",
        "custom_ffn_size": "11008",
        "custom_vocab_size": "32000",
        "custom_params_b": "6.7",
    }
    html = client_p1.get(URL, query).content.decode()
    assert errors_of(html, "users") == [
        "Concurrent users must be between 1 and 10,000,000 users; you typed 0."
    ]
    assert errors_of(html, "custom_kv_heads") == ["Key/value heads must divide heads."]


def test_a_published_deepseek_config_fills_every_architecture_field(client_p1):
    content = (ROOT / "fixtures" / "model_configs" / "deepseek-v3" / "config.json").read_bytes()
    response = _upload(client_p1, content, **{**SMALL, "gpu": "h100-nvl-94gb", "precision": "fp8"})
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    # the engine's parser: MLA, shared experts and leading dense layers, counts computed
    assert query["custom_kv_lora_rank"] == ["512"] and query["custom_qk_rope_head_dim"] == ["64"]
    assert query["custom_shared_experts"] == ["1"] and query["custom_dense_layers"] == ["3"]
    assert query["custom_experts"] == ["256"] and query["custom_experts_per_token"] == ["8"]
    assert abs(float(query["custom_params_b"][0]) - 671) < 0.01 * 671
    page = client_p1.get(response["Location"], headers=HTMX_RESULT).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "Some inputs need attention" not in text
    assert "EP" in text and "to first token" in text  # sized, experts spread over GPUs


def test_a_second_upload_replaces_the_first_models_fields(client_p1):
    first = (ROOT / "fixtures" / "model_configs" / "deepseek-v3" / "config.json").read_bytes()
    state = parse_qs(urlparse(_upload(client_p1, first, **SMALL)["Location"]).query)
    second = (ROOT / "fixtures" / "model_configs" / "llama-3.1-8b" / "config.json").read_bytes()
    flat = {k: v[0] for k, v in state.items()}
    query = parse_qs(urlparse(_upload(client_p1, second, **flat)["Location"]).query)
    assert "custom_kv_lora_rank" not in query and "custom_shared_experts" not in query
    assert query["custom_layers"] == ["32"] and query["custom_kv_heads"] == ["8"]


def test_a_whatif_change_that_cannot_be_sized_says_so_in_its_own_column(client_p1):
    html = client_p1.get(
        URL,
        {
            **SMALL,
            "model": "llama-3.1-405b",
            "gpu": "h100-nvl-94gb",
            "precision": "bf16",
            "wi_nodes": "1",
            "wi_precision": "fp8",
        },
    ).content.decode()
    panel = re.search(r'id="whatif".*?</fieldset>', html, re.S).group(0)
    said = re.search(r'role="alert"><p>Fixed node count: 1 nodes:</p><p>([^<]+)</p>', panel)
    assert said and "needs at least 16 GPUs" in said.group(1)
    table = re.search(r'id="whatif-table".*?</table>', panel, re.S).group(0)
    assert table.count('class="apply-whatif"') == 1  # only the change that was sized
