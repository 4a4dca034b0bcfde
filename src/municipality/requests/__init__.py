"""Citizen requests, complaints and proposals: the add-on ``municipality.requests``.

Citizens submit them named (logged in) or anonymously (with a private
tracking link); staff handle them through a workflow from «submitted» to
«closed». The model is here (content types, workflow, settings, the module
:mod:`municipality.requests.api`); the views are in ``browser/``.
"""
