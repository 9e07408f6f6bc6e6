"""The flask-smorest `Api` with the error body this API really sends.

flask-smorest documents every error status (and the `default` response) with its own schema
(`code`, `status`, `message`, `errors`), which no response here carries: every error leaves through
`supervision.api.errors` as `ErrorSchema` (`error`, `fields`, `request_id`). This subclass makes the
OpenAPI document say so.
"""

from __future__ import annotations

from flask_smorest import Api

from supervision.api.schemas import ErrorSchema


class DocumentedApi(Api):
    ERROR_SCHEMA = ErrorSchema
