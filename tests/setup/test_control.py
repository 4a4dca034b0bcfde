"""scripts/control.py's instance files for each storage, and the settings it refuses."""

from pathlib import Path

import pytest
import sys


ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import control  # noqa: E402


def _config(tmp_path, **changes):
    config = {
        **control.load_config(),
        "instance_dir": tmp_path / "instance",
        "zope_port": 18080,
        **changes,
    }
    return config


def test_filestorage_one_process(tmp_path):
    config = _config(tmp_path)
    control.write_instance(config)
    etc = tmp_path / "instance/etc"
    assert sorted(p.name for p in etc.iterdir()) == [
        "site.zcml",
        "zope.conf",
        "zope.ini",
    ]
    conf = (etc / "zope.conf").read_text()
    assert "<filestorage>" in conf
    assert "relstorage" not in conf
    assert "listen = 127.0.0.1:18080" in (etc / "zope.ini").read_text()
    assert control.zope_urls(config) == ["http://127.0.0.1:18080/Plone"]


def test_relstorage_processes_share_the_database(tmp_path):
    dsn = "dbname=town host=127.0.0.1 port=5433 user=town"
    config = _config(
        tmp_path, storage="relstorage", relstorage_dsn=dsn, zope_instances=3
    )
    control.write_instance(config)
    etc = tmp_path / "instance/etc"
    for suffix, port in (("", 18080), ("-2", 18081), ("-3", 18082)):
        conf = (etc / f"zope{suffix}.conf").read_text()
        assert conf.startswith("%import relstorage\n")
        assert f"dsn {dsn}\n" in conf
        assert f"blob-dir $INSTANCE/var/blobcache{suffix}\n" in conf
        assert "keep-history false" in conf
        assert "<filestorage>" not in conf
        ini = (etc / f"zope{suffix}.ini").read_text()
        assert f"listen = 127.0.0.1:{port}" in ini
        assert f"zope_conf = %(here)s/zope{suffix}.conf" in ini
        assert f"var/log/access{suffix}.log" in ini
        assert (tmp_path / f"instance/var/blobcache{suffix}").is_dir()
    assert not (tmp_path / "instance/var/filestorage").exists()
    assert control.zope_names(config) == ["zope", "zope-2", "zope-3"]
    assert control.zope_urls(config)[2] == "http://127.0.0.1:18082/Plone"

    # Fewer processes: the third one's files go.
    control.write_instance({**config, "zope_instances": 2})
    assert not (etc / "zope-3.conf").exists()
    assert not (etc / "zope-3.ini").exists()
    assert (etc / "zope-2.ini").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"storage": "zeo"}, "storage: 'zeo' is not one of filestorage, relstorage"),
        ({"zope_instances": 2}, "several need storage: relstorage"),
        ({"zope_instances": 0}, "zope_instances: at least 1"),
        (
            {"storage": "relstorage", "relstorage_dsn": " "},
            "relstorage_dsn: the PostgreSQL database's connection string",
        ),
    ],
)
def test_settings_that_cannot_work(tmp_path, changes, message):
    with pytest.raises(SystemExit) as refused:
        control.write_instance(_config(tmp_path, **changes))
    assert message in str(refused.value)
    assert not (tmp_path / "instance/etc").exists()
