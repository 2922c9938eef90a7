package newssearch.similarity;

import org.opensearch.index.IndexModule;
import org.opensearch.plugins.Plugin;

/** Offers EmbeddedBM25Similarity to index settings as the similarity type `embedded_bm25`. */
public final class EmbeddedBM25Plugin extends Plugin {

    public static final String TYPE = "embedded_bm25";

    @Override
    public void onIndexModule(IndexModule module) {
        module.addSimilarity(TYPE, (settings, version, scripts) ->
            new EmbeddedBM25Similarity(settings.getAsFloat("k1", 1.2f), settings.getAsFloat("b", 0.75f)));
    }
}
