#!/bin/sh
# tests/hostile/output.sh TALLY DATA CORPUS - (being written)
echo "hostile output: no cases yet"
exit 77
