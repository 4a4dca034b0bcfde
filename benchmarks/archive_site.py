"""A Zope instance of the archive benchmarks' own, beside the `make start` one.

The archive's benchmarks load tens of thousands of decisions; they do it in
an instance of their own under ``var/benchmarks/<name>/`` (git-ignored), on
free ports, made with the same machinery as ``make start``
(``scripts/control.py``: ``instance.yaml`` settings, ``zope.ini`` with the
``serialwrites`` filter, ``create_site.py``), without demo content. The
instance is kept between runs: a benchmark that filled it once reuses it.

    with BenchInstance("search") as bench:    # instance files, site if new
        bench.zconsole("benchmarks/archive_corpus.py", "--pages", "50000")
        bench.start()                         # Zope, in the background
        ...  bench.url, bench.admin, bench.zope_pid ...
    # Zope stopped on leaving

With ``processes=N`` (N > 1) the same site is served by N Zope processes on
RelStorage, as a municipality with several instances runs it
(``storage: relstorage``): a PostgreSQL server of the benchmark's own
(``municipality.pgcluster``, data under ``var/benchmarks/<name>/pg``) holds a
copy of the FileStorage made by ``zodbconvert`` — once, and again whenever
the Data.fs changed since.
"""

from pathlib import Path

import os
import signal
import socket
import subprocess
import sys
import time


ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))

import control  # noqa: E402


def free_ports(count):
    """``count`` ports of 127.0.0.1 that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def memory_kb(pid, field="VmHWM"):
    """A ``/proc/<pid>/status`` memory field in kB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class BenchInstance:
    """``var/benchmarks/<name>``: a site with every add-on, no demo content."""

    def __init__(self, name, threads=None, processes=1):
        self.folder = ROOT / "var" / "benchmarks" / name
        self.processes = processes
        self.cluster = None
        zope, simulators, smtp = free_ports(3)
        self.env = {
            "MUNICIPALITY_INSTANCE_DIR": str(self.folder),
            "MUNICIPALITY_ZOPE_PORT": str(zope),
            "MUNICIPALITY_SIMULATORS_PORT": str(simulators),
            "MUNICIPALITY_SMTP_PORT": str(smtp),
            "MUNICIPALITY_DEMO_CONTENT": "false",
        }
        if threads:
            self.env["MUNICIPALITY_ZOPE_THREADS"] = str(threads)
        if processes > 1:
            self.env["MUNICIPALITY_STORAGE"] = "relstorage"
            self.env["MUNICIPALITY_ZOPE_INSTANCES"] = str(processes)
        self.zope_pid = None
        self.zope_pids = []

    def config(self):
        """``control.load_config()`` with this instance's overrides."""
        saved = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)
        try:
            return control.load_config()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    @property
    def url(self):
        config = self.config()
        return f"http://{config['zope_host']}:{config['zope_port']}/{config['site_id']}"

    @property
    def urls(self):
        """The site on each Zope process."""
        return control.zope_urls(self.config())

    @property
    def admin(self):
        config = self.config()
        return (config["admin_user"], str(config["admin_password"]))

    @property
    def zope_conf(self):
        return self.folder / "etc" / "zope.conf"

    def prepare(self):
        """Instance files; the site (made once, upgraded after)."""
        if self.processes > 1:
            self._relstorage()
        config = self.config()
        control.write_instance(config)
        control.create_site(config)

    def _relstorage(self):
        """PostgreSQL started, holding the FileStorage's current copy."""
        from municipality.pgcluster import PostgresCluster

        self.cluster = PostgresCluster(self.folder / "pg").start()
        dsn = self.cluster.create_database("municipality")
        self.env["MUNICIPALITY_RELSTORAGE_DSN"] = dsn
        data = self.folder / "var" / "filestorage" / "Data.fs"
        if not data.is_file():
            raise RuntimeError(f"{data}: load the corpus on FileStorage first")
        stamp = f"{data.stat().st_size}:{data.stat().st_mtime_ns}"
        marker = self.folder / "pg-converted"
        if marker.is_file() and marker.read_text() == stamp:
            return
        blobs = self.folder / "var" / "blobcache"
        blobs.mkdir(parents=True, exist_ok=True)
        convert = self.folder / "etc" / "zodbconvert.conf"
        convert.parent.mkdir(parents=True, exist_ok=True)
        convert.write_text(
            f"""\
<filestorage source>
  path {data}
  blob-dir {self.folder / "var" / "blobstorage"}
  read-only true
</filestorage>
%import relstorage
<relstorage destination>
  keep-history false
  shared-blob-dir false
  blob-dir {blobs}
  <postgresql>
    dsn {dsn}
  </postgresql>
</relstorage>
""",
            encoding="utf-8",
        )
        print(f"Copying {data} into PostgreSQL (zodbconvert) …", flush=True)
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - RelStorage's own tool
            [str(BIN / "zodbconvert"), "--clear", str(convert)], check=True
        )
        print(f"… {time.monotonic() - started:.0f} s", flush=True)
        marker.write_text(stamp)

    def zconsole(self, script, *args):
        """``zconsole run`` a script against the instance's database (Zope stopped)."""
        if self.zope_pid is not None:
            raise RuntimeError("stop Zope first: the FileStorage is locked")
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - our own scripts
            [str(BIN / "zconsole"), "run", str(self.zope_conf), str(script), *args],
            check=True,
            cwd=ROOT,
        )
        return time.monotonic() - started

    def start(self):
        """Zope in the background, as `make start` runs it; returns the site's URL."""
        config = self.config()
        control.write_instance(config)
        url = control.start_zope(config)
        self.zope_pids = [
            int((self.folder / "var" / f"{name}.pid").read_text())
            for name in control.zope_names(config)
        ]
        self.zope_pid = self.zope_pids[0]
        return url

    def stop(self):
        config = self.config()
        for name, pid in zip(control.zope_names(config), self.zope_pids, strict=False):
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _ in range(100):
                if memory_kb(pid, "VmRSS") == 0 or _zombie(pid):
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)
            (self.folder / "var" / f"{name}.pid").unlink(missing_ok=True)
        self.zope_pid = None
        self.zope_pids = []
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None

    def __enter__(self):
        self.prepare()
        return self

    def __exit__(self, *exc):
        self.stop()


def run_inside(instance, pages, script, *args):
    """``script --inner args`` under ``zconsole run`` (Zope stopped) on the
    instance ``var/benchmarks/<instance>``, with ``pages`` pages of the
    generated archive in it first (``archive_corpus.py``, resumable)."""
    bench = BenchInstance(instance)
    bench.prepare()
    bench.zconsole(ROOT / "benchmarks" / "archive_corpus.py", "--pages", str(pages))
    bench.zconsole(script, "--inner", *args)


def script_argv(inside_zconsole):
    """A benchmark script's own arguments: inside ``zconsole run``, whose
    own arguments come first, those after the script."""
    if not inside_zconsole:
        return sys.argv[1:]
    script = next(i for i, a in enumerate(sys.argv) if a.endswith(".py"))
    return sys.argv[script + 1 :]


def _zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return True
