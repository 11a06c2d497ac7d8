"""Build: many letters into files on disk (the only layer that writes files)."""
