"""Seed inputs for docx_parser_fuzz: a whole .docx package (selector bit 0 clear) and bare
word/document.xml + NUL + word/styles.xml inputs (selector bit 0 set) with headings, styles,
tables, tracked changes and alternate content.

Usage: python3 docx_parser_fuzz_seeds.py OUTDIR
"""

import io
import os
import sys
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="%s" xmlns:mc="%s"><w:body>'
    '<w:p><w:pPr><w:pStyle w:val="Titel"/></w:pPr><w:r><w:t>Loi du 1er ao\u00fbt</w:t></w:r></w:p>'
    '<w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Chapitre 1er</w:t></w:r></w:p>'
    '<w:p><w:pPr><w:outlineLvl w:val="2"/></w:pPr><w:r><w:t>Art. 1er.</w:t></w:r></w:p>'
    '<w:p><w:r><w:t xml:space="preserve">Le pr\u00e9sent </w:t></w:r><w:del><w:r>'
    '<w:delText>ancien</w:delText></w:r></w:del><w:r><w:t>r\u00e8glement</w:t><w:tab/>'
    '<w:br/><w:t>s\'applique.</w:t><w:noBreakHyphen/></w:r></w:p>'
    '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r>'
    '<w:t>Art. 2. Bo\u00eete</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback>'
    '<w:t>copie</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>'
    '</w:body></w:document>' % (W, MC))

STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="%s">'
    '<w:style w:type="paragraph" w:styleId="Standard"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/>'
    '<w:basedOn w:val="Standard"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/>'
    '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Eigen"><w:name w:val="Eigen"/>'
    '<w:basedOn w:val="berschrift1"/></w:style>'
    '</w:styles>' % W)


def package(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:
            archive.writestr(name, content.encode("utf-8"))
    return buffer.getvalue()


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    seeds = {
        "package.docx": b"\x20" + package([("word/document.xml", DOCUMENT),
                                           ("word/styles.xml", STYLES)]),
        "no_document.docx": b"\x20" + package([("word/styles.xml", STYLES)]),
        "xml_and_styles": b"\x21" + DOCUMENT.encode() + b"\x00" + STYLES.encode(),
        "xml_only": b"\x21" + DOCUMENT.encode(),
    }
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
