#!/bin/sh
# tests/lint.sh ROOT - lines of at most 100 columns and no trailing
# whitespace in the project's own sources (so diffs stay clean and side by
# side reviews fit). Fixtures under tests/data are inputs, not sources:
# their lines are what the tests need them to be.
cd "$1" || exit 2
if git rev-parse --git-dir >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard -- \
	    '*.c' '*.h' '*.cc' '*.cpp' '*.cmake' 'CMakeLists.txt' \
	    '*/CMakeLists.txt' '*.sh' '.ci/run')
else
	files=$(find engine kernels include cli tests bench perf cmake .ci \
	    -name '*.[ch]' -o -name '*.cc' -o -name '*.cpp' -o -name '*.sh' \
	    -o -name '*.cmake' -o -name CMakeLists.txt 2>/dev/null)
fi
status=0
for f in $files; do
	[ -f "$f" ] || continue
	case $f in tests/data/*) continue ;; esac
	awk -v f="$f" '
	{ line = $0; gsub(/\t/, "        ", line) }
	length(line) > 100 { printf "%s:%d: line longer than 100 columns\n", f, NR; bad = 1 }
	/[ \t]+$/ { printf "%s:%d: trailing whitespace\n", f, NR; bad = 1 }
	END { exit bad }' "$f" || status=1
done
[ $status -eq 0 ] && echo "lint: $(echo "$files" | grep -vc "^tests/data/") files clean"
exit $status
