"""Scan a training dataset against an index: candidates, exact pair comparison, evidence rows."""
