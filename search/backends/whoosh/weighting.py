"""Whoosh's weighting model for our ranking formula (search/rank.py), for what Whoosh's own
matchers score: the nodes the array scorer leaves to them (sloppy phrases, ranges) and related
coverage. BM25 per field, weighted by field, with Lucene's IDF; the entity field scores its
postings' salience (the entity boost).
"""

from __future__ import annotations

from whoosh.scoring import BaseScorer, WeightingModel, WeightLengthScorer, WeightScorer

from search.rank import DEFAULT_WEIGHTS, ENTITY_FIELD, Weights, bm25, idf


class NewsBM25F(WeightingModel):
    """BM25 per field, weighted by field, with Lucene's IDF."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS):
        self.weights = weights

    def supports_block_quality(self) -> bool:
        return True

    def scorer(self, searcher, fieldname: str, text: bytes, qf: int = 1) -> BaseScorer:
        if fieldname == ENTITY_FIELD:
            return SalienceScorer(searcher, fieldname, text, self.weights.entity_boost)
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return FieldBM25Scorer(searcher, fieldname, text, self.weights, qf)


class FieldBM25Scorer(WeightLengthScorer):
    """Scores one term in one field; global statistics come from the top searcher."""

    def __init__(self, searcher, fieldname: str, text: bytes, weights: Weights, qf: int = 1):
        parent = searcher.get_parent()
        self.idf = idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))
        self.avg_length = parent.avg_field_length(fieldname) or 1.0
        self.k1, self.b = weights.k1, weights.b
        self.scale = weights.field_weight(fieldname) * qf
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: float) -> float:
        return self.scale * bm25(weight, length, self.avg_length, self.idf, self.k1, self.b)


class SalienceScorer(BaseScorer):
    """The entity boost: an entity's salience in the document (stored as the term's weight)."""

    def __init__(self, searcher, fieldname: str, text: bytes, scale: float):
        self.scale = scale
        self._max = scale * searcher.term_info(fieldname, text).max_weight()

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher) -> float:
        return self.scale * matcher.weight()

    def max_quality(self) -> float:
        return self._max

    def block_quality(self, matcher) -> float:
        return self.scale * matcher.block_max_weight()
