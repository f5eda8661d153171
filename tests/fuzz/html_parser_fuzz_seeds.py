"""Seed inputs for html_parser_fuzz: pages with headings, articles, tables, noise elements,
<pre>, unclosed tags and declared charsets. Each seed starts with the selector byte the target
reads first.

Usage: python3 html_parser_fuzz_seeds.py OUTDIR
"""

import os
import sys

SEEDS = {
    "law.html": (
        "<!DOCTYPE html><html><head><title>Loi du 1er ao\u00fbt 2024</title>"
        "<style>p{}</style><script>var a='<p>';</script></head><body>"
        "<nav><a href='/'>Accueil</a></nav><header>Portail</header><main>"
        "<h1>Loi</h1><p>Pr\u00e9ambule&nbsp;: texte.</p><h2>Chapitre 1<sup>er</sup></h2>"
        "<h3>Art. 1er.</h3><p>Le pr\u00e9sent r\u00e8glement<br>s'applique.</p>"
        "<p>Art. 2. Il entre en vigueur.</p><ul><li>un</li><li>deux</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table><pre>x\n  y\n\nz</pre>"
        "<div hidden>cach\u00e9</div></main><footer>\u00a9</footer></body></html>"
    ).encode("utf-8"),
    "latin1.html": (
        b"<html><head><meta charset=\"windows-1252\"></head><body><h2>\xa7 573</h2>"
        b"<p>K\xfcndigung \x80 \x93x\x94</p></body></html>"),
    "unclosed.html": b"<div><p>Art. 3. Le bail<p>est <b>r\xc3\xa9sili\xc3\xa9 <i>de<h2>Art. 4",
}


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(b"\x08" + data)


if __name__ == "__main__":
    main()
