import datetime
import secrets

import jdatetime
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from karaj_budget.jalali import TEHRAN, end_of_jalali_day, persian_digits
from programs.models import BudgetCode, FundingSource, ProgramCode, Unit
from workgroups import demo_data, resources
from workgroups.access import ensure_budget_office_group
from workgroups.demo_history import seed_history
from workgroups.demo_monitoring import seed_monitoring
from workgroups.models import Cycle, Deadline, Membership, Project, UnitExpert, Workgroup, WorkgroupCycle
from workgroups.overlaps.services import overlaps_refresh

DEMO_PASSWORD = "karaj1399"
DEMO_JUSTIFICATION = "نیازسنجی در جلسه مشترک کارگروه با کارشناسان واحد پیشنهاددهنده انجام شد."


class Command(BaseCommand):
    help = (
        "Load the demo organisation, code tables, the 1399 cycle, a current demo cycle and the demo "
        "accounts (password karaj1399), and the 1399 round as it happened (both lists of every workgroup "
        "submitted with meetings, papers and letter numbers, and accepted). Safe to run again: existing "
        "rows are kept, nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Leave the 1399 round unsubmitted (the test suite plays it itself).",
        )
        parser.add_argument(
            "--i-know-this-is-production",
            action="store_true",
            dest="production",
            help="Load the demo data although DJANGO_DEBUG is off. Each new account then gets a random "
            "password, printed once; the published demo password is never used there.",
        )

    def handle(self, *args, no_history=False, **options):
        # Published demo passwords only where DJANGO_DEBUG is on (a developer's machine, CI).
        self.new_passwords = None
        if settings.PRODUCTION:
            if not options["production"]:
                raise CommandError(
                    "DJANGO_DEBUG is off: this looks like production, and the demo accounts share a "
                    "published password. Refusing; pass --i-know-this-is-production to load the demo data "
                    "with random passwords."
                )
            self.new_passwords = {}
        with transaction.atomic():
            deputies = self.seed_units()
            workgroups = self.seed_workgroups(deputies)
            self.seed_budget_codes()
            self.seed_program_codes(deputies)
            historical = self.seed_cycle(
                fiscal_year=1399,
                title="بودجه سال ۱۳۹۹",
                priorities_due=jdatetime.date(1398, 9, 15),
                coding_due=jdatetime.date(1398, 9, 20),
                is_current=False,
            )
            today = jdatetime.date.fromgregorian(date=timezone.localtime(timezone.now(), TEHRAN).date())
            demo_year = today.year + 1
            demo = self.seed_cycle(
                fiscal_year=demo_year,
                title=f"بودجه سال {persian_digits(demo_year)} (نمایشی)",
                priorities_due=today + datetime.timedelta(days=5),
                coding_due=today + datetime.timedelta(days=10),
                is_current=True,
            )
            created = self.seed_projects(historical, ranked=True) + self.seed_projects(demo, ranked=False)
            for cycle in (historical, demo):
                self.seed_ceilings(cycle, workgroups)
            self.seed_accounts(workgroups)
            for cycle in (historical, demo):
                overlaps_refresh(cycle=cycle)
            sent = reported = 0
            if not no_history:
                office = get_user_model().objects.get(username="office")
                sent = seed_history(cycle=historical, office=office)
                # The year being executed now: its round already played, its lists under monitoring.
                executed = self.seed_cycle(
                    fiscal_year=today.year,
                    title=f"بودجه سال {persian_digits(today.year)} (در حال اجرا)",
                    priorities_due=jdatetime.date(today.year - 1, 9, 15),
                    coding_due=jdatetime.date(today.year - 1, 9, 20),
                    is_current=False,
                )
                created += self.seed_projects(executed, ranked=True)
                self.seed_ceilings(executed, workgroups)
                overlaps_refresh(cycle=executed)
                sent += seed_history(cycle=executed, office=office)
                reported = seed_monitoring(executed=executed, current=demo, office=office)
        self.stdout.write(
            f"seed_demo: {len(workgroups)} workgroups, {created} new projects; "
            f"current cycle {demo.fiscal_year}, historical cycle {historical.fiscal_year} "
            f"({sent} new submissions, {reported} new monitoring reports)."
        )
        if self.new_passwords:
            self.stdout.write("New accounts and their passwords (shown once, not stored anywhere else):")
            for username, password in self.new_passwords.items():
                self.stdout.write(f"  {username} {password}")

    def seed_units(self):
        deputies = {}
        for code, name, _slug, _wg in demo_data.DEPUTIES:
            deputies[code], _ = Unit.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": Unit.Kind.DEPUTY,
                    "aliases": "\n".join(demo_data.DEPUTY_ALIASES.get(code, [])),
                },
            )
        for number in range(1, 12):
            digits = "۰۱۲۳۴۵۶۷۸۹"
            persian_number = "".join(digits[int(d)] for d in str(number))
            aliases = [
                f"منطقه {persian_number}",
                f"منطقه {number}",
                f"منطقه {demo_data.PERSIAN_ORDINALS[number - 1]}",
                f"شهرداری منطقه {persian_number} کرج",
                f"م{persian_number}",
            ]
            Unit.objects.get_or_create(
                code=f"R{number:02d}",
                defaults={
                    "name": f"منطقه {persian_number} شهرداری کرج",
                    "kind": Unit.Kind.DISTRICT,
                    "aliases": "\n".join(aliases),
                    # District 11 is configured for later years only, to exercise year-scoped lookups.
                    "valid_from_year": 1400 if number == 11 else 1390,
                },
            )
        for code, name, deputy_code, aliases in demo_data.ORGANIZATIONS:
            Unit.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": Unit.Kind.ORGANIZATION,
                    "default_deputy": deputies[deputy_code],
                    "aliases": "\n".join(aliases),
                },
            )
        return deputies

    def seed_workgroups(self, deputies):
        workgroups = {}
        for code, _name, slug, workgroup_name in demo_data.DEPUTIES:
            workgroups[slug], _ = Workgroup.objects.get_or_create(
                slug=slug, defaults={"name": workgroup_name, "deputy": deputies[code]}
            )
        return workgroups

    def seed_budget_codes(self):
        lines = {row[5]: row for row in demo_data.PROJECTS if row[5]}
        levels = [
            (demo_data.BUDGET_FUNCTIONS, 1, None),
            (demo_data.BUDGET_PROGRAMS, 2, 1),
            (demo_data.BUDGET_SUBPROGRAMS, 3, 3),
        ]
        for table, level, parent_length in levels:
            for code, title in table.items():
                parent = BudgetCode.objects.get(code=code[:parent_length]) if parent_length else None
                BudgetCode.objects.get_or_create(
                    code=code, defaults={"title": title, "level": level, "parent": parent}
                )
        lines = {code: (row[0], row[6]) for code, row in lines.items()} | demo_data.EXTRA_BUDGET_LINES
        for code, (title, credit_type) in sorted(lines.items()):
            BudgetCode.objects.get_or_create(
                code=code,
                defaults={
                    "title": title,
                    "level": 4,
                    "parent": BudgetCode.objects.get(code=code[:5]),
                    "credit_type": credit_type,
                },
            )

    def seed_program_codes(self, deputies):
        for code, title in demo_data.PROGRAM_CODES.items():
            parent_code = code.rpartition("-")[0]
            ProgramCode.objects.get_or_create(
                code=code,
                defaults={
                    "title": title,
                    "level": code.count("-") + 1,
                    "parent": ProgramCode.objects.get(code=parent_code) if parent_code else None,
                    "deputy": deputies[demo_data.PROGRAM_DEPUTIES[code.split("-")[0]]],
                },
            )

    def seed_cycle(self, *, fiscal_year, title, priorities_due, coding_due, is_current):
        if is_current:
            Cycle.objects.filter(is_current=True).exclude(fiscal_year=fiscal_year).update(is_current=False)
        cycle, _ = Cycle.objects.get_or_create(
            fiscal_year=fiscal_year, defaults={"title": title, "is_current": is_current}
        )
        for kind, due in ((Deadline.Kind.PRIORITIES, priorities_due), (Deadline.Kind.CODING, coding_due)):
            Deadline.objects.get_or_create(
                cycle=cycle, kind=kind, defaults={"due_at": end_of_jalali_day(due)}
            )
        return cycle

    def seed_projects(self, cycle, *, ranked):
        units = {unit.code: unit for unit in Unit.objects.all()}
        workgroups = {wg.deputy_id: wg for wg in Workgroup.objects.all()}
        programs = {code.code: code for code in ProgramCode.objects.all()}
        budgets = {code.code: code for code in BudgetCode.objects.all()}
        next_priority = {}
        created = 0
        for position, name in enumerate(demo_data.FUNDING_SOURCES, start=1):
            FundingSource.objects.get_or_create(name=name, defaults={"position": position})
        sources = [FundingSource.objects.get(name=name) for name in demo_data.FUNDING_SOURCES]
        for number, row in enumerate(demo_data.PROJECTS, start=1):
            title, unit, deputy, location, op, line, credit, kind, progress, total, requested = row
            workgroup = workgroups[units[deputy].pk]
            priority = None
            if ranked:
                priority = next_priority.get(workgroup.pk, 1)
                next_priority[workgroup.pk] = priority + 1
            project, was_created = Project.objects.get_or_create(
                proposing_unit=units[unit],
                cycle=cycle,
                ref=f"{cycle.fiscal_year}-{number:03d}",
                defaults={
                    "title": title,
                    "responsible_deputy": units[deputy],
                    "workgroup": workgroup,
                    "location": location,
                    "kind": kind,
                    "physical_progress": progress,
                    "total_estimate": total,
                    "requested_amount": requested,
                    # Only the historical cycle arrives coded; in the current one coding is work to do.
                    "program_code": programs.get(op) if ranked else None,
                    "budget_code": budgets.get(line) if ranked else None,
                    "priority": priority,
                    "justification": DEMO_JUSTIFICATION,
                    "requested_credit_type": credit,
                },
            )
            if not was_created and not project.requested_credit_type:
                # Demo databases seeded before the field existed get it filled in once.
                Project.objects.filter(pk=project.pk).update(requested_credit_type=credit)
            if was_created or not (project.forecasts.exists() or project.fundings.exists()):
                self.seed_money(project, number, sources)
            created += was_created
        return created

    def seed_money(self, project, number, sources):
        """Multi-year figures and mixed sources that satisfy workgroups.resources: the years add up
        to the estimate exactly and the source parts to the request."""
        total, requested, year = project.total_estimate, project.requested_amount, project.cycle.fiscal_year
        forecasts = {}
        spent = None
        if total and total > requested:
            if project.kind == Project.Kind.ONGOING:
                spent = min(total - requested, total * (project.physical_progress or 0) // 100)
            rest = total - requested - (spent or 0)
            years = 2 if number % 2 else 3
            share = rest // years
            forecasts = {year + offset: share for offset in range(1, years)}
            forecasts[year + years] = rest - share * (years - 1)
        own, national, provincial, bonds = sources[0], sources[2], sources[3], sources[4]
        if number % 3 == 0:
            parts = {own.pk: requested}
        elif number % 3 == 1:
            parts = {own.pk: requested - requested * 2 // 5, national.pk: requested * 2 // 5}
        else:
            parts = {provincial.pk: requested // 2, bonds.pk: requested - requested // 2}
        if spent is not None:
            Project.objects.filter(pk=project.pk).update(spent_before=spent)
        resources.write_money(project, forecasts=forecasts, sources=parts)

    def seed_ceilings(self, cycle, workgroups):
        for workgroup in workgroups.values():
            requested = sum(
                Project.objects.filter(cycle=cycle, workgroup=workgroup).values_list(
                    "requested_amount", flat=True
                )
            )
            # About 70% of what is asked for, so the cut line shows in every list.
            ceiling = max(10_000, round(requested * 0.7, -4))
            share, _ = WorkgroupCycle.objects.get_or_create(
                workgroup=workgroup, cycle=cycle, defaults={"credit_ceiling": int(ceiling)}
            )
            if not share.capital_ceiling and not share.current_ceiling:
                # Two ceilings per list, each about 70% of that credit type's requests.
                by_type = dict.fromkeys(resources.CREDIT_TYPES, 0)
                for row in Project.objects.filter(cycle=cycle, workgroup=workgroup).values(
                    "requested_amount", "requested_credit_type", "budget_code__credit_type"
                ):
                    credit_type = resources.credit_type_of(
                        row["requested_credit_type"], row["budget_code__credit_type"]
                    )
                    if credit_type in by_type:
                        by_type[credit_type] += row["requested_amount"]
                share.capital_ceiling = int(max(10_000, round(by_type["capital"] * 0.7, -4)))
                share.current_ceiling = int(max(10_000, round(by_type["current"] * 0.7, -4)))
                share.save(update_fields=["capital_ceiling", "current_ceiling"])

    def seed_accounts(self, workgroups):
        office_group = ensure_budget_office_group()
        self.make_user("admin", ("مدیر", "سامانه"), is_staff=True, is_superuser=True)
        office = self.make_user("office", ("پروین", "شریفی"), is_staff=True)
        office.groups.add(office_group)
        for slug, (head_name, member_name) in demo_data.PEOPLE.items():
            head = self.make_user(f"head_{slug}", head_name)
            member = self.make_user(f"member_{slug}", member_name)
            Membership.objects.get_or_create(
                workgroup=workgroups[slug], user=head, defaults={"role": Membership.Role.HEAD}
            )
            Membership.objects.get_or_create(
                workgroup=workgroups[slug], user=member, defaults={"role": Membership.Role.MEMBER}
            )
        for username, unit_code, name in (
            ("expert_r01", "R01", ("بهرام", "نیک‌نام")),
            ("expert_o06", "O06", ("شیرین", "فرهادی")),
        ):
            user = self.make_user(username, name)
            UnitExpert.objects.get_or_create(user=user, defaults={"unit": Unit.objects.get(code=unit_code)})

    def make_user(self, username, name, *, is_staff=False, is_superuser=False):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": name[0],
                "last_name": name[1],
                "is_staff": is_staff,
                "is_superuser": is_superuser,
                "email": f"{username}@karaj.local",
            },
        )
        if created:
            if self.new_passwords is None:
                user.password = self.demo_password_hash()
            else:
                self.new_passwords[username] = secrets.token_urlsafe(12)
                user.set_password(self.new_passwords[username])
            user.save(update_fields=["password"])
        return user

    def demo_password_hash(self):
        """One hash for every demo account: hashing is deliberately slow (about 0.2 s each), and the
        demo's accounts share one public password anyway."""
        if getattr(self, "_password_hash", None) is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash
