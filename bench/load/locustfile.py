"""Locust users for `make loadtest` (bench/loadtest.py starts the server and runs this file).

Who is on the system in the last days before a deadline: 7 workgroup heads reordering and coding their
lists, 14 members reading them, 5 budget office staff on the dashboard, its JSON and the export of every
workgroup (asked for, built by the background worker, followed and fetched as the page does), 20 unit
experts reading their unit's proposals. Each user signs in through /accounts/login/ once.

The server runs as behind the reverse proxy: plain HTTP from 127.0.0.1 with X-Forwarded-Proto:
https, so Django applies its HTTPS rules (secure cookies, CSRF Referer check) as in production.

Every save a head gets 200 for is appended to $LOAD_SAVES_FILE (one JSON object a line), so that
bench/loadtest.py can check afterwards that the stored lists are exactly what the accepted saves
imply. A 409 is the conflict guarantee at work, not an error: it is counted, and the head redraws
from the fresh list in the answer and tries again, as the page does.
"""

import http.cookiejar
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(os.environ["LOAD_ACCOUNTS"])  # written by bench/loadtest.py
SAVES_FILE = os.environ["LOAD_SAVES_FILE"]
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
PASSWORD = "karaj1399"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'data-version="(\d+)"')
RANKED = re.compile(r'<ol id="ranking".*?</ol>', re.S)
UNRANKED = re.compile(r'<ul id="unranked".*?</ul>', re.S)
PROJECT_ID = re.compile(r'data-project-id="(\d+)"')
PROJECT_LINK = re.compile(r'href="/projects/(\d+)/"')
# Leaves of the demo's plan and circular that a head may pick for any project.
CODES = [("5-1-1-01", "50101001"), ("6-1-1-01", "60101001"), ("4-1-2-01", "40301001")]
CODING_ROW = re.compile(r'data-url="/workgroups/[a-z]+/coding/(\d+)/"')
EXPORT_STATE = re.compile(r'data-status-url="(/office/exports/\d+/state/)"')
EXPORT_FILE = re.compile(r'href="(/office/exports/\d+/download/)"')
EXPORT_WAIT = "office export: asked → file ready (worker, not a request)"
COUNTS = {"conflicts": 0, "stale_tab_saves": 0, "accepted_saves": 0}


# The server's cookies are Secure, and the TLS is the (absent) proxy's: let this client send them
# over plain HTTP to 127.0.0.1. (requests copies the jar into a new one with the default policy
# for every request, so a policy set on the session's jar would not be used.)
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


def pool(kind):
    """Each locust user of a kind takes the next account of that kind."""
    accounts = ACCOUNTS[kind]
    index = pool.counters.get(kind, 0)
    pool.counters[kind] = index + 1
    return accounts[index % len(accounts)]


pool.counters = {}


class Person(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(2, 5)

    def on_start(self):
        self.account = pool(self.kind)
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Referer"] = f"https://{self.host.split('://', 1)[1]}/"
        form = self.client.get("/accounts/login/", name="login form")
        token = CSRF_INPUT.search(form.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={"username": self.account["username"], "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {self.account['username']} answered {response.status_code}")
        self.client.get("/", name="home (redirect to the role's page)")

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{path} answered {response.status_code}")
            return response.text


class Head(Person):
    """Opens the ranking page, moves one or two projects, saves; sometimes from a stale tab."""

    kind = "heads"
    fixed_count = 7

    def on_start(self):
        super().on_start()
        self.slug = self.account["workgroup"]
        self.load_page()

    def load_page(self):
        html = self.page(f"/workgroups/{self.slug}/", "ranking page")
        self.version = int(VERSION.search(html).group(1))
        self.csrf = CSRF_INPUT.search(html).group(1)
        self.ranked = [int(pk) for pk in PROJECT_ID.findall(RANKED.search(html).group(0))]
        self.unranked = [int(pk) for pk in PROJECT_ID.findall(UNRANKED.search(html).group(0))]

    def new_order(self):
        order = list(self.ranked)
        # The first visit of the round: rank the waiting projects too.
        order += [pk for pk in self.unranked if pk not in set(order)]
        for _ in range(random.randint(1, 2)):
            if len(order) > 1:
                order.insert(random.randrange(len(order)), order.pop(random.randrange(len(order))))
        if order == self.ranked:
            order.reverse()
        return order

    def save(self, version, order, name):
        body = {"version": version, "order": order, "meeting": None}
        with self.client.post(
            f"/workgroups/{self.slug}/ranking/",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                answer = response.json()
                COUNTS["accepted_saves"] += 1
                with open(SAVES_FILE, "a", encoding="utf-8") as saves:
                    record = {"workgroup": self.slug, "based_on": version, **answer}
                    saves.write(json.dumps(record, ensure_ascii=False) + "\n")
                self.version, self.ranked, self.unranked = answer["version"], answer["order"], []
                response.success()
                return True
            if response.status_code == 409:
                COUNTS["conflicts"] += 1
                answer = response.json()
                self.version, self.ranked = answer["version"], answer["order"]
                response.success()
                return False
            response.failure(f"save answered {response.status_code}: {response.text[:200]}")
            return None

    @task(6)
    def reorder(self):
        self.load_page()
        if self.save(self.version, self.new_order(), "ranking save") is False:
            self.save(self.version, self.new_order(), "ranking save (retry after 409)")

    @task(1)
    def reorder_from_a_stale_tab(self):
        """The same head in a second tab, still showing the list before the last save."""
        self.load_page()
        stale = self.version, list(self.ranked), list(self.unranked)
        if self.save(self.version, self.new_order(), "ranking save"):
            _version, self.ranked, self.unranked = stale
            COUNTS["stale_tab_saves"] += 1
            if self.save(stale[0], self.new_order(), "ranking save (stale tab)") is False:
                self.save(self.version, self.new_order(), "ranking save (retry after 409)")

    @task(2)
    def open_a_project(self):
        if self.ranked:
            pk = random.choice(self.ranked)
            self.page(f"/workgroups/{self.slug}/projects/{pk}/panel/", "project panel")

    @task(2)
    def code_a_project(self):
        """Open the coding page, open one row (its form, as the row's link does) and code the
        project as the picker does (JSON answers)."""
        html = self.page(f"/workgroups/{self.slug}/coding/", "coding page")
        ids = [int(pk) for pk in CODING_ROW.findall(html)]
        if not ids:
            return
        row = f"/workgroups/{self.slug}/coding/{random.choice(ids)}/"
        with self.client.get(
            row, headers={"Accept": "application/json"}, name="coding row (open)", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"opening a coding row answered {response.status_code}")
                return
        program, budget = random.choice(CODES)
        with self.client.post(
            row,
            data={"program_code": program, "budget_code": budget, "csrfmiddlewaretoken": self.csrf},
            headers={"Accept": "application/json", "X-CSRFToken": self.csrf},
            name="coding save",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"coding save answered {response.status_code}: {response.text[:200]}")


class Member(Person):
    """Reads the workgroup's list and opens projects (read-only)."""

    kind = "members"
    fixed_count = 14

    @task(3)
    def read_list(self):
        html = self.page(f"/workgroups/{self.account['workgroup']}/", "ranking page (member)")
        self.projects = [int(pk) for pk in PROJECT_ID.findall(html)]

    @task(2)
    def open_a_project(self):
        if getattr(self, "projects", None):
            pk = random.choice(self.projects)
            self.page(f"/workgroups/{self.account['workgroup']}/projects/{pk}/panel/", "project panel")
            self.page(f"/projects/{pk}/", "project page")

    @task(1)
    def history(self):
        self.page(f"/workgroups/{self.account['workgroup']}/history/", "list history")


class Office(Person):
    """The budget office's dashboard, its JSON, the review queue and the Excel export."""

    kind = "office"
    fixed_count = 5

    @task(3)
    def dashboard(self):
        self.page("/office/", "office dashboard")

    @task(2)
    def dashboard_json(self):
        self.page("/office/dashboard.json", "office dashboard.json")

    @task(1)
    def queue(self):
        self.page("/office/submissions/", "submission queue")

    @task(1)
    def export(self):
        """The workbook of every workgroup (rate-limited to 6 a minute a person): ask, follow the
        build's progress as the page's script does, fetch the file. The wait from asking to a ready
        file is reported as its own line: the worker's time, not a request's."""
        html = self.page("/office/exports/", "office exports page")
        asked = time.monotonic()
        with self.client.post(
            "/office/exports/",
            data={"csrfmiddlewaretoken": CSRF_INPUT.search(html).group(1)},
            name="office export (ask)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"asking for the export answered {response.status_code}")
                return
        html = self.page("/office/exports/", "office exports page")
        state = EXPORT_STATE.search(html)
        while state is not None:
            time.sleep(1.5)
            with self.client.get(
                state.group(1), name="office export (progress json)", catch_response=True
            ) as answer:
                if answer.status_code != 200:
                    answer.failure(f"the export's progress answered {answer.status_code}")
                    return
                status = answer.json()
            if not status["active"]:
                break
            if time.monotonic() - asked > 120:
                self.environment.events.request.fire(
                    request_type="WAIT", name=EXPORT_WAIT, response_time=120_000, response_length=0,
                    exception=RuntimeError("no file two minutes after asking"), context={},
                )  # fmt: skip
                return
        html = self.page("/office/exports/", "office exports page")
        self.environment.events.request.fire(
            request_type="WAIT", name=EXPORT_WAIT, response_time=(time.monotonic() - asked) * 1000,
            response_length=0, exception=None, context={},
        )  # fmt: skip
        link = EXPORT_FILE.search(html)  # the newest file comes first
        if link is None:
            self.environment.events.request.fire(
                request_type="WAIT", name="office export (download xlsx)", response_time=0, response_length=0,
                exception=RuntimeError("no file to fetch after the build ended"), context={},
            )  # fmt: skip
            return
        with self.client.get(
            link.group(1), name="office export (download xlsx)", catch_response=True
        ) as response:
            if response.status_code != 200 or not response.content.startswith(b"PK"):
                response.failure(f"the export's file answered {response.status_code}")


class Expert(Person):
    """A district or organization expert reading the unit's proposals and their priorities."""

    kind = "experts"
    fixed_count = 20

    @task(3)
    def unit(self):
        html = self.page("/unit/", "unit page")
        self.projects = [int(pk) for pk in PROJECT_LINK.findall(html)]

    @task(2)
    def project(self):
        if getattr(self, "projects", None):
            self.page(f"/projects/{random.choice(self.projects)}/", "project page")


@events.init.add_listener
def cap_requests(environment, **kwargs):
    """A hard bound besides the run time: stop after MAX_REQUESTS requests."""
    sent = [0]

    @environment.events.request.add_listener
    def count(**kwargs):
        sent[0] += 1
        if sent[0] == MAX_REQUESTS and environment.runner is not None:
            environment.runner.quit()


@events.test_stop.add_listener
def write_counts(environment, **kwargs):
    with open(SAVES_FILE + ".counts", "w", encoding="utf-8") as counts:
        json.dump(COUNTS, counts)
