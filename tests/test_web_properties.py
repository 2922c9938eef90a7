"""Whatever a client sends, every endpoint answers 200 or 4xx with JSON of its documented shape
(or, for the pages, an HTML page), never a 500 or a traceback."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import assert_matches_openapi

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_text = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    st.sampled_from(["\u200f\u202eabc", "🚀💥", '"((', "AND", "*", "?", "foo:bar", "date:9999..0",
                     "<script>alert(1)</script>", "../../etc/passwd", "%00", "x" * 3000]),
)
values = st.one_of(st.none(), hostile_text, st.integers(-10, 5000).map(str))
SEARCH_PARAMS = ["q", "page", "size", "sort", "source", "author", "entity", "from", "to", "format", "bogus"]
search_args = st.fixed_dictionaries({}, optional={name: values for name in SEARCH_PARAMS})


@SETTINGS
@given(params=search_args)
def test_search_answers_in_its_documented_shape(client, params):
    response = client.get("/api/search", query_string={k: v for k, v in params.items() if v is not None})
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    if response.mimetype == "application/json":
        assert_matches_openapi(response, "/api/search")
    else:
        assert response.status_code == 200 and response.mimetype == "text/csv"


@SETTINGS
@given(doc_id=hostile_text.filter(bool), limit=values, typed=values)
def test_articles_related_and_suggest_answer_in_their_documented_shapes(client, doc_id, limit, typed):
    segment = quote(doc_id, safe="")
    for path, template, args in (
        (f"/api/articles/{segment}", "/api/articles/{id}", {}),
        (f"/api/articles/{segment}/related", "/api/articles/{id}/related", {"limit": limit}),
        ("/api/suggest", "/api/suggest", {"q": typed, "limit": limit}),
    ):
        response = client.get(path, query_string={k: v for k, v in args.items() if v is not None})
        assert response.status_code in (200, 308, 400, 404), (path, response.status_code)  # 308: `//` merged
        if response.status_code in (200, 400) or response.mimetype == "application/json":
            assert_matches_openapi(response, template)


@SETTINGS
@given(params=search_args, doc_id=hostile_text)
def test_pages_answer_with_a_page(client, params, doc_id):
    response = client.get("/search", query_string={k: v for k, v in params.items() if v is not None})
    assert response.status_code in (200, 302, 400), response.status_code
    assert response.mimetype == "text/html" or response.status_code == 302
    assert b"Traceback" not in response.data
    article = client.get(f"/articles/{quote(doc_id, safe='')}")
    assert article.status_code in (200, 404, 308), article.status_code
    assert b"Traceback" not in article.data
