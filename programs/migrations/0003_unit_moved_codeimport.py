"""`Unit` moves from the workgroups app to programs (reference data), keeping its table
`workgroups_unit` and every row: only Django's state changes here (the database is untouched).
The workgroups app's 0007 then points its foreign keys at programs.Unit and drops its own state.
Also adds the history of code-table imports."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("programs", "0002_initial"),
        ("workgroups", "0006_coding"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Unit",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=16, unique=True, verbose_name="کد")),
                        ("name", models.CharField(max_length=255, verbose_name="نام")),
                        ("kind", models.CharField(choices=[("deputy", "معاونت"), ("district", "منطقه"), ("organization", "سازمان")], max_length=16, verbose_name="نوع")),
                        ("aliases", models.TextField(blank=True, help_text="هر نام در یک سطر؛ برای تطبیق نام\u200cها در ورود از اکسل.", verbose_name="نام\u200cهای دیگر")),
                        ("valid_from_year", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="معتبر از سال")),
                        ("valid_to_year", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="معتبر تا سال")),
                        ("search_key", models.CharField(default="", editable=False, max_length=1200)),
                        ("default_deputy", models.ForeignKey(blank=True, help_text="معاونتی که پروژه\u200cهای این واحد معمولاً در حوزه آن است.", limit_choices_to={"kind": "deputy"}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="programs.unit", verbose_name="معاونت پیش\u200cفرض")),
                    ],
                    options={
                        "verbose_name": "واحد سازمانی",
                        "verbose_name_plural": "واحدهای سازمانی",
                        "db_table": "workgroups_unit",
                        "ordering": ["kind", "code"],
                    },
                ),
                migrations.AlterField(
                    model_name="programcode",
                    name="deputy",
                    field=models.ForeignKey(blank=True, limit_choices_to={"kind": "deputy"}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="program_codes", to="programs.unit", verbose_name="معاونت"),
                ),
            ],
        ),
        migrations.CreateModel(
            name="CodeImport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="زمان")),
                ("scheme", models.CharField(choices=[("program", "کدهای برنامه عملیاتی"), ("budget", "کدهای بخشنامه بودجه")], max_length=16, verbose_name="جدول")),
                ("summary", models.CharField(max_length=500, verbose_name="خلاصه")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="جزئیات")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="کاربر")),
            ],
            options={
                "verbose_name": "ورود جدول کد",
                "verbose_name_plural": "سابقه ورود جدول\u200cهای کد",
                "ordering": ["-at", "-pk"],
            },
        ),
    ]
