"""The public disclosure site (信息公示): server-rendered Chinese pages, list downloads (CSV, XLSX), the
data dictionary, and the `changes` feed for disclosure platforms.

Built only from the public shapes (`supervision.public.shapes`, `Shape.render(row)`) over the same views
the public API reads: the site adds no rule and shows nothing the public API does not. `site_blp` is a
plain Flask blueprint (HTML, files); `changes_blp` is a flask-smorest blueprint (in the OpenAPI document).
"""

from __future__ import annotations

from supervision.web.changes import blp as changes_blp
from supervision.web.pages import blp as site_blp
from supervision.web.public_api import blp as public_site_blp

__all__ = ["changes_blp", "public_site_blp", "site_blp"]
