"""plone.restapi's ``@users`` with the profile's checks (``POST``, ``PATCH``).

Plone's ``@users`` stores member properties as they come. Here the member
fields of ``userdata.py`` (ΑΦΜ, father's name, phone, address) get the
checks of the forms before plone.restapi's own service runs:

- each value is normalised as on ``@@personal-information``
  (``"+30 69-1234 5678"`` → ``"6912345678"``) or refused with the field's
  Greek message;
- the ΑΦΜ of a person whose identity is verified cannot be changed (nor
  cleared): staff revoke the verification first, as on the forms.

A refused request changes nothing: HTTP 400 with
``{"error": {"type": "BadRequest", "message": …, "field": "afm",
"errors": [{"field": …, "message": …}, …]}}`` (the first field's message in
``message``; every wrong field in ``errors``).
"""

from municipality import _
from municipality.core.identity.userdata import AFMLocked
from municipality.core.identity.userdata import FIELDS
from municipality.core.identity.validators import normalize
from plone.restapi.services.users.add import UsersPost
from plone.restapi.services.users.update import UsersPatch
from zope.i18n import translate
from zope.schema import ValidationError

import json


MSG_NOT_JSON = _("The request body is not a JSON object.")
MSG_NOT_TEXT = _("The value must be text.")


class _Checked:
    """Checks the member fields of the body, then runs plone.restapi's reply."""

    def _refuse(self, errors):
        self.request.response.setStatus(400)
        errors = [
            {"field": field, "message": translate(message, context=self.request)}
            for field, message in errors
        ]
        return {
            "error": {
                "type": "BadRequest",
                "message": errors[0]["message"],
                "field": errors[0]["field"],
                "errors": errors,
            }
        }

    def _current_afm_locked(self):
        """``(current ΑΦΜ, verified?)`` of the user a PATCH changes."""
        return None, False

    def checked_body(self):
        """``(body, errors)``: the body with our fields normalised, or the
        ``(field, message)`` of every value refused. A list (``POST`` of
        several accounts) is checked account by account (``"1.afm"``)."""
        try:
            body = json.loads(self.request.get("BODY") or "{}")
        except ValueError:
            return None, [(None, MSG_NOT_JSON)]
        if isinstance(body, dict):
            return body, self._check(body, "")
        if isinstance(body, list) and isinstance(self, UsersPost):
            errors = []
            for index, account in enumerate(body):
                if isinstance(account, dict):
                    errors.extend(self._check(account, f"{index}."))
            return body, errors
        return None, [(None, MSG_NOT_JSON)]

    def _check(self, account, prefix):
        """Normalise ``account``'s member fields in place; their errors."""
        errors = []
        for name, (kind, *_rest) in FIELDS.items():
            if name not in account:
                continue
            value = account[name]
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors.append((prefix + name, MSG_NOT_TEXT))
                continue
            try:
                account[name] = normalize(kind, value)
            except ValidationError as error:
                errors.append((prefix + name, error.doc()))
        if "afm" in account and not any(f == prefix + "afm" for f, _m in errors):
            current, verified = self._current_afm_locked()
            if verified and account["afm"] != (current or ""):
                errors.append((prefix + "afm", AFMLocked.__doc__))
        return errors

    def _may_change(self):
        """False when plone.restapi will refuse the caller anyway (then it
        answers, and nothing about the account is told by our checks)."""
        return True

    def reply(self):
        if not self._may_change():
            return super().reply()
        body, errors = self.checked_body()
        if errors:
            return self._refuse(errors)
        self.request["BODY"] = json.dumps(body).encode("utf-8")
        return super().reply()


class CheckedUsersPost(_Checked, UsersPost):
    """``POST @users``: a new account's member fields checked first."""


class CheckedUsersPatch(_Checked, UsersPatch):
    """``PATCH @users/<id>``: the member fields checked, the verified ΑΦΜ kept."""

    def _may_change(self):
        if len(self.params) != 1:
            return False
        return self.can_manage_users or self._get_current_user == self.params[0]

    def _current_afm_locked(self):
        from municipality.core.identity.verification import is_verified

        if len(self.params) != 1:
            return None, False
        user = self._get_user(self.params[0])
        if user is None:
            return None, False
        return user.getProperty("afm", "") or "", is_verified(user.getId())
