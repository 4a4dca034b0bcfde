"""Set up, start and stop the municipality platform on one machine.

    python scripts/control.py start    # instance files, simulators, site, Zope
    python scripts/control.py stop
    python scripts/control.py status
    python scripts/control.py instance # only write instance/etc/

Settings come from instance.yaml, overridden by MUNICIPALITY_<KEY> variables.
Processes run in the background with their pid and log under instance/var/.
"""

from pathlib import Path

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import yaml


ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def load_config():
    """instance.yaml, then MUNICIPALITY_<KEY> environment variables on top."""
    config = yaml.safe_load((ROOT / "instance.yaml").read_text(encoding="utf-8"))
    for key, value in list(config.items()):
        env = os.environ.get(f"MUNICIPALITY_{key.upper()}")
        if env is not None:
            config[key] = (
                type(value)(env)
                if not isinstance(value, bool)
                else (env.lower() in ("1", "true", "yes"))
            )
    instance = Path(config["instance_dir"])
    config["instance_dir"] = instance if instance.is_absolute() else ROOT / instance
    return config


ZOPE_CONF = """\
{storage_import}%define INSTANCE {instance}
instancehome $INSTANCE
# Citizens submitting at once write the same catalog buckets; a request that
# loses a ZODB conflict is retried from the start. Three tries (Zope's
# default) are not enough under a burst of submissions.
max-conflict-retries 10

<environment>
  CHAMELEON_CACHE $INSTANCE/var/cache
  zope_i18n_compile_mo_files true
  zope_i18n_allowed_languages el en
  MUNICIPALITY_SIMULATORS_URL http://{simulators_host}:{simulators_port}
  TZ Europe/Athens
</environment>

<zodb_db main>
{storage}
  mount-point /
  cache-size 30000
</zodb_db>

<dos_protection>
  form-memory-limit 4MB
  form-disk-limit 64MB
</dos_protection>
"""

FILESTORAGE = """\
  <filestorage>
    path $INSTANCE/var/filestorage/Data.fs
    blob-dir $INSTANCE/var/blobstorage
  </filestorage>"""

# Every Zope process keeps the blobs it reads in a cache folder of its own;
# the database (PostgreSQL) holds them all. No history: packing is not needed
# to drop old versions of objects.
RELSTORAGE = """\
  <relstorage>
    keep-history false
    shared-blob-dir false
    blob-dir $INSTANCE/var/blobcache{suffix}
    blob-cache-size 1gb
    cache-local-mb {relstorage_cache_mb}
    <postgresql>
      dsn {relstorage_dsn}
    </postgresql>
  </relstorage>"""

ZOPE_INI = """\
[app:zope]
use = egg:Zope#main
zope_conf = %(here)s/zope{suffix}.conf

[server:main]
use = egg:waitress#main
listen = {zope_host}:{port}
threads = {zope_threads}
clear_untrusted_proxy_headers = false
max_request_body_size = 134217728

[filter:translogger]
use = egg:Paste#translogger
setup_console_handler = False

[filter:serialwrites]
use = call:municipality.core.serial:filter_factory

[pipeline:main]
pipeline =
    egg:Zope#httpexceptions
    translogger
    serialwrites
    zope

[loggers]
keys = root, waitress.queue, waitress, wsgi, municipality

[handlers]
keys = console, accesslog, eventlog

[formatters]
keys = generic, message

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s:%(lineno)s][%(threadName)s] %(message)s
datefmt = %Y-%m-%d %H:%M:%S

[formatter_message]
format = %(message)s

[logger_root]
level = INFO
handlers = console, eventlog

[logger_municipality]
level = INFO
handlers = eventlog
qualname = municipality
propagate = 0

[logger_waitress.queue]
level = INFO
handlers = eventlog
qualname = waitress.queue
propagate = 0

[logger_waitress]
level = INFO
handlers = eventlog
qualname = waitress

[logger_wsgi]
level = WARN
handlers = accesslog
qualname = wsgi
propagate = 0

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[handler_accesslog]
class = FileHandler
args = (r'{instance}/var/log/access{suffix}.log', 'a')
level = INFO
formatter = message

[handler_eventlog]
class = FileHandler
args = (r'{instance}/var/log/event{suffix}.log', 'a')
level = INFO
formatter = generic
"""

SITE_ZCML = """\
<configure
    xmlns="http://namespaces.zope.org/zope"
    xmlns:meta="http://namespaces.zope.org/meta"
    xmlns:five="http://namespaces.zope.org/five">

  <include package="Zope2.App" />
  <five:loadProducts file="meta.zcml"/>
  <five:loadProducts />
  <five:loadProductsOverrides />

</configure>
"""


STORAGES = ("filestorage", "relstorage")


def check_config(config):
    """Refuse settings that cannot work, with a sentence saying why."""
    if config["storage"] not in STORAGES:
        sys.exit(f"storage: {config['storage']!r} is not one of {', '.join(STORAGES)}")
    if config["zope_instances"] < 1:
        sys.exit("zope_instances: at least 1")
    if config["storage"] == "filestorage" and config["zope_instances"] > 1:
        sys.exit(
            "zope_instances: a FileStorage (Data.fs) is opened by one Zope process;"
            " several need storage: relstorage"
        )
    if config["storage"] == "relstorage" and not config["relstorage_dsn"].strip():
        sys.exit("relstorage_dsn: the PostgreSQL database's connection string")


def zope_names(config):
    """The Zope processes: ``zope`` on zope_port, ``zope-2`` on the next port, …"""
    return ["zope"] + [f"zope-{n}" for n in range(2, config["zope_instances"] + 1)]


def _suffix(name):
    return name[len("zope") :]


def zope_port(config, name):
    return config["zope_port"] + (int(_suffix(name)[1:]) - 1 if _suffix(name) else 0)


def write_instance(config):
    """Write instance/etc/ from the settings; data under var/ is never touched.

    One ``zope.conf``/``zope.ini`` for the first Zope process and, on
    RelStorage, ``zope-N.conf``/``zope-N.ini`` for the others (their own
    port, logs and blob cache; the same database).
    """
    check_config(config)
    instance = config["instance_dir"]
    for sub in ("etc", "var/log", "var/cache"):
        (instance / sub).mkdir(parents=True, exist_ok=True)
    if config["storage"] == "filestorage":
        for sub in ("var/filestorage", "var/blobstorage"):
            (instance / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(instance / "var/blobstorage", 0o700)
    for name in zope_names(config):
        suffix = _suffix(name)
        values = {
            **config,
            "instance": instance,
            "suffix": suffix,
            "port": zope_port(config, name),
        }
        if config["storage"] == "relstorage":
            blobs = instance / f"var/blobcache{suffix}"
            blobs.mkdir(parents=True, exist_ok=True)
            os.chmod(blobs, 0o700)
            values["storage_import"] = "%import relstorage\n"
            values["storage"] = RELSTORAGE.format(**values)
        else:
            values["storage_import"] = ""
            values["storage"] = FILESTORAGE
        (instance / f"etc/zope{suffix}.conf").write_text(
            ZOPE_CONF.format(**values), encoding="utf-8"
        )
        (instance / f"etc/zope{suffix}.ini").write_text(
            ZOPE_INI.format(**values), encoding="utf-8"
        )
    (instance / "etc/site.zcml").write_text(SITE_ZCML, encoding="utf-8")
    # Those of processes no longer wanted (zope_instances lowered).
    names = zope_names(config)
    for stale in [
        *(instance / "etc").glob("zope-*.conf"),
        *(instance / "etc").glob("zope-*.ini"),
    ]:
        if stale.stem not in names:
            stale.unlink()


def _pidfile(config, name):
    return config["instance_dir"] / "var" / f"{name}.pid"


def _running(config, name):
    """The pid of a process we started that is still alive, else None."""
    pidfile = _pidfile(config, name)
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def _spawn(config, name, argv, env=None):
    log = open(config["instance_dir"] / "var/log" / f"{name}.out", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    _pidfile(config, name).write_text(str(process.pid))
    return process


def _wait_http(url, process, seconds, name):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"{name} exited with code {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    sys.exit(f"{name} did not answer {url} within {seconds} s")


def start_simulators(config):
    url = f"http://{config['simulators_host']}:{config['simulators_port']}/health"
    if _running(config, "simulators"):
        return url
    process = _spawn(
        config,
        "simulators",
        [
            str(BIN / "municipality-simulators"),
            "--host",
            str(config["simulators_host"]),
            "--port",
            str(config["simulators_port"]),
            "--smtp-port",
            str(config["smtp_port"]),
        ],
        # The simulated TSA keeps its CA across restarts (the demo site trusts it).
        env={"MUNICIPALITY_TSA_KEY_FILE": str(config["instance_dir"] / "var/tsa.pem")},
    )
    _wait_http(url, process, 30, "The simulators")
    return url


def create_site(config):
    """Create the site if it does not exist yet, else run its pending upgrades."""
    instance = config["instance_dir"]
    argv = [
        str(BIN / "zconsole"),
        "run",
        str(instance / "etc/zope.conf"),
        str(ROOT / "scripts/create_site.py"),
        "--site-id",
        str(config["site_id"]),
        "--title",
        str(config["site_title"]),
        "--admin-user",
        str(config["admin_user"]),
        "--admin-password",
        str(config["admin_password"]),
        "--simulators-url",
        f"http://{config['simulators_host']}:{config['simulators_port']}",
        "--smtp",
        f"{config['simulators_host']}:{config['smtp_port']}",
    ]
    if config["demo_content"]:
        argv.append("--demo")
    subprocess.run(argv, check=True, cwd=ROOT)


def start_zope(config):
    """Every Zope process of the settings (those not running yet); the site's URL."""
    url = f"http://{config['zope_host']}:{config['zope_port']}/{config['site_id']}"
    started = []
    for name in zope_names(config):
        if _running(config, name):
            continue
        suffix = _suffix(name)
        process = _spawn(
            config,
            name,
            [
                str(BIN / "runwsgi"),
                str(config["instance_dir"] / f"etc/zope{suffix}.ini"),
            ],
        )
        started.append((name, process))
    for name, process in started:
        address = f"http://{config['zope_host']}:{zope_port(config, name)}"
        _wait_http(f"{address}/{config['site_id']}/ok", process, 180, name)
    return url


def zope_urls(config):
    """The site's URL on each Zope process (what a load balancer spreads over)."""
    return [
        f"http://{config['zope_host']}:{zope_port(config, name)}/{config['site_id']}"
        for name in zope_names(config)
    ]


def start(config):
    write_instance(config)
    # The simulators first: the demo set-up asks the simulated TSA for its CA.
    simulators = start_simulators(config)
    if any(_running(config, name) for name in zope_names(config)):
        # Not while Zope runs: a Data.fs is locked by it, and upgrades of a
        # database that Zope processes are serving could conflict with them.
        print("Zope is already running.")
    else:
        create_site(config)
    site = start_zope(config)
    others = zope_urls(config)[1:]
    also = (
        "\n  Also served by: " + ", ".join(others) + " (same database)"
        if others
        else ""
    )
    from municipality.demo import DEMO_PASSWORD
    from municipality.demo import DEMO_USERS

    print(f"""
The municipality platform is running.

  Site:        {site}{also}
  REST API:    curl -H 'Accept: application/json' {site}
  Site setup:  {site}/@@overview-controlpanel
  Simulators:  {simulators.rsplit("/", 1)[0]}  (health: {simulators})
  Mail caught: {simulators.rsplit("/", 1)[0]}/mail/messages
  Logs:        {config["instance_dir"] / "var/log"}

  Administrator: {config["admin_user"]} / {config["admin_password"]}
  Demo users (password {DEMO_PASSWORD}): {", ".join(DEMO_USERS)}

Stop with: make stop""")


def _process_names(config):
    """What `make start` may have started, Zope processes of an earlier,
    larger ``zope_instances`` included."""
    names = zope_names(config)
    for pidfile in sorted((config["instance_dir"] / "var").glob("zope-*.pid")):
        if pidfile.stem not in names:
            names.append(pidfile.stem)
    return [*names, "simulators"]


def stop(config):
    for name in _process_names(config):
        pid = _running(config, name)
        if pid is None:
            _pidfile(config, name).unlink(missing_ok=True)
            continue
        os.killpg(pid, signal.SIGTERM)
        for _ in range(100):
            if _running(config, name) is None or _zombie(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        _pidfile(config, name).unlink(missing_ok=True)
        print(f"Stopped {name} (pid {pid}).")


def _zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def status(config):
    code = 0
    for name in _process_names(config):
        pid = _running(config, name)
        print(f"{name}: {'running, pid ' + str(pid) if pid else 'stopped'}")
        code = code or (0 if pid else 3)
    return code


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "instance"])
    args = parser.parse_args(argv)
    config = load_config()
    if args.command == "instance":
        write_instance(config)
    elif args.command == "start":
        start(config)
    elif args.command == "stop":
        stop(config)
    elif args.command == "status":
        return status(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
