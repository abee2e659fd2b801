#!/usr/bin/env python3
"""Generates identity.json. Independent of the TypeScript code under test: public keys come from
pyca/cryptography (Ed25519 from_private_bytes), NodeIDs from hashlib.sha256, address text from
Python's ipaddress module (whose .compressed form follows RFC 5952). Run from this directory:
    python3 identity-gen.py > identity.json
"""
import hashlib
import ipaddress
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

RFC8032_SEEDS = {
    "RFC 8032 TEST 1": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "RFC 8032 TEST 2": "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "RFC 8032 TEST 3": "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "RFC 8032 TEST 1024": "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
    "RFC 8032 TEST SHA(abc)": "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
}


def address(node_id: bytes) -> str:
    return ipaddress.IPv6Address(bytes([0xFD]) + node_id[:15]).compressed


def identity_file(seed: bytes, pub: bytes, node_id: bytes) -> str:
    fields = {"version": 1, "type": "valhalla-identity", "seed": seed.hex(), "publicKey": pub.hex(),
              "nodeId": node_id.hex()}
    return json.dumps(fields, indent=2) + "\n"


def identity(name: str, seed: bytes) -> dict:
    pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    node_id = hashlib.sha256(pub).digest()
    return {"name": name, "seed": seed.hex(), "publicKey": pub.hex(), "nodeId": node_id.hex(),
            "address": address(node_id), "file": identity_file(seed, pub, node_id)}


identities = [identity(n, bytes.fromhex(s)) for n, s in RFC8032_SEEDS.items()]
identities.append(identity("all-zero seed", bytes(32)))
identities.append(identity("all-ones seed", b"\xff" * 32))
for i in range(3):
    identities.append(identity(f"seed = SHA-256(\"valhalla identity {i}\")",
                               hashlib.sha256(f"valhalla identity {i}".encode()).digest()))


def nid_for(address_text: str) -> bytes:
    """A NodeID whose address is address_text: its bytes 1..15, then 17 bytes of 0xee (bits that
    are not part of the address)."""
    b = ipaddress.IPv6Address(address_text).packed
    assert b[0] == 0xFD, address_text
    return b[1:] + b"\xee" * 17


# Written as full 8-group addresses; the canonical text is computed by ipaddress, not copied.
address_cases = [
    ("all zero: one run of seven zero groups", "fd00:0000:0000:0000:0000:0000:0000:0000"),
    ("single zero group is not compressed", "fd12:3456:789a:0000:bcde:f012:3456:789a"),
    ("two runs of equal length: the first is compressed", "fd00:0000:0000:0102:0000:0000:0304:0506"),
    ("the longer run is compressed, not the first", "fdab:0000:0000:0102:0000:0000:0000:0304"),
    ("leading zeros inside groups are dropped", "fd00:0a00:000b:00c0:0d00:0e0f:1000:0001"),
    ("trailing zero run", "fdff:ffff:ffff:ffff:0000:0000:0000:0000"),
    ("no zero groups", "fd01:0203:0405:0607:0809:0a0b:0c0d:0e0f"),
]
addresses = []
for name, text in address_cases:
    n = nid_for(text)
    assert len(n) == 32 and address(n) == ipaddress.IPv6Address(text).compressed, name
    addresses.append({"name": name, "nodeId": n.hex(), "address": address(n)})

# Other spellings of valid addresses: they parse to the same 16 bytes as the canonical text.
first = identities[0]
non_canonical = [
    {"name": "uppercase", "text": first["address"].upper(), "canonical": first["address"]},
    {"name": "fully expanded with leading zeros", "text": address_cases[4][1], "canonical": addresses[4]["address"]},
    {"name": "zero groups written out", "text": "fd00:0:0:0:0:0:0:0", "canonical": "fd00::"},
    {"name": "single zero group compressed", "text": "fd12:3456:789a::bcde:f012:3456:789a",
     "canonical": addresses[1]["address"]},
    {"name": "a shorter zero run compressed instead of the longest", "text": "fdab::102:0:0:0:304",
     "canonical": addresses[3]["address"]},
]

not_node_addresses = ["fe80::1", "2001:db8::1", "::1", "::", "fc00::1", "ff02::1"]

invalid_addresses = [
    {"text": "", "reason": "empty"},
    {"text": "fd00:::1", "reason": "triple colon"},
    {"text": "fd00::1::2", "reason": "two ::"},
    {"text": "fd00:1:2:3:4:5:6", "reason": "seven groups without ::"},
    {"text": "fd00:1:2:3:4:5:6:7:8", "reason": "nine groups"},
    {"text": "fd00:1:2:3::4:5:6:7", "reason": ":: standing for no group"},
    {"text": "fd00::12345", "reason": "group of five digits"},
    {"text": "fd00::g", "reason": "non-hex digit"},
    {"text": "::ffff:1.2.3.4", "reason": "dotted IPv4 tail (not used by node addresses)"},
    {"text": "fd00::1%eth0", "reason": "zone id"},
    {"text": "[fd00::1]", "reason": "brackets"},
    {"text": ":fd00::1", "reason": "leading single colon"},
    {"text": "fd00::1:", "reason": "trailing single colon"},
]

good = first["nodeId"]
invalid_node_ids = [
    {"text": "", "reason": "empty"},
    {"text": good[:63], "reason": "63 characters"},
    {"text": good + "0", "reason": "65 characters"},
    {"text": good.upper(), "reason": "uppercase is not canonical"},
    {"text": "0x" + good[2:], "reason": "0x prefix"},
    {"text": " " + good[1:], "reason": "leading space"},
    {"text": good[:63] + "\n", "reason": "trailing newline"},
    {"text": good[:10] + "g" + good[11:], "reason": "non-hex letter"},
    {"text": good[:10] + ":" + good[11:], "reason": "separator"},
    {"text": good[:62] + "\u00e9", "reason": "non-ASCII, 63 code units"},
    {"text": first["address"], "reason": "an address is not a node ID"},
]

f = json.loads(first["file"])


def variant(**changes) -> str:
    d = dict(f)
    for k, v in changes.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    return json.dumps(d, indent=2) + "\n"


other = identities[1]
invalid_files = [
    {"reason": "publicKey of another seed", "file": variant(publicKey=other["publicKey"])},
    {"reason": "nodeId of another key", "file": variant(nodeId=other["nodeId"])},
    {"reason": "seed of another identity (publicKey and nodeId no longer match)", "file": variant(seed=other["seed"])},
    {"reason": "version 2", "file": variant(version=2)},
    {"reason": "version as a string", "file": variant(version="1")},
    {"reason": "wrong type", "file": variant(type="libp2p-identity")},
    {"reason": "unknown field", "file": variant(comment="mine")},
    {"reason": "missing nodeId", "file": variant(nodeId=None)},
    {"reason": "missing seed", "file": variant(seed=None)},
    {"reason": "uppercase seed", "file": variant(seed=f["seed"].upper())},
    {"reason": "short seed", "file": variant(seed=f["seed"][:62])},
    {"reason": "not JSON", "file": "seed=" + f["seed"] + "\n"},
    {"reason": "truncated JSON", "file": first["file"][:100]},
    {"reason": "JSON array", "file": "[" + json.dumps(f) + "]"},
    {"reason": "JSON null", "file": "null"},
]
# Another layout of the same content is still valid (decoders accept any JSON whitespace and order).
valid_other_layouts = [
    {"reason": "one line, fields reordered",
     "file": json.dumps({k: f[k] for k in ["nodeId", "publicKey", "seed", "type", "version"]}),
     "nodeId": first["nodeId"]},
]

print(json.dumps({
    "description": "Valhalla identity vectors: seed -> Ed25519 public key -> NodeID (SHA-256 of the key, canonical "
                   "text = 64 lowercase hex) -> IPv6 address (fd00::/8 + first 15 NodeID bytes, RFC 5952 text) and "
                   "the identity file. See conformance/spec/identity.md. Generated by identity-gen.py.",
    "identities": identities,
    "addresses": addresses,
    "nonCanonicalAddresses": non_canonical,
    "notNodeAddresses": not_node_addresses,
    "invalidAddresses": invalid_addresses,
    "invalidNodeIdTexts": invalid_node_ids,
    "invalidIdentityFiles": invalid_files,
    "validIdentityFileLayouts": valid_other_layouts,
}, indent=2))
