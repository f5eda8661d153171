#pragma once
// PDF → extracted text (extracted_text.h), with poppler-cpp.
//
// Pages: the text of each page in reading order (poppler's non-raw, non-physical layout, as
// `pdftotext` without -layout), one line per text line, a paragraph break between pages;
// ExtractedText::page_starts says where each page's text starts, so every chunk knows its page.
// Article lines: a line opens an article when find_article_start (section_chunker.h) says so
// and the line before it on the page does not run on into it, that is when that line is blank
// or missing, ends with . : ; ! ? ) ] » or ", or is shorter than two thirds of the page's
// longest line (a heading such as "Chapitre 1er – Dispositions générales", not a wrapped
// sentence ending in "gemäß" before "§ 573 Abs. 2").
// Title: the Info dictionary's /Title, when it has one.
// Failures (FORMAT): a file poppler cannot open (truncated, damaged, not a PDF), an encrypted
// file that needs a password (files encrypted only to restrict printing or copying open without
// one and are read), no pages, a page poppler cannot load, no text on any page (a scan: OCR is
// not supported), a file over 2 GiB.
// poppler's warnings would go to stderr: its error callback is set, once per process, to drop
// them (the failure itself comes back as this function's Error).
//
// Thread-safety: each call has its own poppler document; poppler guards its global state.
#include <string>
#include <string_view>

#include "common/error.h"
#include "retrieval/extracted_text.h"

namespace souverain::retrieval {

// `name` names the source in error messages.
Result<ExtractedText> extract_pdf(std::string_view bytes, const std::string& name);

}  // namespace souverain::retrieval
