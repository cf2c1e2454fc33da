"""URLs of the sizing wizard (/sizing/) and saved scenarios (/sizing/scenarios/)."""

from django.urls import path

from . import views

app_name = "sizing"
urlpatterns = [
    path("", views.wizard, name="wizard"),
    path("models/", views.model_options, name="model_options"),
    path("alternatives/", views.alternatives, name="alternatives"),
    path("upload-config/", views.upload_config, name="upload_config"),
    path("result.json", views.export_json, name="export_json"),
    path("bom.csv", views.export_csv, name="export_csv"),
    path("bom.xlsx", views.export_xlsx, name="export_xlsx"),
    path("scenarios/", views.scenario_list, name="scenario_list"),
    path("scenarios/save/", views.scenario_save, name="scenario_save"),
    path("scenarios/compare/", views.scenario_compare, name="scenario_compare"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario_detail"),
    path("scenarios/<int:pk>/rename/", views.scenario_rename, name="scenario_rename"),
    path("scenarios/<int:pk>/duplicate/", views.scenario_duplicate, name="scenario_duplicate"),
    path("scenarios/<int:pk>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenarios/<int:pk>/bom.csv", views.scenario_export_csv, name="scenario_export_csv"),
    path("scenarios/<int:pk>/bom.xlsx", views.scenario_export_xlsx, name="scenario_export_xlsx"),
]
