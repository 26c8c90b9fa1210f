from django.db import migrations

# The sources a Karaj budget draws on (docs/resources.md); the office edits them in the admin.
SOURCES = [
    "درآمدهای عمومی شهرداری",
    "درآمدهای اختصاصی شهرداری",
    "اعتبارات ملی",
    "اعتبارات استانی",
    "اوراق مشارکت",
    "مشارکت بخش خصوصی",
    "تسهیلات و وام",
]


def seed(apps, schema_editor):
    FundingSource = apps.get_model("programs", "FundingSource")
    for position, name in enumerate(SOURCES, start=1):
        FundingSource.objects.get_or_create(name=name, defaults={"position": position})


def unseed(apps, schema_editor):
    apps.get_model("programs", "FundingSource").objects.filter(name__in=SOURCES).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0005_funding_source")]

    operations = [migrations.RunPython(seed, unseed)]
