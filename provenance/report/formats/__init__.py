"""One module per report format (HTML, Markdown, JSON) behind one interface."""
