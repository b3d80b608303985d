#!/bin/sh
# tests/hostile/cli.sh TALLY DATA CORPUS - (being written)
echo "hostile cli: no cases yet"
exit 77
