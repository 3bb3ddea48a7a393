"""One module per CI output of a check (SARIF, JUnit, JSON, step summary, lines) behind one interface."""
