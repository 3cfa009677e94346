#!/usr/bin/env python3
"""Checks scantrail's EPCIS documents against what GS1 publishes.

For every document named: it must validate against GS1's EPCIS 2.0 JSON schema
(schema/EPCISDocument.schema.json, with formats such as uri and date-time checked), and the
eventID of every event must equal the event hash that GS1's reference implementation
(`epcis-event-hash-generator` on PyPI) computes for it.

Exit 0: all good. Exit 1: a document is invalid or an eventID differs (the reason on
stderr). Exit 3: a tool is missing (jsonschema, its uri/date-time format checkers, or the
hash generator), so nothing could be checked; tests/epcis.rs turns that into a failure when
SCANTRAIL_EPCIS_TOOLS=required (as .ci/run sets it).
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def tools():
    try:
        import jsonschema
        from epcis_event_hash_generator import hash_generator, json_to_py
    except ImportError as e:
        print(f"missing: {e}", file=sys.stderr)
        sys.exit(3)
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    for fmt in ("uri", "date-time"):
        if fmt not in checker.checkers:
            print(f"missing: a checker for the '{fmt}' format (pip install rfc3987 rfc3339-validator)",
                  file=sys.stderr)
            sys.exit(3)
    return jsonschema, checker, hash_generator, json_to_py


def main(paths):
    jsonschema, checker, hash_generator, json_to_py = tools()
    schema = json.loads((HERE / "schema" / "EPCISDocument.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    failed = False
    for path in paths:
        text = pathlib.Path(path).read_text()
        document = json.loads(text)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for e in errors[:10]:
            print(f"{path}: schema: {'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
        failed |= bool(errors)
        events = document["epcisBody"]["eventList"]
        if not events:
            print(f"{path}: valid, no events")
            continue
        expected = hash_generator.epcis_hashes_from_events(json_to_py.event_list_from_epcis_document_str(text))
        if len(expected) != len(events):
            print(f"{path}: the reference hashed {len(expected)} of {len(events)} events", file=sys.stderr)
            failed = True
        for i, (event, reference) in enumerate(zip(events, expected)):
            if event.get("eventID") != reference:
                print(f"{path}: event {i}: eventID {event.get('eventID')} but the reference computes {reference}",
                      file=sys.stderr)
                failed = True
        if not failed:
            print(f"{path}: valid, {len(events)} eventIDs as the reference computes them")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
