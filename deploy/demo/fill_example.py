#!/usr/bin/env python3
"""Writes one of tests/data/examples/*.json as if it were written now.

The examples are valid as of 2026-03-20T18:00:00Z (domain/examples_test.cc). The validator
refuses dates far in the past or the future, so every RFC 3339 time in the file is moved by
(now - that instant), and a date of birth by the same number of whole years: every interval
the validator checks (ages, "not in the future", deadlines ahead) stays exactly as tested.

  fill_example.py EXAMPLE [--now 2026-11-26T14:00:00Z] [--set path=value ...] [--no-attachments]

--set replaces a field after the shift (dotted path, e.g. info_request.deadline=..., numbers
index lists: legislation_matrix_update.entries.2.text=...; the
value is parsed as JSON when it is valid JSON, else taken as a string). --no-attachments drops
every "attachments" list: the examples describe files (name, size, SHA-256) that do not exist,
and a node sends an attachment only with its file. Prints the JSON.
"""
import argparse
import datetime
import json
import re
import sys

EXAMPLES_WRITTEN_AT = datetime.datetime(2026, 3, 20, 18, 0, 0, tzinfo=datetime.timezone.utc)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def parse_time(text):
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def format_time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def shift(node, delta, years):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "date_of_birth" and isinstance(value, dict) and "year" in value:
                value = dict(value, year=value["year"] + years)
            out[key] = shift(value, delta, years)
        return out
    if isinstance(node, list):
        return [shift(item, delta, years) for item in node]
    if isinstance(node, str) and RFC3339.match(node):
        return format_time(parse_time(node) + delta)
    return node


def drop_key(node, name):
    if isinstance(node, dict):
        return {k: drop_key(v, name) for k, v in node.items() if k != name}
    if isinstance(node, list):
        return [drop_key(item, name) for item in node]
    return node


def set_path(document, path, raw):
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = document
    for key in keys[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            sys.exit(f"fill_example: --set {path}: the example has no {key!r} there")
        if not isinstance(node, (dict, list)):
            sys.exit(f"fill_example: --set {path}: {key!r} is not an object or a list")
    node[keys[-1]] = value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example")
    parser.add_argument("--now", help="RFC 3339 UTC (default: the current time)")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    parser.add_argument("--no-attachments", action="store_true")
    args = parser.parse_args()
    now = (parse_time(args.now) if args.now else
           datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0))
    delta = now - EXAMPLES_WRITTEN_AT
    years = round(delta.days / 365.25)
    with open(args.example, encoding="utf-8") as f:
        document = shift(json.load(f), delta, years)
    if args.no_attachments:
        document = drop_key(document, "attachments")
    for assignment in args.set:
        path, sep, value = assignment.partition("=")
        if not sep:
            sys.exit(f"fill_example: --set wants PATH=VALUE, not {assignment!r}")
        set_path(document, path, value)
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
