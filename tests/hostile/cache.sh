#!/bin/sh
# tests/hostile/cache.sh TALLY DATA CORPUS - (being written)
echo "hostile cache: no cases yet"
exit 77
