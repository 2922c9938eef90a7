"""The HTML pages: the same engine calls as the API, rendered on the server (no script needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for

from search.engine import MAX_QUERY_CHARS, MAX_RESULTS
from search.facets import FACETS
from search.settings import SETTINGS
from web.engine import current_engine, search_page
from web.params import SearchParams, article_id, check_known, search_params, text_value
from web.timeline import HEIGHT, WIDTH, timeline_bars

blueprint = Blueprint("pages", __name__)
RELATED_ON_PAGE = SETTINGS.related


@blueprint.get("/")
def home():
    check_known(request.args, frozenset())
    return render_template("home.html", params=SearchParams(q=""))


@blueprint.get("/search")
def search():
    params = search_params(request.args, require_query=False)
    if not params.q:
        return redirect(url_for("pages.home"))
    found = search_page(params)
    pages = -(-min(found["total"], MAX_RESULTS) // params.size)
    return render_template(
        "search.html", params=params, found=found, pages=pages, facets=FACETS,
        bars=timeline_bars(found["facets"]["month"]),
        chart={"width": WIDTH, "height": HEIGHT},
    )


@blueprint.get("/articles/<doc_id>")
def article(doc_id: str):
    check_known(request.args, frozenset({"q"}))
    engine = current_engine()
    q = text_value(request.args, "q", MAX_QUERY_CHARS)
    record = engine.article(article_id(doc_id), q)
    related = engine.related(record["id"], RELATED_ON_PAGE)
    return render_template("article.html", article=record, related=related, params=SearchParams(q=q or ""))


@blueprint.app_template_global()
def search_url(params: SearchParams, **changes) -> str:
    """The results page for this search with some parameters changed (back to page 1
    unless the page is what changes)."""
    changes.setdefault("page", None)
    return url_for("pages.search", **params.args(**changes))


@blueprint.app_template_global()
def export_url(params: SearchParams, export_format: str) -> str:
    args = params.args(page=None, size=None, format=export_format)
    return url_for("api.search", **args)


@blueprint.app_template_global()
def count_text(count: int, relation: str | None = None) -> str:
    """A count as the page says it: `1,234`, or `more than 10,000` when the count is a lower bound."""
    return f"more than {count:,}" if relation == "gte" else f"{count:,}"


@blueprint.app_template_filter()
def web_link(url: str | None) -> str | None:
    """A link only to an http(s) address (an article's url could say `javascript:`)."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return None
