#!/usr/bin/env python3
"""A hook for the stack test: appends `begin NAME` to FILE, holds for a moment, appends `end NAME`.

Run first among the hooks of two app replicas that start together, the lines show whether their
hook phases overlapped (no lock: begin, begin, end, end) or took turns under `--lock`.
"""

import sys
import time

path, name = sys.argv[1], sys.argv[2]
with open(path, "a") as log:
    log.write(f"begin {name}\n")
    log.flush()
    # Long enough that a replica released at the same moment would start inside this window.
    time.sleep(0.5)
    log.write(f"end {name}\n")
