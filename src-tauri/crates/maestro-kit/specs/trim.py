#!/usr/bin/env python3
"""Trims a provider's published OpenAPI/Swagger file to the operations a provider file uses.

    specs/trim.py SOURCE OUT --op "get /v1/workspaces/{workspaceId}" ... [--schema NAME ...]
        [--also SOURCE2 ...] [--rename-clashes]

--also merges further files of the same API first (a spec published as one file per area,
e.g. Justworks' reconstruction): their paths and components are added to SOURCE's; a
component defined twice must be identical, else the trim stops (with --rename-clashes the
later file's differing one is kept as `<name>__<file tag>`, ADP's area files being
separate editions of the same schemas). `info` stays SOURCE's.

Keeps `openapi`/`swagger`, `info` (title, version, description: some facts are prose), `servers`/`host`/`basePath`, the security
schemes, the listed operations whole, and every schema they reference (transitively), plus
the schemas named with --schema. Writes JSON (sorted keys) so the tests need no YAML parser.
A maintenance tool: the trimmed files are committed; tests never run this.
"""
import argparse, json, sys

def load(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith((".yaml", ".yml")):
        import yaml
        return yaml.safe_load(text)
    return json.loads(text)

def str_keys(node):
    """YAML reads response codes as integers; JSON keys are text."""
    if isinstance(node, dict):
        return {str(k): str_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [str_keys(v) for v in node]
    return node

def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
                out.add(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)

def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node

def rename_clashes(doc, other, name):
    """Renames `other`'s components that differ from `doc`'s same-named ones to
    `<name>__<file tag>` and points `other`'s references at the new names (ADP's area files
    each carry their own edition of shared schemas: same name, different text)."""
    tag = name.rsplit("/", 1)[-1].split(".openapi")[0].replace(".", "_")
    moved = {}
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and v in moved:
                    node[k] = moved[v]
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    while True:  # a renamed reference can make a referring component differ in turn
        found = False
        for kind, entries in other.get("components", {}).items():
            mine = doc.get("components", {}).get(kind, {})
            for key in list(entries):
                if key in mine and mine[key] != entries[key]:
                    moved[f"#/components/{kind}/{key}"] = f"#/components/{kind}/{key}__{tag}"
                    entries[f"{key}__{tag}"] = entries.pop(key)
                    found = True
        if not found:
            break
        walk(other)

def merge(doc, other, name):
    """Adds `other`'s paths and components to `doc`; a clash that differs is an error."""
    for path, item in other.get("paths", {}).items():
        mine = doc.setdefault("paths", {}).setdefault(path, {})
        for method, op in item.items():
            if method in mine and mine[method] != op:
                sys.exit(f"{name}: {method} {path} differs from the one already read")
            mine[method] = op
    for kind, entries in other.get("components", {}).items():
        mine = doc.setdefault("components", {}).setdefault(kind, {})
        for key, value in entries.items():
            if key in mine and mine[key] != value:
                sys.exit(f"{name}: components/{kind}/{key} differs from the one already read")
            mine[key] = value

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source"); ap.add_argument("out")
    ap.add_argument("--op", action="append", default=[])
    ap.add_argument("--schema", action="append", default=[])
    ap.add_argument("--also", action="append", default=[])
    ap.add_argument("--rename-clashes", action="store_true",
                    help="rename an --also file's differing same-named components instead of stopping")
    a = ap.parse_args()
    doc = str_keys(load(a.source))
    for extra in a.also:
        other = str_keys(load(extra))
        if a.rename_clashes:
            rename_clashes(doc, other, extra)
        merge(doc, other, extra)
    out = {k: doc[k] for k in ("openapi", "swagger", "servers", "host", "basePath", "schemes") if k in doc}
    out["info"] = {k: doc["info"][k] for k in ("title", "version", "description") if k in doc.get("info", {})}
    if "securityDefinitions" in doc:
        out["securityDefinitions"] = doc["securityDefinitions"]
    out["paths"] = {}
    for op in a.op:
        method, path = op.split(" ", 1)
        item = doc["paths"][path]
        entry = out["paths"].setdefault(path, {})
        if "parameters" in item:
            entry["parameters"] = item["parameters"]
        entry[method] = item[method]
    swagger = "swagger" in doc
    prefix = "#/definitions/" if swagger else "#/components/schemas/"
    pending = set(prefix + s for s in a.schema)
    refs(out["paths"], pending)
    seen = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        refs(resolve(doc, ref), pending)
    for ref in sorted(seen):
        parts = ref[2:].split("/")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = resolve(doc, ref)
    if not swagger and "securitySchemes" in doc.get("components", {}):
        out.setdefault("components", {})["securitySchemes"] = doc["components"]["securitySchemes"]
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"{a.out}: {len(a.op)} operations, {len(seen)} schemas", file=sys.stderr)

main()
