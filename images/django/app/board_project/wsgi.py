"""WSGI entry point: Gunicorn loads `board_project.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board_project.settings")

application = get_wsgi_application()
