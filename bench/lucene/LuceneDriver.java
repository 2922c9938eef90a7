import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

/**
 * The Lucene peer of `make bench` (bench/peers.py runs it).
 *
 * <p>{@code build CORPUS INDEX} indexes a JSON Lines file, or a folder of them, and prints the
 * document count. {@code serve INDEX} prints an empty line once the index is open, then answers
 * queries read from stdin, one a line as {@code depth<TAB>text}: a line {@code id<TAB>score} per
 * hit, best first, then an empty line. {@code version} prints Lucene's version.
 */
public final class LuceneDriver {
  private static final String[] FIELDS = {"title", "body"};
  private static final String[] BODY_KEYS = {"text", "body", "content"};

  private LuceneDriver() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 3 && args[0].equals("build")) {
      System.out.println(build(Paths.get(args[1]), Paths.get(args[2])));
    } else if (args.length == 2 && args[0].equals("serve")) {
      serve(Paths.get(args[1]));
    } else if (args.length == 1 && args[0].equals("version")) {
      System.out.println(Version.LATEST);
    } else {
      System.err.println("usage: LuceneDriver build CORPUS INDEX | serve INDEX | version");
      System.exit(2);
    }
  }

  /** The corpus's JSON Lines files in order: the one file, or a folder's shards (bench/corpus_io.py). */
  static List<Path> shards(Path corpus) throws IOException {
    if (Files.isRegularFile(corpus)) {
      return List.of(corpus);
    }
    try (Stream<Path> files = Files.list(corpus)) {
      return files
          .filter(path -> path.getFileName().toString().matches("part-.*\\.jsonl"))
          .sorted()
          .toList();
    }
  }

  /** A record's text as bench/peers.py's body_of reads it: the first non-empty of three keys. */
  static String text(JsonNode record, String... keys) {
    for (String key : keys) {
      JsonNode value = record.get(key);
      if (value != null && !value.isNull() && !value.asText().isEmpty()) {
        return value.asText();
      }
    }
    return "";
  }

  static long build(Path corpus, Path index) throws IOException {
    ObjectMapper json = new ObjectMapper();
    IndexWriterConfig config = new IndexWriterConfig(new EnglishAnalyzer());
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    long count = 0;
    try (IndexWriter writer = new IndexWriter(FSDirectory.open(index), config)) {
      for (Path shard : shards(corpus)) {
        try (BufferedReader lines = Files.newBufferedReader(shard, StandardCharsets.UTF_8)) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isBlank()) {
              continue;
            }
            JsonNode record = json.readTree(line);
            Document document = new Document();
            document.add(new StringField("id", record.get("id").asText(), Field.Store.YES));
            document.add(new TextField("title", text(record, "title"), Field.Store.NO));
            document.add(new TextField("body", text(record, BODY_KEYS), Field.Store.NO));
            writer.addDocument(document);
            count++;
          }
        }
      }
      writer.commit();
    }
    return count;
  }

  static void serve(Path index) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(index))) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity());
      QueryParser parser = new MultiFieldQueryParser(FIELDS, new EnglishAnalyzer());
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
      out.write("\n");
      out.flush();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int tab = line.indexOf('\t');
        Query query = parse(parser, line.substring(tab + 1));
        if (query != null) {
          for (ScoreDoc hit : searcher.search(query, Integer.parseInt(line.substring(0, tab))).scoreDocs) {
            out.write(searcher.doc(hit.doc).get("id") + "\t" + hit.score + "\n");
          }
        }
        out.write("\n");
        out.flush();
      }
    }
  }

  /** The query in Lucene's classic syntax, or as plain words when that syntax is broken. */
  static Query parse(QueryParser parser, String text) {
    try {
      return parser.parse(text);
    } catch (ParseException | RuntimeException broken) {
      try {
        return parser.parse(QueryParser.escape(text.toLowerCase(Locale.ROOT)));
      } catch (ParseException | RuntimeException nothing) {
        return null;
      }
    }
  }
}
