"""Ceilings per funding source are compared with the list's totals from each source wherever the
office looks at a workgroup's figures: the ranking page and the office's dashboard (page and JSON),
through the one comparison `ranking.ListFigures.source_rows`."""

import pytest
from django.db.models import Sum

from programs.models import FundingSource
from workgroups.models import Project, ProjectFunding, SourceCeiling, Workgroup, WorkgroupCycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def capped(current_cycle):
    """Civil's list with a ceiling on the source it uses most (below its total) and on one it does
    not use at all."""
    civil = Workgroup.objects.get(slug="civil")
    share = WorkgroupCycle.objects.get(workgroup=civil, cycle=current_cycle)
    used = (
        ProjectFunding.objects.filter(
            project__workgroup=civil, project__cycle=current_cycle, project__state=Project.State.PROPOSED
        )
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by("-total")
        .first()
    )
    assert used is not None, "the demo's civil list has split requests"
    source = FundingSource.objects.get(pk=used["source"])
    unused = FundingSource.objects.exclude(
        pk__in=ProjectFunding.objects.filter(project__workgroup=civil).values("source")
    ).first()
    SourceCeiling.objects.create(share=share, source=source, amount=used["total"] - 1)
    SourceCeiling.objects.create(share=share, source=unused, amount=500)
    return {"share": share, "source": source, "total": used["total"], "unused": unused}


def test_dashboard_compares_each_capped_source_as_the_ranking_page_does(client, personas, capped):
    client.force_login(personas["head_a"])
    page_rows = {row.name: row for row in client.get("/workgroups/civil/").context["source_totals"]}
    client.force_login(personas["office"])
    response = client.get("/office/")
    [row] = [row for row in response.context["rows"] if row.workgroup.slug == "civil"]
    source, unused = capped["source"], capped["unused"]
    assert row.capped_sources == [page_rows[source.name], page_rows[unused.name]]
    assert row.capped_sources[0] == (source.name, capped["total"], capped["total"] - 1)
    assert row.capped_sources[0].is_over and not row.capped_sources[1].is_over
    assert row.capped_sources[1] == (unused.name, 0, 500)

    html = response.content.decode()
    assert f'data-source-ceiling="{source.name}"' in html and "(بیش از سقف)" in html
    others = [r for r in response.context["rows"] if r.workgroup.slug != "civil"]
    assert all(r.capped_sources == [] for r in others)


def test_dashboard_json_carries_the_source_ceilings(client, personas, capped):
    client.force_login(personas["office"])
    [civil] = [w for w in client.get("/office/dashboard.json").json()["workgroups"] if w["slug"] == "civil"]
    assert civil["source_ceilings"] == [
        {"source": capped["source"].name, "requested": capped["total"], "ceiling": capped["total"] - 1},
        {"source": capped["unused"].name, "requested": 0, "ceiling": 500},
    ]
