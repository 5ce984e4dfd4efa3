"""sovaudit: audit how dependent an HPC/AI stack is on suppliers and jurisdictions it does not control."""

__version__ = "0.1.0"
