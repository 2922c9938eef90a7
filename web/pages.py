"""The HTML pages: the same engine calls as the API, rendered on the server (no script needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search.dates import readable_date
from search.engine import MAX_QUERY_CHARS, MAX_RESULTS
from search.errors import InvalidParameter
from search.facets import FACETS, OVERVIEW_FACETS
from search.quotes import by_speaker
from search.settings import SETTINGS
from web.engine import current_engine, index_overview, search_page
from web.params import (
    DATE_PARAMS,
    SearchParams,
    article_id,
    check_known,
    date_problem,
    search_params,
    text_value,
)
from web.timeline import HEIGHT, WIDTH, counts_fit, timeline_bars, timeline_unit

blueprint = Blueprint("pages", __name__)
RELATED_ON_PAGE = SETTINGS.related


@blueprint.get("/")
def home():
    """The search box, and what the index holds: counts, dates, the sources, people, organisations
    and places most stories name (each browses its stories), and searches to try from them."""
    check_known(request.args, frozenset())
    overview = index_overview()
    facets = [facet for facet in FACETS if facet.name in OVERVIEW_FACETS]
    return render_template("home.html", params=SearchParams(q=""), overview=overview, facets=facets,
                           examples=example_searches(overview) if overview else [])


def example_searches(overview: dict) -> list[tuple[str, dict]]:
    """Searches to try, each shown by what it shows and made from this index's own top values: a
    name (any spelling finds it), a phrase, a place as a filter, the newest month; only those that
    find something (tried once a commit)."""
    kept = current_app.extensions.get("home_examples")
    if kept and kept[0] == overview["generation"]:
        return kept[1]
    top = {name: [item["value"] for item in values] for name, values in overview["top"].items()}
    phrases = [name for name in top["org"] + top["place"] if " " in name]
    candidates = [("a name", {"q": top["person"][0]}) if top["person"] else None,
                  ("a phrase", {"q": f'"{phrases[0]}"'}) if phrases else None,
                  ("a place as a filter", {"place": top["place"][0]}) if top["place"] else None,
                  ("the newest month", {"from": overview["last_date"][:7], "to": overview["last_date"][:7]})
                  if overview["last_date"] else None]
    tried = [(label, args, current_engine().search(search_params(MultiDict(args)).request(limit=1)))
             for label, args in filter(None, candidates)]
    found = [(label, args) for label, args, answer in tried if answer["total"]]
    if not any(answer["partial"] for _, _, answer in tried):  # one cut short is tried again
        current_app.extensions["home_examples"] = (overview["generation"], found)
    return found


@blueprint.get("/search")
def search():
    """The results page. A bad date range keeps the words and the other filters: the page is
    searched without the dates and says what is wrong beside them (status 400)."""
    args, date_error = request.args, date_problem(request.args)
    if date_error:
        args = MultiDict([(name, value) for name, value in request.args.items(multi=True)
                          if name not in DATE_PARAMS])
    params = search_params(args, require_query=False)
    if not params.q and not params.filters.given:
        if date_error:
            raise InvalidParameter(date_error)
        return redirect(url_for("pages.home"))
    found = search_page(params)
    pages = -(-min(found["total"], MAX_RESULTS) // params.size)
    typed = {name: text_value(request.args, name) or "" for name in DATE_PARAMS}
    page = render_template(
        "search.html", params=params, found=found, pages=pages, facets=FACETS,
        bars=timeline_bars(found["facets"]), unit=timeline_unit(found["facets"]), counts_fit=counts_fit,
        chart={"width": WIDTH, "height": HEIGHT}, date_error=date_error, typed_dates=typed,
    )
    return page, 400 if date_error else 200


@blueprint.get("/articles/<doc_id>")
def article(doc_id: str):
    check_known(request.args, frozenset({"q"}))
    engine = current_engine()
    q = text_value(request.args, "q", MAX_QUERY_CHARS)
    record = engine.article(article_id(doc_id), q)
    related = engine.related(record["id"], RELATED_ON_PAGE)
    return render_template("article.html", article=record, related=related, params=SearchParams(q=q or ""),
                           quotes=by_speaker(record["quotes"]))


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
def feed_url(params: SearchParams) -> str:
    """The Atom feed of this search or browse (web/feed.py)."""
    return url_for("feed.feed", **params.args(page=None, size=None, sort=None))


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


blueprint.app_template_filter("readable_date")(readable_date)  # `1987-02-26 17:34`, as the CLI prints it
