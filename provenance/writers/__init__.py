"""Writers of evidence files and reports, one module per format."""
