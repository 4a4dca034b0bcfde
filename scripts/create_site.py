"""Create the municipality site, or bring an existing one up to date.

Run by ``scripts/control.py`` through ``zconsole run zope.conf create_site.py
--site-id Plone …`` (Zope is not running: the FileStorage is ours). ``app`` is
the Zope application, given by zconsole.
"""

from municipality.core.setuphandlers import configure_external_systems
from municipality.core.setuphandlers import configure_mail
from plone.distribution.api import site as site_api
from Products.CMFPlone.utils import get_installer
from zope.component.hooks import setSite

import argparse
import os
import sys
import transaction


def parse_args():
    # zconsole leaves its own arguments in sys.argv: ours follow the script.
    argv = sys.argv[next(i for i, a in enumerate(sys.argv) if a.endswith(".py")) + 1 :]
    parser = argparse.ArgumentParser()
    parser.add_argument("--site-id", default="Plone")
    parser.add_argument("--title", default="Δήμος Παραδείγματος")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--simulators-url", default="http://127.0.0.1:8090")
    parser.add_argument("--smtp", default="127.0.0.1:8025")
    parser.add_argument("--demo", action="store_true")
    return parser.parse_args(argv)


def ensure_admin(app, user, password):
    acl = app.acl_users
    if acl.getUserById(user) is None:
        acl._doAddUser(user, password, ["Manager"], [])
        # Site creation begins transactions of its own: keep the user apart.
        transaction.commit()
        print(f"Created Zope administrator {user}.")


def upgrade(site):
    """Run the pending upgrade steps of every installed municipality add-on."""
    setup = site.portal_setup
    installer = get_installer(site)
    for profile_id in setup.listProfilesWithUpgrades():
        if not profile_id.startswith("municipality"):
            continue
        product = profile_id.split(":")[0]
        if installer.is_product_installed(product) and setup.listUpgrades(profile_id):
            print(f"Upgrading {profile_id} …")
            setup.upgradeProfile(profile_id)


def main(app):
    args = parse_args()
    # Read by the install handlers and the demo set-up (e.g. the simulated TSA).
    os.environ["MUNICIPALITY_SIMULATORS_URL"] = args.simulators_url
    ensure_admin(app, args.admin_user, args.admin_password)
    if args.site_id in app.objectIds():
        site = app[args.site_id]
        setSite(site)
        upgrade(site)
        transaction.commit()
        print(f"Site {args.site_id} exists: kept with its content.")
        return
    site = site_api.create(
        app,
        "municipality",
        {
            "site_id": args.site_id,
            "title": args.title,
            "description": "Ηλεκτρονικές υπηρεσίες του Δήμου",
            "default_language": "el",
            "portal_timezone": "Europe/Athens",
            "setup_content": args.demo,
        },
    )
    setSite(site)
    configure_external_systems(args.simulators_url)
    host, port = args.smtp.rsplit(":", 1)
    configure_mail(host, int(port))
    transaction.commit()
    print(f"Created site {args.site_id}.")


main(app)  # noqa: F821 (zconsole provides app)
