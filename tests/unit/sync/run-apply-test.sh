#!/usr/bin/env bash
# tests/unit/sync/run-apply-test.sh: (being written)
exec "$1"
