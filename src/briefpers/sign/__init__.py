"""Sign the archive copy: PAdES signatures that keep PDF/A and PDF/UA, and checking them.

    options      SignOptions: key, certificate, chain, TSA, level (from a TOML table, then flags)
    keys         load PKCS#12 / PEM credentials and check they can sign
    field        the tagged, invisible signature field
    quiet_writer pyHanko's incremental writer without its metadata update (fenced)
    signing      B-B, B-T, B-LT, B-LTA as incremental updates, all in memory
    diff_rule    which later changes `verify` allows (pyHanko's policy plus tagging)
    verify       intact, valid, trusted, timestamped, covering the file, still PDF/A

pyHanko is an optional dependency (`pip install briefpers[sign]`): nothing
outside this package imports it, and only when signing or verifying.
"""
