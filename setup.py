"""Installer for the municipality distribution."""

from pathlib import Path
from setuptools import find_packages
from setuptools import setup


long_description = (Path(__file__).parent / "README.md").read_text(encoding="utf-8")

setup(
    name="municipality",
    version="1.0.0.dev0",
    description="Digital services platform for Greek municipalities, built on Plone 6",
    long_description=long_description,
    long_description_content_type="text/markdown",
    classifiers=[
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: 6.2",
        "Framework :: Plone :: Addon",
        "Framework :: Plone :: Distribution",
        "Natural Language :: Greek",
        "Programming Language :: Python :: 3.11",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
    ],
    keywords="Python Plone CMS municipality e-government Greece",
    license="GPL version 2",
    packages=find_packages("src"),
    package_dir={"": "src"},
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=[
        "setuptools",
        "Products.CMFPlone",
        "plone.api",
        "plone.app.caching",
        "plone.app.dexterity",
        "plone.app.registry",
        "plone.app.theming",
        "plone.classicui",
        "plone.distribution",
        "plone.restapi",
        "plonetheme.barceloneta",
        "collective.easyform",
        "holidays",
        "pikepdf",
        "pyHanko[pkcs11]",
        "pypdfium2",
        "pytesseract",
        "python-stdnum",
        "reportlab",
        "requests",
        "PyYAML",
        # Several Zope instances on one database (PostgreSQL)
        "RelStorage",
        "psycopg2-binary",
        "snowballstemmer",
        "tqdm",
        # The simulators process
        "aiosmtpd",
        "waitress",
        "WebOb",
    ],
    extras_require={
        "test": [
            "plone.app.testing",
            "plone.testing",
            "pytest",
            "pytest-plone",
            "pytest-timeout",
            "playwright",
            "i18ndude",
        ],
        "lint": [
            "ruff",
            "zpretty",
            "check-manifest",
        ],
    },
    entry_points={
        "z3c.autoinclude.plugin": ["target = plone"],
        "console_scripts": [
            "municipality-simulators = municipality.simulators.server:main",
            "municipality-archive-ingest = municipality.archive.ingest.cli:main",
        ],
        # The WSGI filter of core/serial.py for pipelines that name eggs
        # (buildout.cfg's ``egg:municipality#serialwrites``).
        "paste.filter_factory": [
            "serialwrites = municipality.core.serial:filter_factory",
        ],
    },
)
