#pragma once
// HTML → extracted text (extracted_text.h), with libxml2's HTML parser, which recovers from
// unclosed and misnested tags the way browsers do.
//
// What is kept: the text a reader sees in the body. Not kept: <head> (but <title> becomes the
// title), script, style, noscript, template, nav, svg, math, iframe, object, embed, canvas,
// select, button, elements marked hidden, aria-hidden="true" or role="navigation", and header,
// footer and aside unless they sit inside an article, main or section (there they hold the
// content's own heading or notes, outside they are site chrome).
// Structure: block elements (p, div, li, tr, table, blockquote, ...) break lines or paragraphs;
// table cells are separated by a space; <br> breaks a line; <pre> keeps its lines; h1-h6 are
// headings of levels 1-6.
// Charset: a <meta charset>, a Content-Type <meta http-equiv> or a byte-order mark is honoured
// and the text converted to UTF-8; undeclared bytes are read as UTF-8 while they are valid,
// else as ISO-8859-1 (libxml2's rule).
// Failures (FORMAT): an empty file, NUL bytes without a UTF-16 byte-order mark (a binary file),
// elements nested more than 256 deep (libxml2 stops there; the rest of the page would be lost),
// a file over 2 GiB.
//
// Thread-safety: a pure function.
#include <string>
#include <string_view>

#include "common/error.h"
#include "retrieval/extracted_text.h"

namespace souverain::retrieval {

// `name` names the source in error messages.
Result<ExtractedText> extract_html(std::string_view bytes, const std::string& name);

}  // namespace souverain::retrieval
