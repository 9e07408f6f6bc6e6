"""/api/asyncapi.json: the Kafka topic catalogue (AsyncAPI 3.0), next to the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask_smorest import Blueprint

blp = Blueprint("asyncapi", __name__, url_prefix="/api", description="Kafka topic catalogue")


@blp.route("/asyncapi.json")
@blp.doc(summary="AsyncAPI 3.0 document of every topic we publish and consume (public)",
         responses={"200": {"description": "the AsyncAPI 3.0 document",
                            "content": {"application/json": {"schema": {"type": "object"}}}}})
def asyncapi() -> Any:
    from consumers.asyncapi import document
    from consumers.topics import Catalogue

    prefix = current_app.extensions["eldercare"].settings.topic_prefix
    return jsonify(document(Catalogue(prefix=prefix)))
