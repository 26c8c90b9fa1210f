"""`make loadtest`: gunicorn + PostgreSQL under the people of a deadline week, then a lost-update check.

1. Drops and recreates a throwaway PostgreSQL database (default `karaj_load`, on the server of
   $LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/karaj_load), migrates it,
   loads the demo and adds the extra accounts the load needs (members, office staff, experts).
2. Starts gunicorn with production settings (DEBUG off, a throwaway secret key, 127.0.0.1 only,
   behind-the-proxy HTTPS header) on a free port in 8100–8199, and the background worker
   (`manage.py db_worker`) beside it, which builds the office's whole-cycle exports.
3. Runs locust headless (bench/load/locustfile.py): 7 heads, 14 members, 5 office, 20 experts,
   2 minutes, at most LOAD_MAX_REQUESTS requests, killed if it overruns by a minute.
4. Stops gunicorn and the worker, prints requests/s and p50/p95/p99 per request kind, then checks that each
   workgroup's stored list is the order of its last accepted save, with accepted versions
   consecutive from the version before the run and one audit entry per accepted save.

Exit status 0 only when every target is met: no errors, no lost update, p95 < 300 ms for pages
and saves (the office export's wait from asking to a ready file is printed beside them; it is not a
request). Options: --workers N (default 2 × cores + 1), --run-time 2m, --users 46, --list-size 300
(projects in each workgroup's current list, ranked), --history 2000 (coded projects of an earlier
cycle, which the coding page's suggestions compare with), --drop-database NAME (required to drop a
database other than karaj_load: the name must be repeated, so a mistyped URL cannot empty a real one).
"""

import argparse
import csv
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PY = sys.executable
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
TARGET_P95_MS = 300
# Signing in (a deliberately slow password hash) is neither a page nor a save, nor is the wait for
# the background worker to build an export (bench/load/locustfile.py): reported apart.
NOT_PAGES = {"login", "office export: asked → file ready (worker, not a request)"}
EXTRA = {"members": 1, "office": 4, "experts": 18}  # per workgroup / in all / in all


def free_port():
    for port in range(8100, 8200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8100-8199")


DEFAULT_DATABASE = "karaj_load"


def recreate_database(url, allowed):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name not in (DEFAULT_DATABASE, allowed):
        raise SystemExit(
            f"refusing to drop {name!r}: pass --drop-database {name} (make loadtest LOAD_DROP={name}) "
            "to say that this database may be dropped and recreated"
        )
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def realistic_lists(list_size, history):
    """Each workgroup's current list filled to `list_size` ranked projects, and `history` coded
    projects in the cycle before (titles shaped like real ones, bench/_titles.py)."""
    import random

    from django.db.models import Max

    from karaj_budget.persian import search_key
    from programs.models import Unit
    from workgroups.models import Cycle, Project, Workgroup

    sys.path.insert(0, str(ROOT / "bench"))
    from _history import add_coded_history
    from _titles import realistic_titles

    rng = random.Random(14)
    cycle = Cycle.objects.current()
    units = list(Unit.objects.exclude(kind=Unit.Kind.DEPUTY))
    titles = iter(realistic_titles(list_size * 7 + history, seed=46))
    rows = []
    for workgroup in Workgroup.objects.select_related("deputy"):
        mine = Project.objects.filter(cycle=cycle, workgroup=workgroup)
        have = mine.count()
        last = mine.aggregate(last=Max("priority"))["last"] or 0
        for number in range(max(list_size - have, 0)):
            title = next(titles)
            rows.append(
                Project(
                    cycle=cycle,
                    workgroup=workgroup,
                    responsible_deputy=workgroup.deputy,
                    proposing_unit=rng.choice(units),
                    title=title,
                    title_key=search_key(title),
                    requested_amount=rng.randrange(500, 60_000),
                    priority=last + number + 1,
                )
            )
    Project.objects.bulk_create(rows, batch_size=1000)
    add_coded_history(cycle, history, titles=titles, rng=rng, first_year=cycle.fiscal_year - 2)


def prepare(list_size, history):
    """Child mode, inside Django: realistic lists and history, extra accounts; prints the accounts
    and each list's version."""
    import django

    django.setup()
    realistic_lists(list_size, history)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from programs.models import Unit
    from workgroups.models import Cycle, Membership, UnitExpert, Workgroup, WorkgroupCycle

    User = get_user_model()
    password = User.objects.get(username="head_civil").password  # the demo's, karaj1399
    cycle = Cycle.objects.current()
    office_group = Group.objects.get(user__username="office")
    accounts = {"heads": [], "members": [], "office": [{"username": "office"}], "experts": []}

    def user(username):
        made, _ = User.objects.get_or_create(username=username, defaults={"password": password})
        return made

    for workgroup in Workgroup.objects.order_by("slug"):
        accounts["heads"].append({"username": f"head_{workgroup.slug}", "workgroup": workgroup.slug})
        accounts["members"].append({"username": f"member_{workgroup.slug}", "workgroup": workgroup.slug})
        for number in range(1, EXTRA["members"] + 1):
            member = user(f"load_member_{workgroup.slug}_{number}")
            Membership.objects.get_or_create(
                workgroup=workgroup, user=member, defaults={"role": Membership.Role.MEMBER}
            )
            accounts["members"].append({"username": member.username, "workgroup": workgroup.slug})
    for number in range(1, EXTRA["office"] + 1):
        staff = user(f"load_office_{number}")
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        staff.groups.add(office_group)
        accounts["office"].append({"username": staff.username})
    accounts["experts"] = [{"username": "expert_r01"}, {"username": "expert_o06"}]
    units = list(Unit.objects.exclude(kind=Unit.Kind.DEPUTY).order_by("code"))
    for number in range(EXTRA["experts"]):
        expert = user(f"load_expert_{number + 1}")
        UnitExpert.objects.get_or_create(user=expert, defaults={"unit": units[number % len(units)]})
        accounts["experts"].append({"username": expert.username})
    versions = {
        share.workgroup.slug: share.ranking_version
        for share in WorkgroupCycle.objects.filter(cycle=cycle).select_related("workgroup")
    }
    print(json.dumps({"accounts": accounts, "versions": versions}))


def verify(saves_path, versions_path):
    """Child mode, inside Django: the stored lists against the accepted saves. Prints JSON."""
    import django

    django.setup()
    from workgroups.models import AuditEntry, Cycle, Project, Workgroup, WorkgroupCycle

    before = json.loads(Path(versions_path).read_text())
    saves = {}
    for line in Path(saves_path).read_text(encoding="utf-8").splitlines():
        save = json.loads(line)
        saves.setdefault(save["workgroup"], []).append(save)
    cycle = Cycle.objects.current()
    report, problems = {}, []
    for workgroup in Workgroup.objects.order_by("slug"):
        slug = workgroup.slug
        accepted = sorted(saves.get(slug, []), key=lambda save: save["version"])
        stored_version = WorkgroupCycle.objects.get(workgroup=workgroup, cycle=cycle).ranking_version
        ranked = Project.objects.for_workgroup(workgroup, cycle).ranked()
        stored_order = list(ranked.values_list("pk", flat=True))
        audits = AuditEntry.objects.filter(
            workgroup=workgroup, cycle=cycle, action="ranking.save", details__version__gt=before.get(slug, 0)
        ).count()
        expected_versions = list(range(before.get(slug, 0) + 1, before.get(slug, 0) + 1 + len(accepted)))
        if [save["version"] for save in accepted] != expected_versions:
            found = [save["version"] for save in accepted]
            problems.append(f"{slug}: accepted versions {found} are not consecutive")
        if any(save["version"] != save["based_on"] + 1 for save in accepted):
            problems.append(f"{slug}: a save was accepted on top of a version it was not based on")
        if accepted and (stored_version, stored_order) != (accepted[-1]["version"], accepted[-1]["order"]):
            problems.append(f"{slug}: the stored list (v{stored_version}) is not the last accepted save")
        if audits != len(accepted):
            problems.append(f"{slug}: {audits} audit entries for {len(accepted)} accepted saves")
        report[slug] = {"accepted": len(accepted), "version": stored_version, "ranked": len(stored_order)}
    print(json.dumps({"workgroups": report, "problems": problems}))


def child_json(mode, env, *args):
    command = [PY, __file__, f"--{mode}", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{mode} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_until_up(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited while starting; see its log above")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def read_stats(prefix):
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def print_table(rows, seconds):
    heads = ("count", "fail", "req/s", "p50", "p95", "p99", "max")
    print(f"{'request (times in ms)':<34} " + " ".join(f"{head:>6}" for head in heads))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        print(
            f"{name:<34} {row['Request Count']:>6} {row['Failure Count']:>6} "
            f"{int(row['Request Count']) / seconds:>6.1f} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6} {float(row['Max Response Time']):>6.0f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--users", type=int, default=46)
    # One sign-in a second: people arrive at a meeting over a minute, not all in the same five
    # seconds, and each sign-in costs about half a second of CPU for the password hash.
    parser.add_argument("--spawn-rate", type=float, default=1)
    parser.add_argument("--run-time", default="2m")
    parser.add_argument("--list-size", type=int, default=300)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--drop-database", default=None, metavar="NAME")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.list_size, args.history)
    if args.verify:
        return verify(*args.verify)
    if not LOCUST.exists():
        raise SystemExit("locust is missing: run `make loadtest` (it installs requirements-load.txt)")

    database_url = os.environ.get(
        "LOAD_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DATABASE}"
    )
    work = Path(tempfile.mkdtemp(prefix="karaj-load-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "karaj_budget.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # As behind the reverse proxy that terminates TLS (README, "Production deployment").
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "KARAJ_MEDIA_ROOT": str(work / "media"),  # the built exports: the server's and the worker's
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    print(f"== database {urlsplit(database_url).path.lstrip('/')} (dropped and recreated), demo data")
    recreate_database(database_url, args.drop_database)
    # The demo accounts with their published password, on a throwaway database: seed_demo refuses
    # them where DJANGO_DEBUG is off, so it alone runs with it on.
    for command, debug in (
        (["migrate", "--noinput", "-v0"], "false"),
        (["seed_demo"], "true"),
        (["collectstatic", "--noinput", "-v0"], "false"),
    ):
        subprocess.run(
            [PY, "manage.py", *command],
            cwd=ROOT,
            env={**env, "DJANGO_DEBUG": debug},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    prepared = child_json("prepare", env, "--list-size", str(args.list_size), "--history", str(args.history))
    print(f"   lists of {args.list_size} projects, {args.history} coded projects of an earlier cycle")
    (work / "versions.json").write_text(json.dumps(prepared["versions"]))
    saves = work / "saves.jsonl"
    saves.write_text("")
    counts = {kind: len(accounts) for kind, accounts in prepared["accounts"].items()}
    print(f"   accounts: {counts}")

    print(f"== gunicorn on 127.0.0.1:{port}, {args.workers} workers (PostgreSQL)")
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - open for the server's lifetime
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "karaj_budget.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--timeout", "120", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker_log = open(work / "worker.log", "w")  # noqa: SIM115 - open for the worker's lifetime
    worker = subprocess.Popen(
        [PY, "manage.py", "db_worker", "--no-reload"],
        cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        print(f"== locust: {args.users} users, {args.spawn_rate}/s, {args.run_time}")
        prefix = work / "locust"
        locust_env = {
            **os.environ,
            "LOAD_ACCOUNTS": json.dumps(prepared["accounts"]),
            "LOAD_SAVES_FILE": str(saves),
        }
        started = time.monotonic()
        # locust's own CPU time: it shares the machine's cores with the app it measures.
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [str(LOCUST), "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
             "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--stop-timeout", "10",
             "--only-summary", "--loglevel", "WARNING"],
            env=locust_env, timeout=_seconds(args.run_time) + 60, stdout=subprocess.DEVNULL,
            stderr=open(work / "locust.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        elapsed = time.monotonic() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = sum(
            getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime")
        )
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        worker.wait(timeout=60)
        log.close()
        worker_log.close()

    rows = read_stats(prefix)
    per_kind = [row for row in rows if row["Name"] != "Aggregated"]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    seconds = _seconds(args.run_time)
    print(
        f"== results ({elapsed:.0f} s wall clock, rates over {seconds} s; the load generator, locust, "
        f"used {locust_cpu:.0f} s of CPU, {locust_cpu / elapsed:.0%} of one core)"
    )
    print_table(sorted(per_kind, key=lambda row: -int(row["Request Count"])) + [total], seconds)
    load_counts = json.loads(Path(f"{saves}.counts").read_text())
    errors = int(total["Failure Count"])
    slow = [
        row["Name"] for row in per_kind if row["Name"] not in NOT_PAGES and float(row["95%"]) >= TARGET_P95_MS
    ]
    print(
        f"   accepted saves {load_counts['accepted_saves']}, 409 conflicts {load_counts['conflicts']} "
        f"(expected: {load_counts['stale_tab_saves']} saves from a stale tab), errors {errors}"
    )
    if errors:
        failures = (prefix.parent / "locust_failures.csv").read_text(encoding="utf-8")
        print(failures[:2000])

    check = child_json("verify", env, str(saves), str(work / "versions.json"))
    for slug, figures in check["workgroups"].items():
        print(f"   {slug:<10} {figures['accepted']:>3} accepted saves, stored v{figures['version']}, "
              f"{figures['ranked']} ranked")  # fmt: skip
    for problem in check["problems"]:
        print(f"   LOST UPDATE: {problem}")
    verdicts = {
        "zero errors": errors == 0,
        "no lost update (stored lists = last accepted saves, versions consecutive)": not check["problems"],
        f"p95 < {TARGET_P95_MS} ms for every page and save": not slow,
    }
    print("== targets")
    for name, met in verdicts.items():
        print(f"   {'met   ' if met else 'MISSED'} {name}")
    if slow:
        print(f"   over the p95 target: {', '.join(slow)}")
    print(f"   (files of this run: {work})")
    return 0 if all(verdicts.values()) else 1


def _seconds(run_time):
    units = {"s": 1, "m": 60, "h": 3600}
    return int(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else int(run_time)


if __name__ == "__main__":
    sys.exit(main())
