import pytest
from django.urls import reverse

from apps.catalog import models
from apps.catalog.models import PriceBook

CATALOG_MODELS = [
    models.Part,
    models.Gpu,
    models.LlmModel,
    models.Platform,
    models.NodeProfile,
    models.NodePart,
    models.Cpu,
    models.Dimm,
    models.NetworkAdapter,
    models.Switch,
    models.Cable,
    models.License,
    models.PriceBook,
    models.Price,
    models.CatalogRevision,
]


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=lambda m: m.__name__)
def test_changelist_loads_with_search(admin_client, sample_catalog, model):
    name = f"admin:catalog_{model._meta.model_name}_changelist"
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0
    assert admin_client.get(reverse(name), {"q": "B"}).status_code == 200


def test_part_changelist_search_and_filters(admin_client, sample_catalog):
    url = reverse("admin:catalog_part_changelist")
    assert admin_client.get(url, {"q": "quantum"}).context["cl"].result_count == 2
    assert admin_client.get(url, {"category__exact": "cpu"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"orderable__exact": "1"}).context["cl"].result_count == 20


def test_price_book_page_has_inline_prices(admin_client, sample_catalog):
    book = PriceBook.objects.get()
    response = admin_client.get(reverse("admin:catalog_pricebook_change", args=[book.pk]))
    assert response.status_code == 200
    assert "450.50" in response.content.decode()
