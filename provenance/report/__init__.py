"""Readable reports of a scan: the report model, the detection-coverage model and the formats."""
