"""Drop and recreate the PostgreSQL database named by a URL, so each benchmark starts empty.

`make bench` runs it before every script when BENCH_DATABASE_URL is set: the scripts seed and
import into their database, and one script's rows must not change what the next one measures.
Refuses names that do not start with "bench", so it can never empty a real database.
"""

import sys
from urllib.parse import urlparse

import psycopg


def main(url):
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("bench"):
        sys.exit(f"refusing to recreate {name!r}: benchmark databases are named bench…")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main(sys.argv[1])
