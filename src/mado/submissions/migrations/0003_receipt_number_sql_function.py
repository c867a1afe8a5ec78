"""``mado_damm(text)``: the receipt number's check digit, in SQL (PostgreSQL only).

Why: the JSON API takes the receipt number and stores the submission in one
statement (mado.submissions.completion), so the number must be formatted
where the sequence is incremented — in the database. The table is generated
from :data:`mado.submissions.receipts._DAMM`, so Python and SQL share one
definition, and a test checks that they agree. SQLite keeps the Python path.
"""

from django.db import migrations

from mado.submissions.receipts import damm_sql_function


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(damm_sql_function())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS mado_damm(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("submissions", "0002_outbox_and_lean_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
