"""Checks the hub's API documents against openapi.yaml with an independent JSON Schema validator.

Usage: check_api_documents.py openapi.yaml examples.json
examples.json maps each schema name to the documents the hub's Swift type for it writes.
Prints every problem and exits 1 when there is one:
- an example that the schema of its name refuses (jsonschema, draft 2020-12, as OpenAPI 3.1 uses);
- a JSON answer in the spec that is not a $ref (or oneOf of $refs) to a component schema;
- a component schema an answer refers to that no Swift type writes;
- a schema with examples that is not in the spec;
- an object schema that leaves additionalProperties open (an extra key would go unnoticed).
"""
import json
import sys

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

spec_path, examples_path = sys.argv[1], sys.argv[2]
with open(spec_path) as handle:
    spec = yaml.safe_load(handle)
with open(examples_path) as handle:
    examples = json.load(handle)

problems = []
schemas = spec["components"]["schemas"]
registry = Registry().with_resource("urn:outpost:api", Resource.from_contents(spec, default_specification=DRAFT202012))


def refs_of(schema, where):
    if "$ref" in schema:
        return [schema["$ref"].rsplit("/", 1)[-1]]
    if "oneOf" in schema and all("$ref" in choice for choice in schema["oneOf"]):
        return [choice["$ref"].rsplit("/", 1)[-1] for choice in schema["oneOf"]]
    problems.append(f"{where}: the JSON answer is not a $ref to a component schema, so no Swift type is checked against it")
    return []


answered = set()
for path, operations in spec["paths"].items():
    for method, operation in operations.items():
        if not isinstance(operation, dict) or "responses" not in operation:
            continue
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            content = response.get("content", {}).get("application/json")
            if content is not None:
                answered.update(refs_of(content["schema"], f"{method.upper()} {path} {status}"))

for name in sorted(answered - set(examples)):
    problems.append(f"schema {name}: an answer refers to it, but no Swift type (API.documents) writes it")
for name in sorted(set(examples) - set(schemas)):
    problems.append(f"schema {name}: a Swift type writes it, but openapi.yaml has no such schema")


def check_closed(schema, where):
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and "properties" in schema and schema.get("additionalProperties") is not False:
        problems.append(f"{where}: an object schema without additionalProperties: false")
    for key, value in schema.get("properties", {}).items():
        check_closed(value, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        check_closed(schema.get(key), f"{where}[]")
    for index, value in enumerate(schema.get("prefixItems", [])):
        check_closed(value, f"{where}[{index}]")


checked = 0
for name, documents in sorted(examples.items()):
    if name not in schemas:
        continue
    check_closed(schemas[name], name)
    validator = Draft202012Validator({"$ref": f"urn:outpost:api#/components/schemas/{name}"}, registry=registry)
    for index, document in enumerate(documents):
        checked += 1
        for error in validator.iter_errors(document):
            place = "/".join(str(part) for part in error.absolute_path) or "(top)"
            problems.append(f"{name} example {index}: at {place}: {error.message}")

for problem in problems:
    print(problem)
print(f"checked {checked} documents of {len(examples)} schemas; {len(problems)} problems")
sys.exit(1 if problems else 0)
