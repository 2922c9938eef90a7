package newssearch.similarity;

import org.apache.lucene.index.FieldInvertState;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.similarities.Similarity;

/**
 * BM25 as the embedded backend scores it, so both backends give one document one score.
 *
 * <p>Lucene's BM25 keeps a field's length in one byte with steps of up to 12.5%; the embedded
 * (Whoosh) backend keeps it in one byte too, but on Whoosh's finer scale (steps near 3.3%), so
 * the same document gets a different length and its score moves by up to a few percent, enough
 * to reorder close stories. This similarity writes Whoosh's byte as the norm and decodes it with
 * Whoosh's table; the rest is the legacy BM25 OpenSearch runs (the (k1 + 1) factor, Lucene's
 * non-negative IDF, the average length from the collection's statistics, every token counted).
 */
public final class EmbeddedBM25Similarity extends Similarity {

    /** A field's length for each byte: Whoosh's scale, round((1.033^n - 1) * 27). */
    static final int[] LENGTHS = new int[256];

    static {
        for (int code = 0; code < LENGTHS.length; code++) {
            LENGTHS[code] = (int) Math.floor((Math.pow(1.033, code) - 1) * 27 + 0.5);
        }
    }

    private final float k1;
    private final float b;

    public EmbeddedBM25Similarity(float k1, float b) {
        super(false); // every token counts, the ones stacked at one position too, as Whoosh counts them
        if (!(k1 >= 0) || !(b >= 0 && b <= 1)) {
            throw new IllegalArgumentException("k1 must be >= 0 and b in [0, 1], got k1=" + k1 + " b=" + b);
        }
        this.k1 = k1;
        this.b = b;
    }

    /** The smallest byte whose length is at least the field's (Whoosh rounds up), as a signed byte. */
    static byte encode(int length) {
        if (length >= LENGTHS[255]) {
            return (byte) 255;
        }
        int low = 0;
        int high = 255;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (LENGTHS[middle] < length) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return (byte) low;
    }

    @Override
    public long computeNorm(FieldInvertState state) {
        return encode(state.getLength());
    }

    @Override
    public SimScorer scorer(float boost, CollectionStatistics collection, TermStatistics... terms) {
        double idf = 0;
        for (TermStatistics term : terms) {
            idf += idf(term.docFreq(), collection.docCount());
        }
        double averageLength = (double) collection.sumTotalTermFreq() / collection.docCount();
        float[] inverseNorms = new float[256];
        for (int code = 0; code < inverseNorms.length; code++) {
            inverseNorms[code] = (float) (1 / (k1 * (1 - b + b * LENGTHS[code] / averageLength)));
        }
        return new Scorer((float) (boost * idf * (k1 + 1)), inverseNorms);
    }

    /** Lucene's BM25 IDF, never negative: log(1 + (N - n + 0.5) / (n + 0.5)). */
    static double idf(long docFreq, long docCount) {
        return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
    }

    @Override
    public String toString() {
        return "EmbeddedBM25(k1=" + k1 + ",b=" + b + ")";
    }

    private static final class Scorer extends SimScorer {
        private final float weight;
        private final float[] inverseNorms;

        Scorer(float weight, float[] inverseNorms) {
            this.weight = weight;
            this.inverseNorms = inverseNorms;
        }

        /** weight * tf / (tf + norm), written as Lucene writes it so it never falls as tf grows. */
        @Override
        public float score(float freq, long norm) {
            return weight - weight / (1f + freq * inverseNorms[((int) norm) & 0xFF]);
        }
    }
}
