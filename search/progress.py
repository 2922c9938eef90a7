"""What a person watching `search index` sees: one bar for the run, and a closing line.

The bar is tqdm's (imported only when a bar is shown, on a terminal): documents with their
rate and the time left when the plan can count them (article files, JSON Lines stored plain),
else the stored bytes read, with the documents so far beside them (gzip files, JSON arrays).
"""

from __future__ import annotations


class TerminalProgress:
    """A run's progress bar on stderr (search.indexer.RunProgress)."""

    def __init__(self):
        self.bar = None
        self.by_documents = True
        self.documents = 0

    def start(self, documents: int | None, stored_bytes: int) -> None:
        from tqdm import tqdm

        self.by_documents = documents is not None
        if self.by_documents:
            self.bar = tqdm(total=documents, desc="indexing", unit=" docs", unit_scale=True,
                            dynamic_ncols=True)
        else:
            self.bar = tqdm(total=stored_bytes, desc="indexing", unit="B", unit_scale=True,
                            unit_divisor=1024, dynamic_ncols=True)

    def advance(self, documents: int, stored_bytes: int) -> None:
        self.documents += documents
        if self.by_documents:
            self.bar.update(documents)
        else:
            self.bar.update(max(0, stored_bytes - self.bar.n))
            elapsed = self.bar.format_dict["elapsed"]
            rate = f", {self.documents / elapsed:,.0f} docs/s" if elapsed > 0 else ""
            self.bar.set_postfix_str(f"{self.documents:,} docs{rate}", refresh=False)

    def close(self, documents: int, seconds: float) -> None:
        if self.bar is not None:
            self.bar.close()


def closing_line(documents: int, seconds: float) -> str:
    """`indexed 21,578 documents in 41.2 s (524 docs/s)`."""
    rate = f" ({documents / seconds:,.0f} docs/s)" if documents and seconds > 0 else ""
    noun = "document" if documents == 1 else "documents"
    return f"indexed {documents:,} {noun} in {seconds:.1f} s{rate}"
