"""Archive: typeset PDF bytes → archival PDF/A + PDF/UA bytes (pikepdf)."""
