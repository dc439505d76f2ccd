#!/usr/bin/env python3
"""Updates a directory the way kubelet updates a ConfigMap or Secret volume.

The layout and the order of the system calls follow kubelet's atomic writer
(kubernetes pkg/volume/util/atomic_writer.go), so that the watch is tested against what a pod
really sees, not against a simplification of it:

    VOLUME/..2026_12_02_15_04_05.1234567890/   the data: one directory per update, mode 0755
    VOLUME/..data -> ..2026_12_02_15_04_05.1234567890
    VOLUME/nginx.conf.template -> ..data/nginx.conf.template   one symlink per top-level key

One update (`write`):

 1. Nothing happens when every key's bytes equal what ..data already holds and no key is gone.
 2. A new timestamped directory `..YYYY_MM_DD_HH_MM_SS.N` (UTC, N a random number, as Go's
    MkdirTemp makes it) is created and given mode 0755 whatever the umask.
 3. Every key is written into it (subdirectories created), then chmod'ed to its mode (kubelet's
    defaultMode: 0644; Secrets are often mounted with 0400).
 4. The symlink `..data_tmp -> ..<timestamp>` is created.
 5. `..data_tmp` is renamed over `..data`: the one atomic step; readers see the old or the new set.
 6. A visible symlink `name -> ..data/name` is created for each new top-level name.
 7. The visible names of gone keys are removed.
 8. The previous timestamped directory is removed, with everything in it.

Used by the Swift end-to-end tests (they spawn `python3 atomic_writer.py`), the server tests, the
reload bench and the stack test (they import it). Standard library only.

CLI:
    atomic_writer.py VOLUME --from DIR            every regular file under DIR is a key
    atomic_writer.py VOLUME KEY=FILE ...          explicit keys (FILE's bytes are the value)
    options: --mode 0644 (every file's mode), --print-rename-time (CLOCK_MONOTONIC ns of step 5
    on stdout), --keep KEY,... (keys of the current data to carry over unchanged)
"""

import argparse
import datetime
import os
import random
import shutil
import sys
import time

DATA = "..data"
DATA_TMP = "..data_tmp"


def current_data_directory(volume):
    """The name of the timestamped directory ..data points at, or None for a new volume."""
    try:
        return os.readlink(os.path.join(volume, DATA))
    except FileNotFoundError:
        return None


def _walk_keys(root):
    """The relative paths of every regular file under root (symlinks followed, as kubelet reads)."""
    keys = []
    for directory, _, names in os.walk(root, followlinks=True):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                keys.append(os.path.relpath(path, root))
    return sorted(keys)


def _validate(key):
    parts = key.split("/")
    if not key or key.startswith("/") or ".." in parts or parts[0].startswith(".."):
        raise ValueError(f"invalid key {key!r}: relative, no '..' element, not starting with '..'")


def _new_timestamp_directory(volume):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("..%Y_%m_%d_%H_%M_%S.")
    while True:
        path = os.path.join(volume, stamp + str(random.getrandbits(32)))
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o755)
        return path


def write(volume, payload, print_rename_time=False):
    """Projects payload ({key: (bytes, mode)}) into volume as kubelet does.

    Returns the CLOCK_MONOTONIC time in nanoseconds of the ..data rename, or None when nothing had
    to change (step 1).
    """
    for key in payload:
        _validate(key)
    old = current_data_directory(volume)
    old_keys = _walk_keys(os.path.join(volume, old)) if old else []
    if old is not None:
        unchanged = set(old_keys) == set(payload)
        if unchanged:
            for key, (data, _) in payload.items():
                with open(os.path.join(volume, old, key), "rb") as existing:
                    if existing.read() != data:
                        unchanged = False
                        break
        if unchanged:
            return None

    new = _new_timestamp_directory(volume)
    for key, (data, mode) in sorted(payload.items()):
        path = os.path.join(new, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as output:
            output.write(data)
        os.chmod(path, mode)

    os.symlink(os.path.basename(new), os.path.join(volume, DATA_TMP))
    os.rename(os.path.join(volume, DATA_TMP), os.path.join(volume, DATA))
    renamed = time.monotonic_ns()

    top_level = {key.split("/")[0] for key in payload}
    for name in sorted(top_level):
        visible = os.path.join(volume, name)
        if not os.path.lexists(visible):
            os.symlink(os.path.join(DATA, name), visible)
    gone = {key.split("/")[0] for key in old_keys} - top_level
    for name in sorted(gone):
        os.remove(os.path.join(volume, name))
    if old is not None:
        shutil.rmtree(os.path.join(volume, old))
    return renamed


def payload_from_directory(source, mode):
    """{key: (bytes, mode)} for every regular file under source."""
    payload = {}
    for key in _walk_keys(source):
        with open(os.path.join(source, key), "rb") as data:
            payload[key] = (data.read(), mode)
    return payload


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("volume", help="the volume directory (created when missing)")
    parser.add_argument("pairs", nargs="*", metavar="KEY=FILE", help="a key and its file")
    parser.add_argument("--from", dest="source", help="every regular file under DIR is a key")
    parser.add_argument("--mode", default="0644", help="the mode of every file (octal)")
    parser.add_argument("--keep", default="", help="current keys carried over unchanged")
    parser.add_argument("--print-rename-time", action="store_true")
    options = parser.parse_args(arguments)
    mode = int(options.mode, 8)
    os.makedirs(options.volume, exist_ok=True)
    payload = payload_from_directory(options.source, mode) if options.source else {}
    for pair in options.pairs:
        key, separator, path = pair.partition("=")
        if not separator:
            parser.error(f"{pair!r} is not KEY=FILE")
        with open(path, "rb") as data:
            payload[key] = (data.read(), mode)
    current = current_data_directory(options.volume)
    for key in filter(None, options.keep.split(",")):
        if current is None:
            parser.error(f"--keep {key}: the volume has no data yet")
        path = os.path.join(options.volume, current, key)
        with open(path, "rb") as data:
            payload[key] = (data.read(), os.stat(path).st_mode & 0o7777)
    if not payload:
        parser.error("no keys: give --from DIR or KEY=FILE pairs")
    renamed = write(options.volume, payload)
    if options.print_rename_time:
        print(renamed if renamed is not None else "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
