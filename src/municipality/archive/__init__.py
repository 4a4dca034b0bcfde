"""The digitized council archive (``municipality.archive``).

Decisions of the municipal council from the municipality's founding to 2010,
scanned, read by Tesseract (``ingest/``, a command-line tool that brings them
into a running site over plone.restapi), reviewed by the archivists and
published: browse by decade and year, search that finds every Greek spelling
(the lexicon is core's, ``municipality.core.textindex``).
"""
