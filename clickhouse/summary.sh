#!/bin/sh
# clickhouse/summary.sh - print the counts of `tally summary --format json`
# (all but "inputs") for the union of the inputs of some sources, from the
# fleet's tables, by running the queries of clickhouse/summary.sql.
#
#   summary.sh URL [SOURCE]...
#
# URL: any node's HTTP interface (http://host:8123/, user and password as
# http://user:pass@host:8123/). No SOURCE: every source in the table.
# Environment: TALLY_TABLE (the Distributed table, default tally_results).
# Exit status: 0, or 2 when a query fails (the server's answer on stderr).
# Needs python3.
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$here/summary.sql" "$@" <<'EOF'
import json, os, re, sys, urllib.parse, urllib.request

if len(sys.argv) < 3:
    sys.stderr.write("usage: summary.sh URL [SOURCE]...\n")
    sys.exit(2)
sql_path, url, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
table = os.environ.get("TALLY_TABLE", "tally_results")
if not re.fullmatch(r"[A-Za-z0-9_.]+", table):
    sys.stderr.write("summary.sh: bad TALLY_TABLE\n")
    sys.exit(2)

# user:pass@ in the URL: basic auth, as curl would send it
parts = urllib.parse.urlsplit(url)
headers = {}
if parts.username is not None:
    import base64
    cred = "%s:%s" % (urllib.parse.unquote(parts.username),
                      urllib.parse.unquote(parts.password or ""))
    headers["Authorization"] = "Basic " + base64.b64encode(
        cred.encode()).decode()
    netloc = parts.hostname + (":%d" % parts.port if parts.port else "")
    url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/",
                                   parts.query, ""))


def query(sql, **settings):
    params = dict(settings)
    params["output_format_json_quote_64bit_integers"] = 0
    sep = "&" if "?" in url else ("" if url.endswith("/") else "/") + "?"
    req = urllib.request.Request(url + sep + urllib.parse.urlencode(params),
                                 data=(sql + " FORMAT JSONCompact").encode(),
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.load(r)["data"]
    except urllib.error.HTTPError as e:
        sys.stderr.write("summary.sh: %s: %s\n" % (e.code,
                         e.read().decode(errors="replace").strip()))
        sys.exit(2)
    except OSError as e:
        sys.stderr.write("summary.sh: %s: %s\n" % (url, e))
        sys.exit(2)


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


if not sources:
    sources = [r[0] for r in query("SELECT DISTINCT source FROM %s" % table)]
if not sources:
    sources = [""]  # an empty table: every count is zero
src = ", ".join(quote(s) for s in sources)

queries = {}
name = None
for line in open(sql_path):
    m = re.match(r"--\s*name:\s*(\w+)", line)
    if m:
        name = m.group(1)
        queries[name] = ""
    elif name is not None and not line.lstrip().startswith("--"):
        queries[name] += line


def run(name):
    sql = queries[name].strip().rstrip(";")
    sql = sql.replace("{sources}", src)
    sql = re.sub(r"\btally_results\b", table, sql)
    return query(sql, distributed_group_by_no_merge=1)


def counts(rows):
    return {r[0]: int(r[1]) for r in rows if int(r[1]) != 0}


def ranked(rows, names):
    out = [dict(zip(names, r[:-1]), count=int(r[-1])) for r in rows
           if int(r[-1]) != 0]
    out.sort(key=lambda d: (-d["count"],) + tuple(
        d[n].encode() for n in names))
    return out


t = run("totals")[0]
out = {
    "total": int(t[0] or 0),
    "unique": int(t[1] or 0),
    "suppressed": int(t[2] or 0),
    "duplicates": int(t[3] or 0),
    "by_level": counts(run("by_level")),
    "by_tool": counts(run("by_tool")),
    "by_rule": ranked(run("by_rule"), ["tool", "rule"]),
    "by_file": ranked(run("by_file"), ["file"]),
    "by_suppression_status": counts(run("by_suppression_status")),
}
baseline = counts(run("by_baseline_state"))
if baseline:
    out["by_baseline_state"] = baseline
json.dump(out, sys.stdout, indent=2)
sys.stdout.write("\n")
EOF
