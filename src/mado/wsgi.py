"""WSGI entry point for gunicorn: ``gunicorn mado.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mado.settings")
application = get_wsgi_application()
