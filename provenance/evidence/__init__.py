"""The evidence of a scan: table schemas, the files and their manifest, and their re-derivation."""
