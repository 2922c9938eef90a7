"""Exports for citing: the top hits as CSV or JSON files."""

from __future__ import annotations

import csv
import io
import re

from flask import Response, jsonify

CITATION_COLUMNS = ("id", "title", "source", "date", "authors", "url", "link", "passage", "versions",
                    "row_kind", "query_run")
CSV_START = "\ufeff"  # UTF-8's byte order mark: spreadsheets then read accents and scripts as written
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is prefixed with a quote."""
    text = "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def filename(query: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", query).strip("-")[:60] or "search"
    return f"{stem}.{extension}"


def csv_export(query: str, rows: list[dict]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CITATION_COLUMNS)
    for row in rows:
        writer.writerow([cell(row[column]) for column in CITATION_COLUMNS])
    return Response(CSV_START + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename(query, "csv")}"'})


def json_export(query: str, rows: list[dict]) -> Response:
    answer = jsonify({"query": query, "count": len(rows), "results": rows})
    answer.headers["Content-Disposition"] = f'attachment; filename="{filename(query, "json")}"'
    return answer
