"""Atom feeds: a search or a browse followed in a feed reader, newest stories first.

Each results page links its feed (`/feed.atom` with the page's words and filters): the stories
that hold every word of the query (a page of optional words ranks those first; newest first,
the ones with some words would bury them), within the filters. An entry is
one story (its version shown on the page): headline, source, date, the passage that matches
and the article's link in the app. Entry ids are the article's link, so they stay the same
from one reading to the next; `updated` is the article's date, or for an undated article the
time the index last changed (when it may have been added: the index keeps no time per article).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from search.dates import internet_time, readable_date
from search.settings import SETTINGS
from web.engine import current_engine
from web.links import absolute_url
from web.params import search_params

blueprint = Blueprint("feed", __name__)
ATOM_TYPE = "application/atom+xml"


@blueprint.get("/feed.atom")
def feed():
    args = request.args.copy()
    args.setdefault("size", str(SETTINGS.feed_entries))
    params = search_params(args)
    engine = current_engine()
    found = engine.search(params.request(sort="newest", offset=0, every_word=True))
    hits = found["results"]
    undated = not hits or any(not hit["date"] for hit in hits)  # only then is the index's time needed
    indexed = (engine.stats()["updated"] or 0.0) if undated else 0.0
    entries = [{**hit, "link": absolute_url("pages.article", doc_id=hit["id"]), "summary": summary(hit),
                "updated": internet_time(hit["date"], indexed)} for hit in hits]
    page_args = params.args(size=None, sort=None)
    body = render_template(
        "feed.xml", entries=entries, title=feed_title(page_args),
        self_url=absolute_url("feed.feed", **params.args(sort=None)),
        page_url=absolute_url("pages.search", **page_args),
        updated=max((entry["updated"] for entry in entries), default=internet_time(None, indexed)))
    return Response(body, mimetype=ATOM_TYPE)


def summary(hit: dict) -> str:
    """An entry's summary as HTML (the template escapes it again for XML): the source and date,
    then the passage with the query's words in bold (feed readers drop HTML5's `<mark>`)."""
    when = readable_date(hit["date"]) or "undated"
    passage = (hit["snippet"] or "").replace("<mark>", "<strong>").replace("</mark>", "</strong>")
    return str(Markup("<p>{} · {}</p><p>{}</p>").format(hit["source"] or "Unknown source", when,
                                                       Markup(passage)))


def feed_title(args: dict) -> str:
    """What the feed follows, as its title: the words, then each filter."""
    words = args.get("q")
    filters = ", ".join(f"{name}: {value}" for name, value in args.items() if name not in ("q", "spell"))
    return " · ".join(filter(None, (words, filters, "News search")))
