#!/usr/bin/python3
"""An independent verifier of an enlace audit export, written from docs/audit-log.md alone.

Uses only the Python standard library (hashlib; Ed25519 verification is the RFC 8032 section 6
reference algorithm in pure Python). It shares no code with enlace: if it agrees with
`enlace-audit verify`, the documented formats are precise enough for an outside auditor.

    /usr/bin/python3 verify_export.py DIR [--directory SIGNED_DIRECTORY]

Prints "OK: ..." and exits 0 when every check holds, else prints "FAILED: <where>: <what>" for
the first problem found and exits 1.

With --directory (a serialized enlace.v1.SignedDirectory, as the operator publishes it), every
ACKNOWLEDGED entry's signed acknowledgement is also checked against the recipient's signing keys
in it (docs/audit-log.md section 1). This script does NOT check the directory's own signature
and certificate chain (X.509 path validation is beyond the standard library): give it a
directory you trust, e.g. one `enlace-audit verify --directory FILE --root-cert ROOT` accepted.
"""
import hashlib
import json
import os
import struct
import sys

# --- Ed25519 verification (RFC 8032 sections 5.1 and 6) ---------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, point):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, point)
        point = _add(point, point)
        s >>= 1
    return q


def _equal(a, b):
    x1, y1, z1, _ = a
    x2, y2, z2, _ = b
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None
        x = 0
    else:
        x = pow(x2, (P + 3) // 8, P)
        if (x * x - x2) % P != 0:
            x = x * SQRT_M1 % P
        if (x * x - x2) % P != 0:
            return None
        if (x & 1) != sign:
            x = P - x
    return (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
_G = _decompress(_GY.to_bytes(32, "little"))


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# --- The formats of docs/audit-log.md --------------------------------------------------------

def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def signing_input(domain, fields):
    out = struct.pack(">I", len(domain)) + domain
    for field in fields:
        out += struct.pack(">I", len(field)) + field
    return out


def tree_head_signed_bytes(head):
    return signing_input(b"enlace.v1.TreeHead", [
        struct.pack(">Q", head["tree_size"]),
        bytes.fromhex(head["root_hash"]),
        struct.pack(">Q", head["timestamp_ms"]),
        bytes.fromhex(head["log_id"]),
    ])


# Field tag -> (name, form); form is "u32", "u64", "text" or a fixed byte length.
LEAF_FIELDS = {
    1: ("type", "u32"), 2: ("hub_time_ms", "u64"), 3: ("actor_id", "text"),
    4: ("subject_id", "text"), 5: ("sender_id", "text"), 6: ("recipient_ids", "text"),
    7: ("message_kind", "u32"), 8: ("priority", "u32"), 9: ("message_id", 16),
    10: ("header_hash", 32), 11: ("envelope_size", "u64"), 12: ("directory_version", "u64"),
    13: ("key_id", 16), 14: ("reason_code", "text"), 15: ("acked_at_ms", "u64"),
    16: ("ack_signature", 64),
}
TIME_TAGS = (2, 15)  # int64 times: at most 2**63 - 1


def decode_leaf(leaf):
    """Returns the event as a dict, or raises ValueError saying what is not canonical."""
    if len(leaf) > 65536 or not leaf or leaf[0] != 1:
        raise ValueError("not a version 1 leaf of at most 65536 bytes")
    event, at, last = {"recipient_ids": []}, 1, 0
    while at < len(leaf):
        if at + 3 > len(leaf):
            raise ValueError("field header cut short at byte %d" % at)
        tag, length = leaf[at], struct.unpack(">H", leaf[at + 1:at + 3])[0]
        value = leaf[at + 3:at + 3 + length]
        if len(value) != length or tag not in LEAF_FIELDS:
            raise ValueError("bad field at byte %d" % at)
        if tag < last or (tag == last and tag != 6):
            raise ValueError("field %d out of order at byte %d" % (tag, at))
        name, form = LEAF_FIELDS[tag]
        if form in ("u32", "u64"):
            width = 4 if form == "u32" else 8
            number = int.from_bytes(value, "big")
            limit = 2**31 - 1 if form == "u32" else 2**63 - 1 if tag in TIME_TAGS else 2**64 - 1
            if length != width or number == 0 or number > limit:
                raise ValueError("%s at byte %d is not a canonical integer" % (name, at))
            event[name] = number
        elif form == "text":
            if not 1 <= length <= 128 or any(c < 0x21 or c > 0x7E for c in value):
                raise ValueError("%s at byte %d is not 1..128 printable ASCII bytes" % (name, at))
            if tag == 6:
                event[name].append(value.decode("ascii"))
            else:
                event[name] = value.decode("ascii")
        else:
            if length != form:
                raise ValueError("%s at byte %d must be %d bytes" % (name, at, form))
            event[name] = value.hex()
        last, at = tag, at + 3 + length
    if "type" not in event:
        raise ValueError("no type field")
    return event


def root_of(stack):
    """Folds the compact range (largest subtree first) into the tree's root."""
    if not stack:
        return hashlib.sha256(b"").digest()
    root = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        root = node_hash(h, root)
    return root


def append(stack, h):
    """Adds a leaf hash to a compact range of (height, hash) pairs."""
    stack.append((0, h))
    while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
        (height, right), (_, left) = stack.pop(), stack.pop()
        stack.append((height + 1, node_hash(left, right)))


class Failure(Exception):
    pass


# --- The directory (directory.proto) and signed acknowledgements --------------------------------

def _varint(data, at):
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("protobuf varint cut short or too long")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def proto_fields(data):
    """The (field number, value) pairs of a protobuf message: ints for varints, bytes else."""
    fields, at = [], 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value = data[at:at + length]
            if len(value) != length:
                raise ValueError("protobuf field %d cut short" % number)
            at += length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, at = data[at:at + width], at + width
        else:
            raise ValueError("protobuf wire type %d is not used by directory.proto" % wire)
        fields.append((number, value))
    return fields


def _int64(value):
    return value - 2**64 if value >= 2**63 else value


def read_directory(path):
    """Signing keys and revocations of the Directory inside a SignedDirectory file."""
    with open(path, "rb") as f:
        data = f.read(4 << 20)
    inner = [v for n, v in proto_fields(data) if n == 1]
    if len(inner) != 1:
        raise ValueError("%s is not a SignedDirectory" % path)
    directory = {"version": 0, "keys": {}, "revoked": {}}
    for number, value in proto_fields(inner[0]):
        if number == 1:
            directory["version"] = value
        elif number == 5:  # DirectoryParticipant
            fields = proto_fields(value)
            pid = b"".join(v for n, v in fields if n == 1).decode("ascii")
            for n, key in fields:
                if n != 7:  # signing_keys
                    continue
                k = dict(proto_fields(key))
                directory["keys"][(pid, k.get(1, b""))] = (
                    k.get(2, b""), _int64(k.get(3, 0)), _int64(k.get(4, 0)))
        elif number == 6:  # Revocation: participant_id (1) or key_id (2), revoked_at_ms (4)
            r = dict(proto_fields(value))
            target = r.get(1, r.get(2))
            at = _int64(r.get(4, 0))
            if target is not None:
                directory["revoked"][target] = min(at, directory["revoked"].get(target, at))
    return directory


def check_ack(event, directory):
    """"verified", or "unlisted" if the directory does not list the recipient's key; raises
    ValueError saying why the acknowledgement does not hold otherwise."""
    needed = ("message_id", "header_hash", "key_id", "acked_at_ms", "ack_signature")
    missing = [name for name in needed if name not in event]
    if missing or len(event["recipient_ids"]) != 1:
        raise ValueError("the acknowledgement lacks %s" % (", ".join(missing) or "its recipient"))
    recipient = event["recipient_ids"][0]
    if event.get("actor_id") != recipient:
        raise ValueError("the acknowledgement's actor is not its recipient")
    key = directory["keys"].get((recipient, bytes.fromhex(event["key_id"])))
    if key is None:
        return "unlisted"
    public, not_before, not_after = key
    at = event["acked_at_ms"]
    revoked = [directory["revoked"][t] for t in (recipient.encode(), bytes.fromhex(event["key_id"]))
               if t in directory["revoked"]]
    if not not_before <= at < not_after or any(r <= at for r in revoked):
        raise ValueError("key %s of %s was not valid at acked_at_ms %d"
                         % (event["key_id"], recipient, at))
    signed = signing_input(b"enlace/v1/ack", [
        bytes.fromhex(event["message_id"]), bytes.fromhex(event["header_hash"]),
        recipient.encode(), struct.pack(">Q", at)])
    if not ed25519_verify(public, signed, bytes.fromhex(event["ack_signature"])):
        raise ValueError("the acknowledgement signature does not verify with key %s of %s"
                         % (event["key_id"], recipient))
    return "verified"


def verify(directory, network_directory=None):
    def path(name):
        return os.path.join(directory, name)

    with open(path("log.json"), "rb") as f:
        info = json.load(f)
    if info.get("format") != "enlace-audit-export/1":
        raise Failure("log.json: unknown format %r" % info.get("format"))
    public_key = bytes.fromhex(info["public_key"])
    log_id = hashlib.sha256(
        bytes.fromhex("302a300506032b6570032100") + public_key).digest()[:16]
    if log_id.hex() != info["log_id"]:
        raise Failure("log.json: log_id is not the key id of public_key")

    heads = []
    if os.path.exists(path("tree_heads.jsonl")):
        with open(path("tree_heads.jsonl"), "rb") as f:
            heads = [json.loads(line) for line in f if line.strip()]
    with open(path("entries.bin"), "rb") as f:
        entries = f.read()
    with open(path("leaf_hashes.bin"), "rb") as f:
        recorded = f.read()

    def check_head(number, head, previous, stack):
        where = "tree head %d (size %d)" % (number, head["tree_size"])
        if previous and (head["tree_size"] <= previous["tree_size"]
                         or head["timestamp_ms"] < previous["timestamp_ms"]):
            raise Failure("%s: sizes must increase and times must not go back" % where)
        if head["log_id"] != info["log_id"]:
            raise Failure("%s: names log %s, not %s" % (where, head["log_id"], info["log_id"]))
        if not ed25519_verify(public_key, tree_head_signed_bytes(head),
                              bytes.fromhex(head["signature"])):
            raise Failure("%s: signature does not verify" % where)
        root = root_of(stack)
        if root.hex() != head["root_hash"]:
            raise Failure("%s: recomputed root %s, signed root %s"
                          % (where, root.hex(), head["root_hash"]))

    stack, at, index, next_head, kinds = [], 0, 0, 0, {}
    # Acknowledgement failures do not stop the pass (the log itself is intact); the first is
    # reported at the end, as enlace-audit does.
    acks = {"verified": 0, "unlisted": 0, "first_failure": None}
    while True:
        while next_head < len(heads) and heads[next_head]["tree_size"] <= index:
            check_head(next_head + 1, heads[next_head],
                       heads[next_head - 1] if next_head else None, stack)
            next_head += 1
        if at == len(entries):
            break
        if at + 4 > len(entries):
            raise Failure("entry %d: record cut short" % index)
        length = struct.unpack(">I", entries[at:at + 4])[0]
        leaf = entries[at + 4:at + 4 + length]
        if len(leaf) != length:
            raise Failure("entry %d: record cut short" % index)
        h = leaf_hash(leaf)
        if recorded[32 * index:32 * index + 32] != h:
            raise Failure("entry %d: leaf hash %s, recorded %s"
                          % (index, h.hex(), recorded[32 * index:32 * index + 32].hex()))
        try:
            event = decode_leaf(leaf)
        except ValueError as e:
            raise Failure("entry %d: %s" % (index, e))
        kinds[event["type"]] = kinds.get(event["type"], 0) + 1
        if network_directory is not None and event["type"] == 12:
            try:
                acks[check_ack(event, network_directory)] += 1
            except ValueError as e:
                if acks["first_failure"] is None:
                    acks["first_failure"] = "entry %d: %s" % (index, e)
        append(stack, h)
        at, index = at + 4 + length, index + 1
    if len(recorded) != 32 * index:
        raise Failure("entry %d: leaf_hashes.bin records %d entries, entries.bin holds %d"
                      % (index, len(recorded) // 32, index))
    if next_head < len(heads):
        raise Failure("tree head %d (size %d): the export holds only %d entries"
                      % (next_head + 1, heads[next_head]["tree_size"], index))
    if heads and heads[-1]["tree_size"] != index:
        raise Failure("entries %d..%d are not covered by a saved tree head"
                      % (heads[-1]["tree_size"], index - 1))
    if acks["first_failure"] is not None:
        raise Failure(acks["first_failure"])
    return index, len(heads), kinds, acks


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--directory"):
        print("usage: verify_export.py DIR [--directory SIGNED_DIRECTORY]", file=sys.stderr)
        return 2
    try:
        network_directory = read_directory(argv[3]) if len(argv) == 4 else None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        print("cannot read the directory: %s" % e, file=sys.stderr)
        return 2
    try:
        entries, heads, kinds, acks = verify(argv[1], network_directory)
    except Failure as e:
        print("FAILED: %s" % e)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("FAILED: unreadable export: %s" % e)
        return 1
    types = ", ".join("type %d: %d" % (t, n) for t, n in sorted(kinds.items()))
    print("OK: %d entries, %d tree heads (%s)" % (entries, heads, types))
    if network_directory is not None:
        print("acknowledgements: %d verified, %d not checked (key not in directory version %d)"
              % (acks["verified"], acks["unlisted"], network_directory["version"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
