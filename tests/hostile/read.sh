#!/bin/sh
# tests/hostile/read.sh TALLY DATA CORPUS - (being written)
echo "hostile read: no cases yet"
exit 77
