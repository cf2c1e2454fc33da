"""The Hugging Face config.json upload, clicked in Chromium: choose "Custom model", pick a
published config.json, click "Read config.json"; the engine's parser fills the architecture
fields and the wizard sizes the model. A broken file gets its message beside the upload."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import ROOT, Shots, log_in_by_cookie

pytestmark = pytest.mark.browser

CONFIGS = ROOT / "fixtures" / "model_configs"


def _custom_model_section(page, base: str) -> None:
    page.goto(f"{base}/sizing/?gpu=h100-nvl-94gb&precision=fp8&users=10")
    page.wait_for_selector("#result .status")
    page.wait_for_function("window.htmx !== undefined && !document.querySelector('.htmx-request')")
    # The wizard re-renders (htmx); the radio's input event must not start the result's
    # request, which would cancel that re-render on a slow server.
    page.check("input[name='model_source'][value='custom']")
    page.wait_for_selector("#id_config")


def test_uploading_a_published_config_sizes_that_model(tab, live_server, portal_user, tmp_path):
    page = tab
    shot = Shots(page, "config-upload")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    _custom_model_section(page, live_server.url)
    shot("custom-model-section")

    page.set_input_files("#id_config", str(CONFIGS / "qwen3-235b-a22b" / "config.json"))
    page.click("button[form='hf-upload']")
    page.wait_for_url("**/sizing/?*custom_layers=94*")
    page.wait_for_selector("#result .status")
    query = parse_qs(urlparse(page.url).query)
    assert query["model_source"] == ["custom"] and query["users"] == ["10"]  # state kept
    # Read by the engine's parser: explicit head size, 128 experts, 8 per token.
    assert page.input_value("#id_custom_head_dim") == "128"
    assert page.input_value("#id_custom_experts") == "128"
    assert page.input_value("#id_custom_experts_per_token") == "8"
    assert abs(float(page.input_value("#id_custom_params_b")) - 235) < 0.01 * 235
    assert "Qwen/Qwen3-235B-A22B" in page.input_value("#id_custom_name")
    assert "NVIDIA H100 NVL 94GB" in page.inner_text("#result .status")
    shot("qwen3-235b-sized")
    assert not page.console_errors, page.console_errors


def test_a_broken_config_is_explained_beside_the_upload(tab, live_server, portal_user, tmp_path):
    page = tab
    shot = Shots(page, "config-upload-errors")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    _custom_model_section(page, live_server.url)
    bad = tmp_path / "config.json"
    bad.write_text('{"model_type": "llama", "num_hidden_layers": -3, "hidden_size": "big"}')
    page.set_input_files("#id_config", str(bad))
    page.click("button[form='hf-upload']")
    page.wait_for_selector("#err-config >> text=num_hidden_layers must be between 1 and 1,000")
    errors = page.inner_text("#err-config")
    assert "hidden_size must be a whole number, got 'big'" in errors
    assert "vocab_size is required" in errors
    assert urlparse(page.url).path == "/sizing/"  # nothing replaced; the user stays put
    shot("field-errors")
