#!/usr/bin/env python3
"""cpu-time.py [-e ERR] OUT CMD...: runs CMD with stdout to OUT (a path or
/dev/null; standard error to ERR if given), then prints `EXIT USER SYS` on stdout — the child's exit status and its
user and system CPU seconds from getrusage(RUSAGE_CHILDREN), to the
microsecond (GNU time's %U/%S have 10 ms resolution: a tenth of a 304
round). Used by the benchmarks to measure a whole feedwire process."""
import resource
import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    err = None
    if len(args) >= 2 and args[0] == "-e":
        err, args = args[1], args[2:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(args[0], "wb") as out, open(err or "/dev/null", "wb") as errfile:
        rc = subprocess.call(args[1:], stdout=out, stderr=errfile if err else None)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(rc, f"{after.ru_utime - before.ru_utime:.6f}", f"{after.ru_stime - before.ru_stime:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
