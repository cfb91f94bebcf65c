#!/usr/bin/python3
"""Checks a signed hub document (SignedHubDocument) with the fleet's public key, written
without Outpost's code: Python's `cryptography` (Debian's python3-cryptography).

usage: verify_hub_document.py FLEET_PUBLIC_PEM TOPIC ENVELOPE_FILE
Prints the payload and exits 0 when the P-256 signature over
"outpost hub document v1\\n" + topic + "\\n" + payload holds; exits 1 otherwise."""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

key_path, topic, envelope_path = sys.argv[1:4]
with open(key_path, "rb") as f:
    key = serialization.load_pem_public_key(f.read())
with open(envelope_path, "rb") as f:
    envelope = json.loads(f.read())
raw = base64.b64decode(envelope["signature"], validate=True)
if len(raw) != 64:
    print("signature is not 64 bytes", file=sys.stderr)
    sys.exit(1)
signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
message = ("outpost hub document v1\n" + topic + "\n").encode() + envelope["payload"].encode()
try:
    key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
except InvalidSignature:
    print("signature does not hold", file=sys.stderr)
    sys.exit(1)
print(envelope["payload"])
