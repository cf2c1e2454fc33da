"""The consumers of a sizing result leave the kept cluster side as they found it (issue 16).

Results of sizings of one cluster share the kept side's BoM line and explanation dicts, its
summary parts and the priced fabric designs (engine/side.py, gateway._priced): read-only by
convention. This sizes a workload, lets every consumer a user reaches handle that result (the
wizard page and fragment, its exports, a quote with discounts and its print document, the
scenario and the API serializers), then sizes the same workload and another load on the same
cluster again: the kept side and both answers must equal deep copies taken before.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from apps.accounts.choices import Role
from apps.api.renderers import render_json
from apps.api.serializers.engine import SizingResultSerializer
from apps.api.serializers.sizing import ScenarioDetailSerializer
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import PriceBook
from apps.quotes import document
from apps.quotes.services import quote_create_from_workload, quote_update
from apps.sizing import adapters, exports, gateway
from apps.sizing.wizard.form import WizardForm
from tests.accounts.factories import make_user

from .conftest import HTMX_RESULT, SMALL, login


def kept_sides_json() -> dict[Any, Any]:
    """Every kept cluster side of the current snapshot as JSON: its BoM lines and
    explanations (``as_json``, the dicts results share) and its summary parts."""
    sides = adapters.catalog_snapshot().__dict__.get("_cluster_sides") or {}
    return {
        key: (
            [line.as_json() for line in side.bom],
            [e.as_json() for part in side.explained for e in part],
            side.__dict__.get("_summary"),
        )
        for key, side in sides.items()
    }


def test_consumers_leave_the_kept_cluster_side_and_later_answers_unchanged(catalog, orgs):
    sales = make_user("kept-sales", orgs["seller"], Role.SALES)
    client = login(sales)
    form = WizardForm.from_query(QueryDict(urlencode(SMALL)), catalog=adapters.catalog_snapshot())
    assert form.is_valid(), form.errors
    workload = form.workload()  # what the wizard sizes for SMALL
    book = PriceBook.objects.get(code="SAMPLE-USD")

    result = gateway.size(workload, book=book).result
    assert result is not None
    sides = kept_sides_json()
    assert sides, "the sizing kept no cluster side"
    result_before, sides_before = copy.deepcopy(result), copy.deepcopy(sides)

    # The wizard: full page, htmx result fragment and its exports (each sizes SMALL again).
    for headers in ({}, HTMX_RESULT):
        page = client.get(reverse("sizing:wizard"), SMALL, headers=headers)
        assert page.status_code == 200 and "bom" in page.content.decode().lower()
    for name in ("export_json", "export_csv", "export_xlsx"):
        assert client.get(reverse(f"sizing:{name}"), SMALL).status_code == 200

    # Exports and the API's serializers of the very result.
    pricing = exports.Pricing.of(book, catalog_selectors.price_map(book.code))
    assert exports.bom_csv(result, pricing) and exports.bom_xlsx(result, pricing)
    assert render_json(result) and SizingResultSerializer(result).data

    # A quote with a discount (scenario saved from the same sizing), line discounts, and its
    # print document built from the quote's in-memory result (the gateway's dicts).
    quote = quote_create_from_workload(
        user=sales,
        workload=workload,
        scenario_name="Kept side",
        customer_company="ACME",
        customer_contact="Ann",
        customer_email="ann@example.com",
        price_book=book,
        discount_percent="5",
    )
    assert quote.sizing_result is quote.scenario.result  # in memory: the gateway's dicts
    assert ScenarioDetailSerializer(quote.scenario).data["result"]
    context = document.document_context(quote)
    assert context["explanations"] and context["rack_table"]
    line = quote.lines.all()[0]
    updated = quote_update(
        user=sales, quote=quote, data={"discount_percent": "7"}, line_discounts={line.pk: "3"}
    )
    assert updated.discount_amount > 0 and document.document_context(updated)["explanations"]

    again = gateway.size(workload, book=book).result
    other_load = {**workload, "inference": {**workload["inference"], "concurrent_users": 12}}
    other = gateway.size(other_load, book=book).result
    assert again is not None and other is not None
    assert other["bom"][0] is again["bom"][0], "the other load is not on the same kept cluster"

    assert kept_sides_json() == sides_before
    assert again == result_before
    assert result == result_before  # consumers did not change the answer they were given
    assert other["bom"] == result_before["bom"]
    assert other["fabric_designs"] == result_before["fabric_designs"]
    assert other["node"] == result_before["node"] and other["cluster"] == result_before["cluster"]
