#!/usr/bin/env python3
"""tests/schema_check.py SCHEMA FILE...: validate each FILE (one JSON
document) against doc/schema/SCHEMA with python3-jsonschema; print
"PASS NAME" or "FAIL NAME: why" per file, NAME being the file's base name
prefixed with the schema's (schema_artifact_saxpy.spv.json)."""
import json
import os
import sys

import jsonschema

def main():
    schema_path = os.path.join(os.path.dirname(__file__), "..", "doc", "schema", sys.argv[1])
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    tag = sys.argv[1].split(".")[0]
    for path in sys.argv[2:]:
        name = "schema_%s_%s" % (tag, os.path.basename(path))
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("FAIL %s: not JSON: %s" % (name, str(e).splitlines()[0]))
            continue
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            print("FAIL %s: %s at /%s" % (name, e.message[:200], "/".join(map(str, e.path))))
        else:
            print("PASS %s" % name)

main()
