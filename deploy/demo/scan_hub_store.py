#!/usr/bin/env python3
"""Searches the hub's stored data for a referral's victim fields (the demo's step 5).

Two searches, so that neither compression nor deletion can hide anything:
  * every key and value of every column family of a RocksDB checkpoint of the hub's database,
    read back by RocksDB's own `ldb` tool (values decompressed, blob values resolved);
  * every byte of every file in the live data folder (write-ahead logs, table files, blob
    files, manifests), which also holds what was deleted but not yet compacted away.

  scan_hub_store.py --checkpoint DIR --data-dir DIR --referral FILE.json --control TEXT ...

The needles are the referral's identifying fields (names, place of birth, family contact,
contacts, localities). --control names texts that the hub does store in clear (participant
ids): they must be found, which shows that the search reads what is there. Exit 0 when no
victim field is found and every control is; 1 otherwise; 2 when the search could not run.
"""
import argparse
import json
import os
import subprocess
import sys

# Fields of a VictimReferral (docs/messages.md) that identify a person or lead to one.
IDENTIFYING = [
    ("identity", "given_names"), ("identity", "family_names"), ("identity", "place_of_birth"),
    ("family_contact",), ("referring", "contact"), ("receiving", "contact"),
    ("return_logistics", "destination_locality"), ("return_logistics", "notes"),
]


def needles_of(referral_file):
    with open(referral_file, encoding="utf-8") as f:
        referral = json.load(f)["victim_referral"]
    found = []
    for path in IDENTIFYING:
        value = referral
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            found.append((".".join(path), value))
    birth = referral.get("identity", {}).get("date_of_birth")
    if birth:
        found.append(("identity.date_of_birth",
                      "%04d-%02d-%02d" % (birth["year"], birth["month"], birth["day"])))
    return found


def ldb_dump(ldb, checkpoint):
    """Every key and value of every column family, as bytes."""
    listed = subprocess.run([ldb, "--db=" + checkpoint, "list_column_families"],
                            capture_output=True, text=True, check=True).stdout
    families = listed[listed.index("{") + 1:listed.rindex("}")].split(",")
    chunks, records = [], 0
    for family in (f.strip() for f in families):
        out = subprocess.run([ldb, "--db=" + checkpoint, "--column_family=" + family, "scan",
                              "--hex"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, sep, value = line.partition(" : ")
            if not sep:
                continue
            chunks.append(bytes.fromhex(key[2:]))
            chunks.append(bytes.fromhex(value[2:]))
            records += 1
    return b"\0".join(chunks), len(families), records


def raw_files(data_dir):
    total, blobs = 0, []
    for root, _, files in os.walk(data_dir):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                blobs.append(f.read())
            total += 1
    return b"\0".join(blobs), total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--referral", required=True)
    parser.add_argument("--control", action="append", default=[])
    parser.add_argument("--ldb", default="ldb")
    args = parser.parse_args()
    try:
        needles = needles_of(args.referral)
        logical, families, records = ldb_dump(args.ldb, args.checkpoint)
        raw, files = raw_files(args.data_dir)
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as e:
        print(f"scan: cannot search the hub's store: {e}", file=sys.stderr)
        return 2
    print(f"  searched {records} records in {families} column families (ldb, checkpoint) and "
          f"{len(raw)} bytes in {files} files (raw, live data folder)")
    ok = True
    for field, text in needles:
        hits = logical.count(text.encode()) + raw.count(text.encode())
        ok &= hits == 0
        print(f"  {'FOUND' if hits else 'none '}  {field:<40} {text[:40]!r}"
              + (f"  ({hits} times)" if hits else ""))
    for text in args.control:
        hits = logical.count(text.encode()) + raw.count(text.encode())
        ok &= hits > 0
        print(f"  {'found' if hits else 'MISSING'}  control (metadata in clear) {text!r}: "
              f"{hits} times")
    return 0 if ok and needles else 1


if __name__ == "__main__":
    sys.exit(main())
