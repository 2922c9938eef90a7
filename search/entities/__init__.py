"""Named entities of one article: people, organisations, places, weapons and acronyms.

Everything runs offline, without NLTK's chunker or any model:

    capitalised sequences (one regular expression over the text)
    -> gazetteers and titles (`data/entities/*`, longest match first)
    -> rules for the rest: people (`Maj Gen James Martin`, `Jens Stoltenberg, the
       Nato Secretary General`, `Liz Truss has also spoken`), organisations
       (`Warfighting Division`, `Ministry of Finance`) and acronyms, typed by the
       definitions the text gives (Schwartz & Hearst 2003); a word that only opens
       a sentence (`Adding Piedmont`) is no name part
    -> people resolved within the article (`Mr Wallace`, `BEN WALLACE` and
       `Wallace` are `Ben Wallace`; `Zelenskiy's office` is a person's)
    -> one name per organisation whatever its legal form (`Norfolk Southern Corp.`
       is `Norfolk Southern Corp`), and the article's own source dropped where it
       only reports (`told Reuters`)
    -> mentions counted over headline and body, and a salience for each entity.

The English dictionary that tells ordinary words from names (`Adding`,
`Workers`) is lemminflect's, loaded on first use.

People come from rules, never from a list of names. A line in capitals (a
wire headline) or in title case (`Key Talks on Long-Range Weapons`) says
nothing with its capitals: there only the gazetteers and the people the rest
of the article names are found.

The modules, each importing only those above it:

    tables         the gazetteers and cue tables, compiled once; phrase keys
    definitions    acronym definitions (Schwartz & Hearst) and the entries they teach
    article        the working state of one extraction: tokens, mentions, the article
    tokens         line modes, the tokens of a capitalised sequence, lexicon look-up, word classes
    rules          the span rules: titles and names, people, organisations, acronyms
    people         people resolved within the article (coreference)
    organisations  one name per company
    source         the article's own source where it is only at work
    gather         mentions gathered into entities, with their salience
    extract        `extract_entities`: the steps in their order
    surnames       across articles: which full name owns a surname printed alone (per commit)

This package exports the names the rest of the engine and `bench/` use.
"""

from search.entities.definitions import acronym_definitions
from search.entities.extract import extract_entities
from search.entities.gather import Entity, salience
from search.entities.tables import country_of, entity_tables, phrase_key, read_columns, split_aliases

__all__ = [
    "Entity",
    "acronym_definitions",
    "country_of",
    "entity_tables",
    "extract_entities",
    "phrase_key",
    "read_columns",
    "salience",
    "split_aliases",
]
