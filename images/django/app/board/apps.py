"""The community board application."""

from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = "Community board"
