#!/bin/sh
# Fails with the exit code given as its first argument, after saying why on stderr.
#   exit-with.sh <code> [anything...]
echo "starting" 
echo "the directory refused the change (code $1)" >&2
exit "$1"
