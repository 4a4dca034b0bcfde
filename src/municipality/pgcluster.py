"""A private PostgreSQL server for tests and benchmarks of the RelStorage set-up.

    cluster = PostgresCluster(folder)    # initdb on first use (~1.5 s)
    cluster.start()                      # on a free port of 127.0.0.1
    dsn = cluster.create_database("municipality")
    ...
    cluster.stop()

It runs Debian's PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``,
package ``postgresql``) on a folder of its own, listening on 127.0.0.1 only,
with ``trust`` authentication for the one user ``municipality`` — never a
production set-up, where the operator's PostgreSQL and a DSN with a password
serve (docs/operators.md). PostgreSQL refuses to run as root: as root (CI),
the server runs as the ``postgres`` user that Debian's package creates, on a
folder that user owns.
"""

from pathlib import Path

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess


USER = "municipality"


def binaries():
    """The folder of the newest PostgreSQL server binaries on the machine."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError(
        "PostgreSQL's server binaries are missing: apt-get install postgresql"
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """A PostgreSQL data folder of our own and the server running on it."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.bin = binaries()
        self.port = None
        self._as = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *argv, **kwargs):
        return subprocess.run(  # noqa: S603 - PostgreSQL's own programs
            [*self._as, *argv], check=True, capture_output=True, text=True, **kwargs
        )

    def init(self):
        """``initdb`` once: a second call on the same folder keeps its data."""
        if (self.data / "PG_VERSION").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._as:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            # Its parents must let the postgres user through.
            for parent in self.folder.parents:
                if parent.stat().st_mode & 0o001 == 0:
                    raise RuntimeError(
                        f"{parent} is closed to other users: put the cluster elsewhere"
                    )
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )

    def start(self, port=None):
        self.init()
        self.port = port or _free_port()
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self):
        if self.port is None:
            return
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )
        self.port = None

    def dsn(self, database):
        return f"dbname={database} host=127.0.0.1 port={self.port} user={USER}"

    def create_database(self, database):
        """An empty database (kept if it exists); its libpq connection string."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
            raise ValueError(f"{database!r}: a plain lower-case name, please")
        exists = subprocess.run(  # noqa: S603
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{database}'",  # noqa: S608
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(  # noqa: S603
                [
                    str(self.bin / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    USER,
                    database,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
        return self.dsn(database)
