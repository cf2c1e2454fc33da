from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("api/v1/", include("apps.api.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("sizing/", include("apps.sizing.urls")),
    path("", include("apps.quotes.urls")),
    path("", include("apps.core.urls")),
]

# A database outage raised outside a view still answers 503 + Retry-After (apps.ops).
handler500 = "apps.ops.views.server_error"
