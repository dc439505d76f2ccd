"""The board's pages and its health endpoint."""

from django.urls import path

from . import views

app_name = "board"

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("api/health", views.health, name="health"),
]
