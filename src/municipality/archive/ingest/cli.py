"""``municipality-archive-ingest``: scans and a manifest into a running site.

::

    municipality-archive-ingest --site https://dimos.example.gr --user archivist \\
        --password-file ~/.archive-password --manifest vol12.csv /scans/vol12

Exit codes: 0 every decision of the batch is in the site; 1 some could not
be read or sent (run again: the rest is not done twice); 2 bad input (the
manifest, the files, the options, the user) — nothing was read or sent.
The operator's guide is ``docs/archive-ingest.md``.
"""

from municipality.archive.ingest import manifest
from municipality.archive.ingest.journal import Journal
from municipality.archive.ingest.journal import StateError
from municipality.archive.ingest.runner import Options
from municipality.archive.ingest.runner import Runner
from municipality.archive.ingest.upload import LoginFailed
from municipality.archive.ingest.upload import SiteClient
from municipality.archive.ingest.upload import SiteRejected
from municipality.archive.ingest.upload import SiteUnavailable
from pathlib import Path

import argparse
import getpass
import json
import os
import sys


PASSWORD_VARIABLE = "MUNICIPALITY_ARCHIVE_PASSWORD"  # noqa: S105 - its name
OK, FAILED, BAD_INPUT = 0, 1, 2
INTERRUPTED = 130


class InputError(Exception):
    """Bad input found before anything was read or sent (exit code 2)."""


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parser():
    """The command line."""
    p = argparse.ArgumentParser(
        prog="municipality-archive-ingest",
        description=(
            "Read scanned council decisions (TIFF, JPEG, PNG, PDF) with "
            "Tesseract and bring them into the site's archive over "
            "plone.restapi. Killed or failed, run the same command again: "
            "pages already read and decisions already in the site are not "
            "done twice."
        ),
        epilog=(
            "Exit codes: 0 all in the site, 1 some decisions failed (run "
            "again), 2 bad input (nothing done). Guide: docs/archive-ingest.md"
        ),
    )
    p.add_argument("scans", nargs="+", metavar="SCANS_DIR", help="folders of scans")
    p.add_argument("--site", help="the site's URL, e.g. https://dimos.example.gr")
    p.add_argument(
        "--archive",
        default="/archive",
        help="the archive folder's path in the site (default: /archive)",
    )
    p.add_argument("--user", help="a user allowed to ingest (an archivist)")
    p.add_argument(
        "--password-file",
        type=Path,
        help=(
            f"a file whose first line is the password (else ${PASSWORD_VARIABLE}, "
            "else a prompt)"
        ),
    )
    p.add_argument(
        "--manifest",
        type=Path,
        help=(
            "CSV: file, decision, number, year, meeting_date, subject, volume, "
            "box, polytonic (Greek headers accepted)"
        ),
    )
    p.add_argument(
        "--workers",
        type=int,
        default=_cpus(),
        help="OCR processes, one per core (default: %(default)s)",
    )
    p.add_argument(
        "--languages",
        help="Tesseract models for every page, e.g. ell or ell+grc "
        "(default: the site's settings, by year and the polytonic column)",
    )
    p.add_argument(
        "--polytonic",
        action="store_true",
        help="read the whole batch as polytonic (the site's polytonic languages)",
    )
    p.add_argument(
        "--state",
        type=Path,
        help="the state folder that makes a run resumable "
        "(default: the first SCANS_DIR/.ingest-state)",
    )
    p.add_argument(
        "--report",
        type=Path,
        help="the low-confidence report (default: <state>/low-confidence.csv)",
    )
    p.add_argument(
        "--only-manifest",
        action="store_true",
        help="ingest only the files the manifest lists",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar on stderr"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the manifest and the files and say what would happen; "
        "read (OCR) and send nothing",
    )
    p.add_argument(
        "--keep-pages",
        action="store_true",
        help="keep the pages' results in the state folder after their "
        "decision is in the site",
    )
    p.add_argument(
        "--summary-json",
        type=Path,
        help="also write the summary as JSON to this file",
    )
    return p


def read_password(args, environ=None, prompt=getpass.getpass):
    """The password: ``--password-file``, the environment, or a prompt."""
    environ = os.environ if environ is None else environ
    if args.password_file is not None:
        try:
            text = args.password_file.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(
                f"--password-file {args.password_file}: {error.strerror or error}"
            ) from None
        password = text.splitlines()[0] if text.splitlines() else ""
        if not password:
            raise InputError(f"--password-file {args.password_file} is empty")
        return password
    if environ.get(PASSWORD_VARIABLE):
        return environ[PASSWORD_VARIABLE]
    if sys.stdin is not None and sys.stdin.isatty():
        return prompt(f"Password of {args.user} at {args.site}: ")
    raise InputError(
        f"no password: give --password-file or set {PASSWORD_VARIABLE} "
        "(never on the command line)"
    )


def _error(message):
    print(f"municipality-archive-ingest: {message}", file=sys.stderr, flush=True)


def _check_options(args):
    problems = []
    if not args.dry_run and not args.site:
        problems.append("--site is required (except for a --dry-run)")
    if args.site and not args.user:
        problems.append("--user is required with --site")
    if args.site and not args.site.startswith(("http://", "https://")):
        problems.append(f"--site {args.site}: not an http(s) URL")
    if args.workers < 1:
        problems.append(f"--workers {args.workers}: at least 1")
    if args.languages and args.polytonic:
        problems.append("--languages and --polytonic: give one of them")
    if args.only_manifest and args.manifest is None:
        problems.append("--only-manifest needs a --manifest")
    if args.manifest is not None and not args.manifest.is_file():
        problems.append(f"--manifest {args.manifest}: no such file")
    return problems


def main(argv=None):
    """Run the command; returns the exit code."""
    args = parser().parse_args(argv)
    problems = _check_options(args)
    if problems:
        for problem in problems:
            _error(problem)
        return BAD_INPUT
    state = args.state or Path(args.scans[0]) / ".ingest-state"
    exclude = [state, args.report, args.summary_json, args.password_file]
    batch = manifest.plan(
        args.manifest, args.scans, only_manifest=args.only_manifest, exclude=exclude
    )
    for warning in batch.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    if batch.errors:
        _error(f"the batch was not started: {len(batch.errors)} problems")
        for problem in batch.errors:
            print(f"  {problem}", file=sys.stderr)
        return BAD_INPUT
    if not batch.decisions:
        _error("nothing to ingest: no scans found")
        for name, reason in batch.skipped:
            print(f"  skipped {name}: {reason}", file=sys.stderr)
        return BAD_INPUT

    client = site = None
    try:
        if args.site:
            password = read_password(args)
            client = SiteClient(
                args.site,
                args.user,
                password,
                archive=args.archive,
                warn=lambda message: print(message, file=sys.stderr, flush=True),
            )
            site = client.info()
    except InputError as error:
        _error(str(error))
        return BAD_INPUT
    except LoginFailed as error:
        _error(str(error))
        return BAD_INPUT
    except SiteRejected as error:
        _error(str(error))
        return BAD_INPUT
    except SiteUnavailable as error:
        _error(f"the site cannot be reached: {error}")
        return FAILED

    options = Options(
        workers=args.workers,
        languages=args.languages,
        polytonic=args.polytonic,
        dry_run=args.dry_run,
        progress=not args.no_progress,
        keep_pages=args.keep_pages,
        report=args.report,
    )
    try:
        with Journal(state, readonly=args.dry_run) as journal:
            runner = Runner(batch, journal, client, site, options)
            if client is not None:
                client.warn = runner.say
            errors = runner.check()
            if errors:
                _error(f"the batch was not started: {len(errors)} problems")
                for problem in errors:
                    print(f"  {problem}", file=sys.stderr)
                return BAD_INPUT
            runner.compare()
            if args.dry_run:
                runner.dry_run()
                return OK
            summary = runner.run()
            if runner.errors:
                for problem in runner.errors:
                    _error(problem)
                return BAD_INPUT
            runner.print_summary()
    except StateError as error:
        _error(str(error))
        return BAD_INPUT
    except KeyboardInterrupt:
        _error("interrupted: run the same command again to go on")
        return INTERRUPTED
    if args.summary_json:
        args.summary_json.write_text(
            json.dumps(summary.as_dict(), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    if summary.interrupted:
        return INTERRUPTED
    return FAILED if summary.failed else OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
