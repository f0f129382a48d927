#!/usr/bin/env python3
"""check_exports.py INCLUDE_DIRS LIB.so...: (INCLUDE_DIRS joined with ":") the shared libraries export
exactly Islet's public names.

Fails if a defined dynamic symbol (nm -D --defined-only) of any library is
not rt_/ui_/islet_-prefixed, or is an internal rt__/ui__ name, or if a
function or object declared ISLET_API in the public headers is exported by
none of them. The linker's own __bss_start, _edata and _end are allowed.
"""
import glob
import os
import re
import subprocess
import sys

LINKER_SYMBOLS = {"__bss_start", "_edata", "_end", "_init", "_fini"}


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def declared(include_dirs):
    names = set()
    paths = [p for d in include_dirs.split(os.pathsep)
             for p in glob.glob(os.path.join(d, "**", "*.h"), recursive=True)]
    for path in paths:
        text = re.sub(r"/\*.*?\*/", " ", open(path).read(), flags=re.S)
        text = re.sub(r"^\s*#.*?(?<!\\)$", " ", text, flags=re.M | re.S)
        for m in re.finditer(r"\bISLET_API\b([^;]*);", text):
            decl = re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", m.group(1), flags=re.S)
            if re.match(r"\s*extern\b", decl):
                names.update(re.findall(r"(\w+)\s*(?:,|$)", decl))
            else:
                names.add(re.search(r"(\w+)\s*\(", decl).group(1))
    return names


def main():
    include_dirs, libs = sys.argv[1], sys.argv[2:]
    failures, every = [], set()
    for lib in libs:
        syms = exported(lib) - LINKER_SYMBOLS
        every |= syms
        bad = sorted(s for s in syms if not re.match(r"(rt_|ui_|islet_)", s))
        internal = sorted(s for s in syms if re.match(r"(rt__|ui__)", s))
        print(f"{os.path.basename(lib)}: {len(syms)} exported, {len(bad)} unprefixed, "
              f"{len(internal)} internal")
        failures += [f"{lib}: exports {s} (not rt_/ui_/islet_)" for s in bad]
        failures += [f"{lib}: exports internal {s}" for s in internal]
    wanted = declared(include_dirs)
    missing = sorted(wanted - every)
    print(f"headers: {len(wanted)} ISLET_API names, {len(missing)} not exported")
    failures += [f"declared ISLET_API but exported by no library: {s}" for s in missing]
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
