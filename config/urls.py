from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("sizing/", include("apps.sizing.urls")),
    path("", include("apps.quotes.urls")),
    path("", include("apps.core.urls")),
]
