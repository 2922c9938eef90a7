"""Reading articles from files: plain text, JSON Lines / JSON, saved web pages.

Everything that comes in becomes an `Article`. What cannot be read is a
`Problem` (`path` or `path:line`, and why), never an exception: one broken
file or record must not cost the others.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from search.analysis import valid_text
from search.bylines import Byline, bylines, credit_and_source
from search.dates import parse_date
from search.plaintext import parse_article
from search.settings import SETTINGS
from search.sidecar import SIDECAR_NAME, SidecarRow, authors_of, row_for, table_notes

TEXT_SUFFIXES = {".txt", ".md"}
JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = JSON_LINES_SUFFIXES | {".json"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES
GZIP_SUFFIX = ".gz"
GZIP_ERRORS = (OSError, EOFError, zlib.error)
JSON_ERRORS = (ValueError, RecursionError)  # bad syntax, numbers of thousands of digits, deep nesting
READ_BLOCK = 1 << 20
MAX_RECORD_BYTES = SETTINGS.max_record_bytes
MIN_SENTENCE_WORDS = 6
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WIDE_BOMS = tuple(bom for bom, encoding in BOMS if encoding != "utf-8-sig")
TEXT_KEYS = ("text", "body", "content")
DATE_KEYS = ("date", "published", "published_at", "pubdate")
SOURCE_KEYS = ("source", "publication", "publisher", "site")
URL_KEYS = ("url", "link")
AUTHOR_KEYS = ("authors", "author", "byline")
TAG_KEYS = ("topics", "tags", "keywords", "section", "category", "places", "people", "orgs", "exchanges")
MAX_TAGS = 100
MAX_TAG_CHARS = 80


@dataclass
class Article:
    """One article as the index stores it."""

    id: str
    text: str
    path: str
    title: str | None = None
    source: str | None = None
    date: datetime | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    line: int | None = None
    credit: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    """Something in the input that was skipped (or, when not fatal, only noted)."""

    location: str
    reason: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class FileContents:
    """The articles read from one file and what went wrong on the way."""

    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Position:
    """How far a run has read into a file's bytes (decompressed, for a `.gz`): the offset, the
    number of the last line (of a JSON array: record) read, and the SHA-1 of the bytes before
    the offset, which tells whether the file still begins as it did."""

    offset: int = 0
    line: int = 0
    sha1: str = hashlib.sha1().hexdigest()


@dataclass
class Stretch:
    """Articles read from a stretch of a big file, where the next stretch starts, how far into
    the file as stored (compressed, for a `.gz`) the reading got, and whether to its end."""

    contents: FileContents
    end: Position
    stored: int
    finished: bool = False


class FileChanged(Exception):
    """The file no longer begins with the bytes a run recorded."""


def article_suffix(path: Path) -> str:
    """The suffix that says how to read a file: `.jsonl` for `wire.jsonl.gz`."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == GZIP_SUFFIX:
        return suffixes[-2] if len(suffixes) > 1 else ""
    return path.suffix.lower()


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == GZIP_SUFFIX


def open_bytes(path: Path) -> BinaryIO:
    """A file's bytes as a stream, decompressed when it is a `.gz`."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # noqa: SIM115


def find_files(root: Path, problems: list[Problem] | None = None) -> Iterator[Path]:
    """The article files at or below `root`, in a stable order; hidden ones skipped.

    Links are never followed out of the folder: a link whose target lies outside `root`, or
    that is broken or loops, is reported in `problems` and skipped; a link to a file or folder
    inside it is skipped quietly (the target is read where it is). What is not a regular file
    (a FIFO, a device) is never read. A file named as `root` itself is read, link or not. What is
    wrong with a folder's `metadata.csv` is noted in `problems` (search/sidecar.py).
    """
    if root.is_file():
        yield root
        return
    home, found = root.resolve(), []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        if SIDECAR_NAME in files and problems is not None:
            problems.extend(Problem(location, reason, fatal=False)
                            for location, reason in table_notes(Path(folder), set(files)))
        for name in [*folders, *files]:
            path = Path(folder) / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                _check_link(path, root, home, problems)
            elif path.is_file():
                if article_suffix(path) in SUPPORTED_SUFFIXES:
                    found.append(path)
            elif not path.is_dir() and article_suffix(path) in SUPPORTED_SUFFIXES and problems is not None:
                problems.append(Problem(path.relative_to(root).as_posix(), "not a regular file; skipped"))
    yield from sorted(found)


def _check_link(path: Path, root: Path, home: Path, problems: list[Problem] | None) -> None:
    """Report a link that is broken, loops, or leads out of the folder (`home`, resolved)."""
    if problems is None:
        return
    location = path.relative_to(root).as_posix()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        problems.append(Problem(location, "a broken link (no target, or a loop); skipped"))
        return
    if not target.is_relative_to(home):
        problems.append(Problem(location, f"a link out of the folder (to {target}); skipped"))


def safe_id(candidate: str) -> str:
    """`candidate` if it is safe in a URL path, else a readable safe form with a hash."""
    if SAFE_ID.match(candidate) and candidate not in (".", ".."):
        return candidate
    slug = UNSAFE_RUN.sub("-", candidate).strip("-.")[:80] or "doc"
    digest = hashlib.sha1(candidate.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{slug}-{digest}"


def id_for_path(relative: str) -> str:
    """The id of a one-article file: its path under the root, without suffix."""
    stem = relative.rsplit(".", 1)[0] if "." in Path(relative).name else relative
    return safe_id(stem.replace("/", "."))


def decode(data: bytes, location: str) -> tuple[str, list[Problem]]:
    """Text from bytes: by byte-order mark, else UTF-8, else cp1252 with a warning."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        warning = Problem(
            location, f"not valid UTF-8 (byte {error.start}); read as cp1252", fatal=False
        )
        return data.decode("cp1252", errors="replace"), [warning]


def utf16_order(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` for UTF-16 text without a byte-order mark, else None.

    Text in Latin script written as UTF-16 has a NUL as the high byte of most characters
    and almost never as the low one, and the start decodes to printable text; binary data
    with NUL bytes does not look like that.
    """
    head = data[:8192]
    head = head[:len(head) - len(head) % 2]
    for order, high, low in (("utf-16-le", head[1::2], head[0::2]), ("utf-16-be", head[0::2], head[1::2])):
        if not high or high.count(0) * 2 < len(high) or low.count(0) * 100 > len(low):
            continue
        try:  # incremental: the head may end inside a surrogate pair
            text = codecs.getincrementaldecoder(order)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if text and sum(c.isprintable() or c.isspace() for c in text) * 100 >= 98 * len(text):
            return order
    return None


def read_file(path: Path, relative: str) -> FileContents:
    """Every article in one file, with the problems met."""
    contents = FileContents()
    try:
        data = path.read_bytes()
    except OSError as error:
        contents.problems.append(Problem(relative, f"cannot read: {error.strerror}"))
        return contents
    if is_gzip(path):
        try:
            data = gzip.decompress(data)
        except GZIP_ERRORS as error:
            contents.problems.append(Problem(relative, f"not a readable gzip file ({error})"))
            return contents
    if not data.strip():
        contents.problems.append(Problem(relative, "empty file"))
        return contents
    wide = None
    suffix = article_suffix(path)
    if b"\x00" in data[:8192] and not data.startswith(tuple(bom for bom, _ in BOMS)):
        wide = utf16_order(data)
        if wide is None and suffix not in JSON_LINES_SUFFIXES:  # a line holding a NUL is one bad record
            contents.problems.append(Problem(relative, "binary file, not text"))
            return contents
    if suffix in JSON_LINES_SUFFIXES and not wide and not data.startswith(WIDE_BOMS):
        _read_json_lines(_utf8_lines(data, relative, contents), relative, contents)
        return contents
    if wide:
        text = data.decode(wide, errors="replace")
        warnings = [Problem(relative, f"no byte-order mark; read as {wide.upper()}", fatal=False)]
    else:
        text, warnings = decode(data, relative)
    contents.problems.extend(warnings)
    if suffix in JSON_LINES_SUFFIXES:
        _read_json_lines(_text_lines(text), relative, contents)
    elif suffix in JSON_SUFFIXES:
        _read_json(text, relative, contents)
    elif len(data) > MAX_RECORD_BYTES:
        contents.problems.append(Problem(relative, f"larger than {MAX_RECORD_BYTES} bytes"))
    else:
        (_read_html if suffix in HTML_SUFFIXES else _read_plain_text)(text, relative, contents)
        row = row_for(path)
        if row and contents.articles:
            contents.articles[0] = _with_row(contents.articles[0], row, contents.problems)
    return contents


def _with_row(article: Article, row: SidecarRow, problems: list[Problem]) -> Article:
    """An article with the values of its sidecar row (search/sidecar.py) in place of its own."""
    changes: dict = {}
    if row.get("date"):
        changes["date"] = parse_date(row.get("date"))
        if changes["date"] is None:
            problems.append(Problem(row.location, f"{row.get('date')!r} is not a date; the file's own kept",
                                    fatal=False))
            del changes["date"]
    for column in ("source", "url", "title"):
        if row.get(column):
            changes[column] = valid_text(row.get(column))
    authors = authors_of(row)
    if authors:
        changes["authors"] = [valid_text(name) for name in authors]
    return replace(article, **changes)


def _read_plain_text(text: str, relative: str, contents: FileContents) -> None:
    parsed = parse_article(text)
    if not parsed.paragraphs and not parsed.title:
        contents.problems.append(Problem(relative, "no article text"))
        return
    source, credit = credit_and_source(Byline(parsed.authors, parsed.agency), parsed.source)
    contents.articles.append(Article(
        id=id_for_path(relative), text=parsed.text, path=relative, title=parsed.title,
        source=source, date=parsed.date, authors=parsed.authors, credit=credit,
    ))


def _read_html(text: str, relative: str, contents: FileContents) -> None:
    import trafilatura

    try:
        extracted = trafilatura.bare_extraction(text, with_metadata=True)
    except Exception as error:  # trafilatura raises many kinds on broken markup
        contents.problems.append(Problem(relative, f"cannot parse HTML: {error}"))
        return
    body = (extracted.text or "").strip() if extracted else ""
    if not _reads_as_article(body):
        contents.problems.append(Problem(relative, "no article text found in the page"))
        return
    title = extracted.title or None
    lines = body.split("\n")
    if title and lines[0].strip() == title.strip():
        body = "\n".join(lines[1:]).strip()
    byline = bylines(extracted.author)
    source, credit = credit_and_source(byline, extracted.sitename or None)
    contents.articles.append(Article(
        id=id_for_path(relative), text=body.replace("\n", "\n\n"), path=relative,
        title=title, source=source, date=parse_date(extracted.date),
        url=extracted.url or None, authors=byline.names, credit=credit,
    ))


def _reads_as_article(body: str) -> bool:
    """Some running text, not only a menu: a line of at least MIN_SENTENCE_WORDS words."""
    return any(len(line.split()) >= MIN_SENTENCE_WORDS for line in body.split("\n"))


def _read_json(text: str, relative: str, contents: FileContents) -> None:
    """A .json file: a JSON document (one object or an array of them), else JSON Lines."""
    try:
        document = json.loads(text)
    except JSON_ERRORS as error:
        if text.lstrip().startswith("["):
            line = error.lineno if isinstance(error, json.JSONDecodeError) else 1
            contents.problems.append(Problem(f"{relative}:{line}", f"invalid JSON: {json_error(error)}"))
            return
    else:
        large = len(text) > MAX_RECORD_BYTES // 4 and _utf8_size(text) > MAX_RECORD_BYTES
        if not isinstance(document, list):
            if large:  # the one record is the whole file
                contents.problems.append(Problem(relative, f"record larger than {MAX_RECORD_BYTES} bytes"))
            else:
                _add_parsed_record(document, relative, 1, contents)
            return
        for number, record in enumerate(document, start=1):
            if large and _utf8_size(json.dumps(record, ensure_ascii=False)) > MAX_RECORD_BYTES:
                problem = Problem(f"{relative}:{number}", f"record larger than {MAX_RECORD_BYTES} bytes")
                contents.problems.append(problem)
            else:
                _add_parsed_record(record, relative, number, contents)
        return
    _read_json_lines(_text_lines(text), relative, contents)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _utf8_lines(data: bytes, relative: str, contents: FileContents) -> Iterator[tuple[int, str, int]]:
    """Each line of JSON Lines bytes (number, text, size in bytes), decoded on its own."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        yield number, _decode_line(raw, f"{relative}:{number}", contents), len(raw)


def _text_lines(text: str) -> Iterator[tuple[int, str, int]]:
    """Each line of decoded JSON Lines text: number, text and its size in UTF-8 bytes."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line, _utf8_size(line)


def _read_json_lines(lines: Iterator[tuple[int, str, int]], relative: str, contents: FileContents) -> None:
    """One record a line; every line on its own, whatever the first one looks like."""
    for number, line, size in lines:
        if line.strip():
            _add_record(line, size, relative, number, contents)


def _add_record(line: str, size: int, relative: str, number: int, contents: FileContents) -> None:
    location = f"{relative}:{number}"
    if size > MAX_RECORD_BYTES:
        contents.problems.append(Problem(location, f"record larger than {MAX_RECORD_BYTES} bytes"))
        return
    try:
        record = json.loads(line)
    except JSON_ERRORS as error:
        contents.problems.append(Problem(location, f"invalid JSON: {json_error(error)}"))
        return
    _add_parsed_record(record, relative, number, contents)


def json_error(error: Exception) -> str:
    """Why a record is not JSON this program reads, in a few words."""
    if isinstance(error, json.JSONDecodeError):
        return error.msg
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error).split(";")[0]  # a number of thousands of digits, …


def _valid_values(record: dict) -> dict:
    """A record's strings, and lists of strings, made valid text (see valid_text)."""
    cleaned = {}
    for key, value in record.items():
        if isinstance(value, str):
            value = valid_text(value)
        elif isinstance(value, list):
            value = [valid_text(item) if isinstance(item, str) else item for item in value]
        cleaned[key] = value
    return cleaned


def _first(record: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _add_parsed_record(record: object, relative: str, number: int, contents: FileContents) -> None:
    """Add one parsed record as an article, or a problem: whatever a record holds, reading it
    cannot stop the run (each record is read inside its own error boundary)."""
    location = f"{relative}:{number}"
    if not isinstance(record, dict):
        contents.problems.append(Problem(location, "record is not a JSON object"))
        return
    try:
        _add_article(_valid_values(record), relative, number, contents)
    except Exception as error:  # a record no rule foresaw: reported, the others read
        reason = f"cannot read the record ({type(error).__name__}: {error})"
        contents.problems.append(Problem(location, reason))


def _add_article(record: dict, relative: str, number: int, contents: FileContents) -> None:
    location = f"{relative}:{number}"
    text = _first(record, TEXT_KEYS)
    title = record.get("title")
    has_text = isinstance(text, str) and text.strip()
    if not has_text and not (isinstance(title, str) and title.strip()):
        contents.problems.append(Problem(location, "record has no text (text, body or content)"))
        return
    given_id = record.get("id")
    if isinstance(given_id, (str, int)) and not isinstance(given_id, bool) and str(given_id):
        doc_id = safe_id(str(given_id))
    else:
        doc_id = safe_id(f"{id_for_path(relative)}-{number}")
    source, url = _first(record, SOURCE_KEYS), _first(record, URL_KEYS)
    byline = bylines(_first(record, AUTHOR_KEYS))
    source, credit = credit_and_source(byline, source if isinstance(source, str) and source.strip() else None)
    contents.articles.append(Article(
        id=doc_id,
        text=text if isinstance(text, str) else "",
        path=relative,
        line=number,
        title=title.strip() or None if isinstance(title, str) else None,
        source=source,
        date=parse_date(_first(record, DATE_KEYS)),
        url=url if isinstance(url, str) else None,
        authors=byline.names,
        credit=credit,
        tags=record_tags(record),
    ))


def record_tags(record: dict) -> list[str]:
    """The tag lists a record carries (topics, keywords, section, Reuters' places …), as one
    list without repeats (case ignored): a value is a list of strings or one string, which
    `tags` and `keywords` may hold comma-separated."""
    found: dict[str, str] = {}
    for key in TAG_KEYS:
        value = record.get(key)
        if isinstance(value, str):
            value = value.split(",") if key in ("tags", "keywords") else [value]
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, str) and 0 < len(tag := " ".join(item.split())) <= MAX_TAG_CHARS:
                found.setdefault(tag.casefold(), tag)
    return list(found.values())[:MAX_TAGS]


def stream_kind(path: Path) -> str | None:
    """How a file is read as a stream of stretches: `lines` (JSON Lines) or `array` (a JSON
    array), plain or gzipped, in UTF-8; None for a file read whole (one article, a JSON object,
    text in UTF-16 or UTF-32, a gzip file that cannot be read)."""
    suffix = article_suffix(path)
    if suffix not in JSON_SUFFIXES:
        return None
    try:
        with open_bytes(path) as stream:
            head = stream.read(8192)
    except GZIP_ERRORS:
        return None
    if head.startswith(WIDE_BOMS) or b"\x00" in head and (
            suffix not in JSON_LINES_SUFFIXES or utf16_order(head) is not None):
        return None
    if suffix in JSON_LINES_SUFFIXES:  # a stray NUL is in one line, reported with it
        return "lines"
    return "array" if head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"[") else None


def begins_as_recorded(path: Path, position: Position) -> bool:
    """Whether the file's first `position.offset` bytes are still the ones a run read."""
    hasher = hashlib.sha1()
    try:
        with open_bytes(path) as stream:
            read = _hash_ahead(stream, hasher, position.offset)
    except GZIP_ERRORS:
        return False
    return read == position.offset and hasher.hexdigest() == position.sha1


def read_stretches(path: Path, relative: str, kind: str, start: Position, size: int) -> Iterator[Stretch]:
    """A big file's articles from `start` on, `size` at a time, each stretch with where the
    next one starts; the last one says how much of the stored file was read. `kind`: the
    file's `stream_kind`. Raises FileChanged when the file no longer begins as `start` records."""
    try:
        with open_bytes(path) as stream:
            if kind == "array":
                yield from _array_stretches(stream, relative, start, size)
            else:
                yield from _line_stretches(stream, relative, start, size)
    except GZIP_ERRORS as error:
        contents = FileContents(problems=[Problem(relative, f"cannot read to the end: {error}")])
        yield Stretch(contents, start, -1, finished=True)


def _hash_ahead(stream: BinaryIO, hasher, count: int) -> int:
    """Read `count` bytes (fewer at the end) into `hasher`; how many there were."""
    read = 0
    while read < count:
        block = stream.read(min(READ_BLOCK, count - read))
        if not block:
            break
        hasher.update(block)
        read += len(block)
    return read


def _stored_bytes(stream: BinaryIO) -> int:
    """How far into the stored file a stream has read (for a `.gz`, its compressed bytes)."""
    return (stream.fileobj if isinstance(stream, gzip.GzipFile) else stream).tell()


def _line_stretches(stream: BinaryIO, relative: str, start: Position, size: int) -> Iterator[Stretch]:
    """JSON Lines from `start`. A last line without a newline that does not parse (an export
    still being written) is reported and left outside the position, for a later run to read
    whole once the file has grown."""
    hasher = hashlib.sha1()
    if _hash_ahead(stream, hasher, start.offset) != start.offset or hasher.hexdigest() != start.sha1:
        raise FileChanged(relative)
    offset, number, contents = start.offset, start.line, FileContents()
    while True:
        before = hasher.copy()
        raw, length, ended = _read_line(stream, hasher)
        if not length:
            break
        problems = len(contents.problems)
        line = _decode_line(raw.removeprefix(codecs.BOM_UTF8) if offset == 0 else raw,
                            f"{relative}:{number + 1}", contents)
        if line.strip():
            _add_record(line, length, relative, number + 1, contents)
        if not ended and any(problem.fatal for problem in contents.problems[problems:]):
            hasher = before
            break
        offset, number = offset + length, number + 1
        if len(contents.articles) >= size:
            yield Stretch(contents, Position(offset, number, hasher.hexdigest()), _stored_bytes(stream))
            contents = FileContents()
    yield Stretch(contents, Position(offset, number, hasher.hexdigest()), _stored_bytes(stream), True)


def _read_line(stream: BinaryIO, hasher) -> tuple[bytes, int, bool]:
    """The next line's bytes (the first MAX_RECORD_BYTES + 1 of a longer one), its length,
    and whether a newline ended it; every byte of it goes into `hasher`."""
    head = stream.readline(MAX_RECORD_BYTES + 1)
    hasher.update(head)
    length, tail = len(head), head
    while tail and not tail.endswith(b"\n") and length > MAX_RECORD_BYTES:
        tail = stream.readline(READ_BLOCK)
        hasher.update(tail)
        length += len(tail)
    return head, length, (tail or head).endswith(b"\n")


def _decode_line(raw: bytes, location: str, contents: FileContents) -> str:
    """One line of JSON Lines as text: UTF-8, else cp1252 with a warning, so one legacy or
    cut-off line leaves the others as they are."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.decode("cp1252", errors="replace")
        if line.strip():
            contents.problems.append(Problem(
                location, f"not valid UTF-8 (byte {error.start}); read as cp1252", fatal=False))
        return line


def _array_stretches(stream: BinaryIO, relative: str, start: Position, size: int) -> Iterator[Stretch]:
    """The records of a JSON array after the first `start.line`, parsed as they come (ijson):
    an array has no place to resume inside, so a run that stopped in one reads it again from
    the start and skips what it had (a changed file is read again whole: see the indexer)."""
    import ijson

    if stream.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        stream.seek(0)
    number, contents = 0, FileContents()
    try:
        for record in ijson.items(stream, "item", use_float=True):
            number += 1
            if number <= start.line:
                continue
            if _is_large(record):
                contents.problems.append(
                    Problem(f"{relative}:{number}", f"record larger than {MAX_RECORD_BYTES} bytes"))
            else:
                _add_parsed_record(record, relative, number, contents)
            if len(contents.articles) >= size:
                yield Stretch(contents, Position(0, number, ""), _stored_bytes(stream))
                contents = FileContents()
    except (ijson.JSONError, *JSON_ERRORS) as error:
        contents.problems.append(Problem(f"{relative}:{number + 1}", f"invalid JSON: {json_error(error)}"))
    yield Stretch(contents, Position(0, number, ""), _stored_bytes(stream), True)


def _is_large(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    rough = sum(len(value) for value in record.values() if isinstance(value, str))
    if rough <= MAX_RECORD_BYTES // 4:
        return False
    return _utf8_size(json.dumps(record, ensure_ascii=False)) > MAX_RECORD_BYTES
