from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.part_list, name="part_list"),
    path("gpus/", views.gpu_compare, name="gpu_compare"),
]
