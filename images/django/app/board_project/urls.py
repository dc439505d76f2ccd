"""URL configuration: the board's pages and the health endpoint."""

from django.urls import include, path

urlpatterns = [
    path("", include("board.urls")),
]
