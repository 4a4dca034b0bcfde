"""The ingestion tool ``municipality-archive-ingest`` (operator's guide:
``docs/archive-ingest.md``).

``cli`` the command line; ``manifest`` the batch and its checks; ``runner``
one run, start to end; ``pool`` OCR in worker processes, a page a job;
``journal`` the state folder that makes a run resumable; ``payload`` a
decision's ``@archive-ingest`` JSON; ``upload`` the site over plone.restapi.
None of them imports Plone: the tool runs on any machine with the package.
"""
