"""Seed inputs for pdf_parser_fuzz: small PDFs written object by object (so the xref offsets are
right), plain and Flate-compressed, with an Info title, and one locked by an /Encrypt
dictionary. Each seed starts with the selector byte the target reads first.

Usage: python3 pdf_parser_fuzz_seeds.py OUTDIR
"""

import os
import sys
import zlib

PAGES = [
    ["Loi du 1er aout 2024", "Chapitre 1er - Dispositions generales",
     "Art. 1er. Le present reglement s'applique a tous les baux a",
     "usage d'habitation conclus apres son entree en vigueur, selon le",
     "\xa7 573 Abs. 2 BGB.", "Art. 2. Le bailleur remet un exemplaire"],
    ["du contrat.", "Article 3 Entree en vigueur"],
]


def escape(text):
    data = text.encode("latin-1")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def content_stream(lines):
    out = b"BT\n/F1 11 Tf\n72 770 Td\n"
    for line in lines:
        out += b"(" + escape(line) + b") Tj\n0 -16 Td\n"
    return out + b"ET\n"


def make_pdf(pages, compress=False, title=None, locked=False):
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join("%d 0 R" % (4 + 2 * i) for i in range(len(pages)))
    objects.append(("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))).encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        objects.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                        "<< /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)).encode())
        data = content_stream(lines)
        extra = b""
        if compress:
            data = zlib.compress(data)
            extra = b" /Filter /FlateDecode"
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data +
                       b"\nendstream")
    trailer = b""
    if title is not None:
        objects.append(b"<< /Title <feff" + title.encode("utf-16-be").hex().encode() + b"> >>")
        trailer += b" /Info %d 0 R" % len(objects)
    if locked:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"a" * 64 + b"> /U <" +
                       b"a" * 64 + b"> >>")
        trailer += b" /Encrypt %d 0 R /ID [<00112233445566778899aabbccddeeff> " \
                   b"<00112233445566778899aabbccddeeff>]" % len(objects)
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref)
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    seeds = {
        "plain.pdf": make_pdf(PAGES),
        "flate.pdf": make_pdf(PAGES, compress=True),
        "title.pdf": make_pdf(PAGES[:1], title="R\u00e8glement grand-ducal"),
        "locked.pdf": make_pdf(PAGES[:1], locked=True),
        "empty_page.pdf": make_pdf([[]]),
    }
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(b"\x10" + data)


if __name__ == "__main__":
    main()
