#!/bin/sh
# cmake/setup.sh [PACKAGE...] - install what building and testing tally
# needs on Debian 12 (or, with arguments, those packages: perf/setup.sh).
#
# Idempotent and silent when everything is there: it asks dpkg which of the
# packages are missing and installs only those (one `apt-get update`, then
# one `apt-get install -y`). Run as root, or with sudo available.
# chromium-headless-shell is for the tests only: html_test renders
# summary's HTML in it (and is skipped without it); so is clickhouse-server
# (cluster_test starts two on loopback) and the python3 packages
# (the binding's pytest suite, its venv install, its NumPy buffers).
set -eu

pkgs="build-essential cmake ninja-build pkg-config git
clang libclang-rt-14-dev
liburcu-dev libck-dev libjemalloc-dev libcriterion-dev libbenchmark-dev
libsimdjson-dev libxxhash-dev libtbb-dev python3 python3-yaml
libexpat1-dev libyaml-dev zlib1g-dev libzstd-dev zstd libcurl4-openssl-dev
chromium-headless-shell clickhouse-server clickhouse-client curl
python3-cffi python3-numpy python3-pytest python3-venv python3-pip"
[ $# -gt 0 ] && pkgs="$*"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "setup: need root to install:$missing" >&2
	exit 1
fi
echo "setup: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
