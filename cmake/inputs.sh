#!/bin/sh
# cmake/inputs.sh - the SARIF logs the README's first command summarises:
# every *.sarif of the shared corpus beside the checkout when it is there,
# else the project's own samples.
top=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(cd "$top/../shared/corpus" 2>/dev/null && pwd) || corpus=""
if [ -n "$corpus" ] && find "$corpus" -name '*.sarif' | grep -q .; then
	find "$corpus" -name '*.sarif' | sort
else
	ls "$top"/tests/data/samples/*.sarif
fi
