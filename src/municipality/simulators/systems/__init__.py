"""Endpoints of the simulated systems, one module per system.

The app imports every module of this package at start-up (see
:func:`municipality.simulators.registry.load_system_modules`); a module
registers its endpoints on import, e.g. ``protocol.py``::

    from municipality.simulators.registry import system


    @system("protocol").route("POST", "/documents")
    def register_document(request):
        ...

Each system already answers ``GET /<system>/health``.
"""
