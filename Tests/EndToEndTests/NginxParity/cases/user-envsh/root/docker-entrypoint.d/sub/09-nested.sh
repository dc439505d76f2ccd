#!/bin/sh
echo nested > "$OUT/09-nested.out"
