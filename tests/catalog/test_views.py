import pytest
from django.urls import reverse

from apps.catalog.models import Part

BANNER = "SAMPLE prices — not Lenovo list prices"


def test_pages_require_login(client, db):
    for name in ("catalog:part_list", "catalog:gpu_compare"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_part_list_full_page_with_sample_prices(sales_client, sample_catalog):
    response = sales_client.get(reverse("catalog:part_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="part-table"' in html
    assert BANNER in html
    assert "20 parts" in html and "25000.00" in html


def test_search_filters_the_table(sales_client, sample_catalog):
    html = sales_client.get(reverse("catalog:part_list"), {"q": "Quantum"}).content.decode()
    assert "2 parts" in html and "0724HEC" in html and "BP63" in html
    assert "BR9U" not in html


def test_category_filter(sales_client, sample_catalog):
    html = sales_client.get(reverse("catalog:part_list"), {"category": "cpu"}).content.decode()
    assert "1 part ·" in html and "BPVJ" in html and "BR9U" not in html


def test_htmx_request_gets_only_the_table(sales_client, sample_catalog):
    response = sales_client.get(reverse("catalog:part_list"), {"q": "BR9U"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="part-table">')
    assert "<html" not in html and "<form" not in html
    assert "BR9U" in html and BANNER in html


def test_bad_filter_input_is_reported(sales_client, sample_catalog):
    html = sales_client.get(reverse("catalog:part_list"), {"category": "gizmo"}).content.decode()
    assert "category: Select a valid choice. gizmo is not one of the available choices." in html
    html = sales_client.get(reverse("catalog:part_list"), {"page": "9"}).content.decode()
    assert "page: There are only 1 page(s) of results." in html
    html = sales_client.get(reverse("catalog:part_list"), {"page": "x"}).content.decode()
    assert "page: Enter a whole number." in html


def test_pagination_keeps_the_filters(sales_client, db):
    Part.objects.bulk_create(
        Part(part_number=f"P{i:03}", description="Cable", category="cable") for i in range(60)
    )
    html = sales_client.get(reverse("catalog:part_list"), {"q": "cable"}).content.decode()
    assert "Page 1 of 2" in html and "?q=cable&amp;page=2" in html
    assert BANNER not in html  # no price book, no prices, no banner


def test_part_list_query_budget(sales_client, sample_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert sales_client.get(reverse("catalog:part_list")).status_code == 200


@pytest.mark.django_db
def test_gpu_compare(sales_client, sample_catalog):
    html = sales_client.get(reverse("catalog:gpu_compare")).content.decode()
    h100 = html[html.index("NVIDIA H100 PCIe 80GB") :]
    h100 = h100[: h100.index("</tr>")]
    for cell in (
        "BR9U",
        ">80<",
        ">2000<",
        ">756<",
        ">1513<",
        ">350<",
        "NVLink bridge (pairs) 600 GB/s, 2 GPUs",
        "Orderable",
    ):
        assert cell in h100, cell
    a100 = html[html.index("NVIDIA A100 SXM4 80GB") :]
    a100 = a100[: a100.index("</tr>")]
    assert "Reference" in a100 and "NVSwitch 600 GB/s, 8 GPUs" in a100 and ">—<" in a100
