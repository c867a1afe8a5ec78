"""The ``mado`` console script: Django management with the project's settings.

Operators run ``.venv/bin/mado migrate`` or ``.venv/bin/mado seed_demo`` without
having to know where ``manage.py`` lives or which settings module to export.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mado.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
