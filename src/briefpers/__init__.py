"""briefpers: letter XML sources to archival PDF/A-3a + PDF/UA-1 letters."""

__version__ = "0.1.0"
