"""URLs of the quotes app. Staff pages live under /quotes/; the customer's link under /q/."""

from django.urls import path

from . import views

app_name = "quotes"
urlpatterns = [
    path("quotes/", views.quote_list, name="list"),
    path(
        "quotes/new/from-scenario/<int:scenario_id>/",
        views.quote_create_from_scenario,
        name="create_from_scenario",
    ),
    path(
        "quotes/new/from-workload/",
        views.quote_create_from_workload,
        name="create_from_workload",
    ),
    path("quotes/<int:pk>/", views.quote_detail, name="detail"),
    path("quotes/<int:pk>/edit/", views.quote_edit, name="edit"),
    path("quotes/<int:pk>/send/", views.quote_send, name="send"),
    path("quotes/<int:pk>/revise/", views.quote_revise, name="revise"),
    path(
        "quotes/<int:pk>/discount/request/",
        views.quote_discount_request,
        name="discount_request",
    ),
    path(
        "quotes/<int:pk>/discount/<str:decision>/",
        views.quote_discount_decide,
        name="discount_decide",
    ),
    path("quotes/<int:pk>/links/", views.share_link_create, name="link_create"),
    path(
        "quotes/<int:pk>/links/<int:link_id>/revoke/", views.share_link_revoke, name="link_revoke"
    ),
    path("quotes/<int:pk>/pdf/", views.pdf_request, name="pdf_request"),
    path("quotes/<int:pk>/pdf/status/", views.pdf_status, name="pdf_status"),
    path("quotes/<int:pk>/pdf/download/", views.pdf_download, name="pdf_download"),
    path("q/<str:token>/", views.share_summary, name="share"),
    path("q/<str:token>/pdf/", views.share_pdf, name="share_pdf"),
    path("q/<str:token>/accept/", views.share_accept, name="share_accept"),
    path("q/<str:token>/reject/", views.share_reject, name="share_reject"),
]
