"""Run one index write operation; used by the kill tests as a child process."""

from __future__ import annotations

import sys

from provenance.index import CorpusInfo, IndexParams, add_to_index, build_index, compact_index

operation, index, corpus_file = sys.argv[1:4]
if operation == "build":
    # Bands and rows given, so the child does not spend a second in the LSH optimiser.
    params = IndexParams(lsh_bands_rows=(26, 3))
    build_index(
        [corpus_file], index, CorpusInfo("rebuilt", "MIT"), overwrite=True, batch_size=25, params=params
    )
elif operation == "add":
    add_to_index([corpus_file], index, CorpusInfo("added", "CC0-1.0"), batch_size=25)
else:
    compact_index(index)
