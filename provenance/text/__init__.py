"""Text analysis, identical for index and scan: normalise, tokenise, shingle, MinHash and LSH band keys."""
