"""Simulators of the municipality's external systems, in one small process.

One WSGI application, served by waitress, plays the finance system, the bank
card gateway, the document protocol registry, TaxisNet login and Diavgeia,
each with a failure mode switchable at run time; an SMTP server in the same
process catches outgoing mail. Run it with ``municipality-simulators``.

This subpackage uses only the standard library, WebOb, waitress and aiosmtpd,
never Zope or Plone, so it starts fast and runs without an instance.

* :mod:`.registry`: systems, failure modes and routing; add endpoints here
  with ``@system("protocol").route("POST", "/documents")``.
* :mod:`.systems`: the modules adding each system's endpoints.
* :mod:`.mail`: the SMTP mail catcher and its message store.
* :mod:`.app`: the WSGI application (health, admin, mail, dispatch).
* :mod:`.server`: the command-line entry point and :class:`SimulatorServer`.
"""
