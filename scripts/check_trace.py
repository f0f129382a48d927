#!/usr/bin/env python3
"""Checks a Chrome Trace Event file as a viewer would read it.

usage: check_trace.py FILE [--flow-to-main] [--span NAME]... [--flow NAME FROM TO]...
Exits 1 with a message on the first problem: not JSON, an event without
its fields, a span without a duration, a flow end without its begin, a
track without a name, or a span or flow asked for that is missing.
--flow NAME FROM TO: a flow named NAME that begins inside a span named
FROM and ends inside a span named TO, each on its own track, as a viewer
binds them ("*": any span), e.g. --flow input 'pointer up' raster.
"""
import json
import sys


def fail(msg):
    print("check_trace: " + msg, file=sys.stderr)
    sys.exit(1)


def inside(ev, slices, name):
    """Whether ev's timestamp lies in a span called name on its track."""
    return any(s["tid"] == ev["tid"] and (name == "*" or s["name"] == name)
               and s["ts"] <= ev["ts"] <= s["ts"] + s["dur"] for s in slices)


def main(argv):
    if len(argv) < 2:
        fail("usage: check_trace.py FILE [--flow-to-main] [--span NAME]...")
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    events = doc.get("traceEvents")
    if not isinstance(events, list) or not events:
        fail("no traceEvents")
    named, used, spans = set(), set(), set()
    slices = []
    begins, ends = {}, {}
    has_process = False
    for ev in events:
        for key in ("name", "ph", "pid"):
            if key not in ev:
                fail("an event without %r: %r" % (key, ev))
        ph = ev["ph"]
        if ph == "M":
            if ev["name"] == "thread_name":
                named.add(ev["tid"])
            if ev["name"] == "process_name":
                has_process = True
            continue
        if "ts" not in ev or "tid" not in ev:
            fail("an event without ts or tid: %r" % ev)
        used.add(ev["tid"])
        if ph == "X":
            if not isinstance(ev.get("dur"), (int, float)) or ev["dur"] < 0:
                fail("a span without a duration: %r" % ev)
            spans.add(ev["name"])
            slices.append(ev)
        elif ph == "s":
            begins[ev["id"]] = ev
        elif ph == "f":
            if ev.get("bp") != "e":
                fail("a flow end not bound to its enclosing slice: %r" % ev)
            ends[ev["id"]] = ev
        elif ph not in ("i", "b", "e"):
            fail("an unknown phase: %r" % ev)
    if not has_process:
        fail("no process_name")
    if used - named:
        fail("tracks without a thread_name: %r" % sorted(used - named))
    for fid, ev in ends.items():
        if fid not in begins:
            fail("a flow end without its begin: %r" % ev)
        if begins[fid]["ts"] > ev["ts"]:
            fail("a flow that ends before it begins: %r" % ev)
    args = argv[2:]
    i = 0
    while i < len(args):
        if args[i] == "--flow-to-main":
            if not any(begins[k]["tid"] != 1 and e["tid"] == 1 for k, e in ends.items()):
                fail("no flow from another isolate to main")
        elif args[i] == "--flow" and i + 3 < len(args):
            name, src, dst = args[i + 1:i + 4]
            i += 3
            if not any(begins[k]["name"] == name and inside(begins[k], slices, src)
                       and inside(e, slices, dst) for k, e in ends.items() if k in begins):
                fail("no flow %r from a %r span to a %r span" % (name, src, dst))
        elif args[i] == "--span" and i + 1 < len(args):
            i += 1
            if args[i] not in spans:
                fail("no span named %r (spans: %r)" % (args[i], sorted(spans)))
        else:
            fail("unknown option %r" % args[i])
        i += 1
    print("check_trace: %d events, %d tracks, %d flows" % (len(events), len(used), len(ends)))


if __name__ == "__main__":
    main(sys.argv)
