#!/usr/bin/env python3
"""Keeps only the named top-level types of an Intuit XSD (QuickBooks publishes XSDs, no
OpenAPI), so the kit's tests can read the official definitions of the entities
specs/quickbooks.json transcribes without carrying the whole 517 kB Finance.xsd.

    python3 trim_xsd.py SOURCE.xsd OUT.xsd TypeName [TypeName ...]

The output is the source's <xs:schema ...> opening tag, then each named complexType or
simpleType exactly as written (annotations included), then </xs:schema>.
"""
import re
import sys


def block(text, name):
    for kind in ("complexType", "simpleType"):
        start = text.find('<xs:%s name="%s"' % (kind, name))
        if start < 0:
            continue
        depth = 0
        for m in re.compile(r"<(/?)xs:%s\b[^>]*?(/?)>" % kind).finditer(text, start):
            if m.group(1):
                depth -= 1
            elif not m.group(2):
                depth += 1
            if depth == 0:
                return text[start:m.end()]
    sys.exit("no type %s" % name)


def main():
    source, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    text = open(source, encoding="utf-8").read()
    head = re.search(r"<xs:schema\b[^>]*>", text).group(0)
    body = "\n\t".join(block(text, n) for n in names)
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write("<!-- Trimmed by trim_xsd.py from Intuit's Finance.xsd; see ../SOURCE.md -->\n")
        f.write(head + "\n\t" + body + "\n</xs:schema>\n")


main()
