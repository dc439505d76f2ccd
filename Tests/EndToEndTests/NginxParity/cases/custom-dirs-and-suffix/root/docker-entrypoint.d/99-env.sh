#!/bin/sh
# Records the environment the later scripts see.
env | sort > "$OUT/99-env.env"
