"""Validates openapi.yaml (openapi-spec-validator) and prints each operation as
"METHOD path role", role from x-outpost-role, for the test that compares it with the hub's routes."""
import sys

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

spec, _ = read_from_filename(sys.argv[1])
validate(spec)
with open(sys.argv[1]) as handle:
    document = yaml.safe_load(handle)
for path, operations in document["paths"].items():
    for method, operation in operations.items():
        if method in ("get", "post", "put", "patch", "delete"):
            print(method.upper(), path, operation.get("x-outpost-role", "?"))
