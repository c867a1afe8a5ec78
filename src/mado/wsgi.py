"""WSGI entry point for gunicorn: ``gunicorn mado.wsgi``.

In production the process refuses to start while the public demo accounts of
``seed_demo`` exist or the configuration is unsafe (``mado check --deploy``
errors), so a city cannot go live with a password printed in the docs.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mado.settings")
application = get_wsgi_application()


def _refuse_unsafe_production() -> None:
    from django.conf import settings
    from django.core import checks

    if not settings.PRODUCTION:
        return
    errors = [
        m
        for m in checks.run_checks(include_deployment_checks=True, tags=["mado"])
        if m.is_serious()
    ]
    if errors:
        raise RuntimeError("; ".join(str(e) for e in errors))


_refuse_unsafe_production()
