#!/usr/bin/env python3
"""web/embed.py: turns the console's files into a C source holding them (hotmigd serves the
console from its own binary; nothing is read from disk at run time).

usage: embed.py OUT.c ROOT FILE...
Each FILE (a path under ROOT) becomes one entry of a sorted table {path, content_type, data,
len, etag, gz, gz_len} looked up by hm_asset_find() (src/service/assets.h): path is "/" + the
file's path relative to ROOT, etag a quoted prefix of its SHA-256, gz the gzipped bytes when
they are smaller (mtime 0, so the output is reproducible).
"""
import gzip
import hashlib
import os
import sys

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".map": "application/json",
}


def c_bytes(data):
    out = []
    for i in range(0, len(data), 20):
        out.append("    " + "".join("%d," % b for b in data[i:i + 20]))
    return "\n".join(out) if out else "    0,"


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: embed.py OUT.c ROOT FILE...\n")
        return 2
    out, root, files = argv[0], argv[1], argv[2:]
    entries = []
    for f in files:
        rel = os.path.relpath(os.path.abspath(f), os.path.abspath(root)).replace(os.sep, "/")
        if rel.startswith(".."):
            sys.stderr.write("embed.py: %s is not under %s\n" % (f, root))
            return 1
        ext = os.path.splitext(rel)[1].lower()
        if ext not in TYPES:
            sys.stderr.write("embed.py: %s: no content type known for '%s'; add it to TYPES\n" % (f, ext))
            return 1
        with open(f, "rb") as fh:
            data = fh.read()
        gz = gzip.compress(data, 9, mtime=0)
        entries.append(("/" + rel, TYPES[ext], data, gz if len(gz) < len(data) else None,
                        '"' + hashlib.sha256(data).hexdigest()[:20] + '"'))
    entries.sort(key=lambda e: e[0])
    lines = ["/* Written by web/embed.py from the files listed in web/meson.build: do not edit. */",
             "#include <stdlib.h>", "#include <string.h>", '#include "service/assets.h"', ""]
    for i, (_, _, data, gz, _) in enumerate(entries):
        lines.append("static const unsigned char a%d[] = {\n%s\n};" % (i, c_bytes(data)))
        if gz is not None:
            lines.append("static const unsigned char z%d[] = {\n%s\n};" % (i, c_bytes(gz)))
    lines.append("static const hm_asset table[] = {")
    for i, (path, ctype, data, gz, etag) in enumerate(entries):
        etag_c = etag.replace('"', '\\"')
        gz_c = ("z%d, %d" % (i, len(gz))) if gz is not None else "NULL, 0"
        lines.append('    {"%s", "%s", a%d, %d, "%s", %s},' % (path, ctype, i, len(data), etag_c, gz_c))
    if not entries:
        lines.append('    {"", "", NULL, 0, "", NULL, 0},')
    lines.append("};")
    lines.append("static const size_t n_table = %d;" % len(entries))
    lines.append("""
static int cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const hm_asset *)elem)->path);
}

const hm_asset *hm_asset_find(const char *path)
{
    if (!path || n_table == 0)
        return NULL;
    return bsearch(path, table, n_table, sizeof table[0], cmp);
}""")
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
