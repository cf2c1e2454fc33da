"""/api/v1/: the router of the partner REST API, its schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .views import catalog, meta, model_configs, quotes, sizing
from .views.schema import SchemaView

app_name = "api"

router = SimpleRouter()
router.register("catalog/parts", catalog.PartViewSet, basename="part")
router.register("catalog/gpus", catalog.GpuViewSet, basename="gpu")
router.register("catalog/platforms", catalog.PlatformViewSet, basename="platform")
router.register("catalog/models", catalog.LlmModelViewSet, basename="llm-model")
router.register("catalog/price-books", catalog.PriceBookViewSet, basename="price-book")
router.register("scenarios", sizing.ScenarioViewSet, basename="scenario")
router.register("model-configs", model_configs.ModelConfigViewSet, basename="model-config")
router.register("quotes", quotes.QuoteViewSet, basename="quote")


urlpatterns = [
    path("me/", meta.MeApi.as_view(), name="me"),
    path("sizing/", sizing.SizingApi.as_view(), name="sizing"),
    path("", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
