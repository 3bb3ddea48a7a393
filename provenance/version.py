"""The tool's version, recorded in every manifest, report and CI output."""

__version__ = "0.1.0"
