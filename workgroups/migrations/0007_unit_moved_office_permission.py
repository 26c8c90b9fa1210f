"""The second half of moving `Unit` to programs (programs 0003): the foreign keys of workgroups now
point at programs.Unit and workgroups forgets its own Unit. State only: the table, its rows and
the constraints that reference it are untouched. Django's content type of the model (which its
permissions and admin log entries hang on) is renamed so nothing attached to it is lost.

Also adds the budget office's permission `workgroups.budget_office` (on Cycle)."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="workgroups", model="unit").first()
    if old is None:
        return  # a fresh database: post_migrate creates programs.unit
    if ContentType.objects.filter(app_label="programs", model="unit").exists():
        old.delete()
        return
    old.app_label = "programs"
    old.save(update_fields=["app_label"])


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="programs", model="unit").update(app_label="workgroups")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("programs", "0003_unit_moved_codeimport"),
        ("workgroups", "0006_coding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="workgroup",
                    name="deputy",
                    field=models.OneToOneField(limit_choices_to={"kind": "deputy"}, on_delete=django.db.models.deletion.PROTECT, related_name="workgroup", to="programs.unit", verbose_name="معاونت"),
                ),
                migrations.AlterField(
                    model_name="unitexpert",
                    name="unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="experts", to="programs.unit", verbose_name="واحد"),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="proposing_unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="proposed_projects", to="programs.unit", verbose_name="واحد پیشنهاددهنده"),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="responsible_deputy",
                    field=models.ForeignKey(limit_choices_to={"kind": "deputy"}, on_delete=django.db.models.deletion.PROTECT, related_name="responsible_projects", to="programs.unit", verbose_name="معاونت مسئول"),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="co_proposers",
                    field=models.ManyToManyField(blank=True, related_name="co_proposed_projects", to="programs.unit", verbose_name="واحدهای پیشنهاددهنده دیگر"),
                ),
                migrations.DeleteModel(name="Unit"),
            ],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
        migrations.AlterModelOptions(
            name="cycle",
            options={"ordering": ["-fiscal_year"], "permissions": [("budget_office", "کار دفتر برنامه و بودجه: همه کارگروه\u200cها، بررسی، تطبیق و خروجی")], "verbose_name": "دوره بودجه", "verbose_name_plural": "دوره\u200cهای بودجه"},
        ),
    ]
