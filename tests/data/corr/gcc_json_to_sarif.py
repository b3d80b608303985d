#!/usr/bin/env python3
"""Convert gcc 12's -fdiagnostics-format=json output to SARIF 2.1.0.

gcc 12 (Debian 12's) has no SARIF output; gcc 13 added
-fdiagnostics-format=sarif-file. This writes what gcc 13 writes for the
same diagnostics, field for field where gcc 12's JSON has the information:
driver "GNU C<std>", ruleId = the warning option, the CWE of metadata.cwe
as a taxon of a "CWE" taxonomy, locations relative to the uriBaseId "PWD"
(defined in originalUriBaseIds), and the diagnostic path as a code flow.

Usage: gcc_json_to_sarif.py GCC.json PWD STD VERSION > OUT.sarif
"""
import json
import sys


def phys(loc, pwd_rel):
    caret = loc["caret"] if "caret" in loc else loc
    region = {"startLine": caret["line"], "startColumn": caret["column"]}
    if "finish" in loc:
        region["endColumn"] = loc["finish"]["column"] + 1
    return {"artifactLocation": {"uri": pwd_rel(caret["file"]),
                                 "uriBaseId": "PWD"},
            "region": region}


def main():
    src, pwd, std, version = sys.argv[1:5]
    diags = json.load(open(src))
    pwd = pwd.rstrip("/") + "/"

    def rel(f):
        return f[len(pwd):] if f.startswith(pwd) else f

    rules, taxa, results = [], [], []
    for d in diags:
        opt = d.get("option", "")
        if opt and opt not in [r["id"] for r in rules]:
            rules.append({"id": opt,
                          "helpUri": d.get("option_url", "")})
        res = {"ruleId": opt,
               "level": {"warning": "warning", "error": "error",
                         "note": "note"}.get(d["kind"], "warning"),
               "message": {"text": d["message"]},
               "locations": [{"physicalLocation":
                              phys(d["locations"][0], rel)}]}
        cwe = d.get("metadata", {}).get("cwe")
        if cwe is not None:
            res["taxa"] = [{"id": str(cwe), "toolComponent": {"name": "cwe"}}]
            if str(cwe) not in [t["id"] for t in taxa]:
                taxa.append({"id": str(cwe), "helpUri":
                             "https://cwe.mitre.org/data/definitions/%d.html"
                             % cwe})
        if d.get("path"):
            res["codeFlows"] = [{"threadFlows": [{"locations": [
                {"location": {"physicalLocation": phys(ev["location"], rel),
                              "message": {"text": ev["description"]}},
                 "nestingLevel": ev.get("depth", 0)}
                for ev in d["path"]]}]}]
        results.append(res)
    run = {"tool": {"driver": {"name": "GNU " + std,
                               "fullName": "GNU %s (Debian %s) %s"
                               % (std, version, version),
                               "version": version,
                               "informationUri": "https://gcc.gnu.org/",
                               "rules": rules}},
           "taxonomies": [{"name": "CWE", "version": "4.7",
                           "organization": "MITRE",
                           "informationUri":
                           "https://cwe.mitre.org/data/published/"
                           "cwe_v4.7.pdf",
                           "taxa": taxa}],
           "originalUriBaseIds": {"PWD": {"uri": "file://" + pwd}},
           "results": results}
    json.dump({"$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/"
               "errata01/os/schemas/sarif-schema-2.1.0.json",
               "version": "2.1.0", "runs": [run]}, sys.stdout, indent=2,
              ensure_ascii=False)
    sys.stdout.write("\n")


main()
