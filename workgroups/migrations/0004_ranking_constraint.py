"""On PostgreSQL, check the unique priority within a list at commit instead of row by row.

A reorder can then write each moved row once (one UPDATE) instead of clearing and rewriting it:
half the row versions, index entries and WAL of a save (bench/ranking.py). The model keeps the
plain constraint: with `deferrable=` Django would create none on SQLite, which has no deferrable
constraints; there the constraint stays immediate and the save clears before it writes.
"""

from django.db import migrations

TABLE = "workgroups_project"
NAME = "project_unique_priority_in_list"
COLUMNS = "workgroup_id, cycle_id, priority"


def _replace(schema_editor, deferrable):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{NAME}", '
        f'ADD CONSTRAINT "{NAME}" UNIQUE ({COLUMNS}){" DEFERRABLE INITIALLY DEFERRED" if deferrable else ""}'
    )


def make_deferred(apps, schema_editor):
    _replace(schema_editor, deferrable=True)


def make_immediate(apps, schema_editor):
    _replace(schema_editor, deferrable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("workgroups", "0003_submissions"),
    ]

    operations = [
        migrations.RunPython(make_deferred, make_immediate, elidable=False),
    ]
