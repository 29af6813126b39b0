"""The instructor's package: releases, trusted verification and grade export (``python -m grader``)."""
import sys

# jsonschema, which nbformat imports, builds an Earley parser for RFC 3987 (the "iri" formats) when
# the optional package rfc3987_syntax is installed: 2 to 5 s at every start here. No notebook
# schema and no check of this package uses those formats, so unless something imported jsonschema
# already (a Jupyter server loading grader.lab keeps its own), jsonschema is left without them.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
