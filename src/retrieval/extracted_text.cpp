#include "retrieval/extracted_text.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

namespace souverain::retrieval {

namespace {

bool is_horizontal_space(UChar32 c) {
    return c == ' ' || c == '\t' || c == 0x0B || c == 0x0C || c == 0xA0 || c == 0x3000 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F;
}

// Characters that carry nothing visible: controls, soft hyphen, zero-width space, BOM.
bool is_dropped(UChar32 c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD || c == 0x200B || c == 0xFEFF;
}

}  // namespace

void TextBuilder::request_break(TextBreak kind) {
    if (heading_level_ >= 0 && kind > TextBreak::SPACE) kind = TextBreak::SPACE;
    pending_ = std::max(pending_, kind);
    if (kind >= TextBreak::LINE) {
        new_block_ = true;
        pending_spaces_.clear();
    }
}

void TextBuilder::set_heading_level(int level) {
    if (level == heading_level_) return;
    heading_level_ = level;
    pending_ = TextBreak::PARAGRAPH;
    pending_spaces_.clear();
    new_block_ = true;
}

void TextBuilder::flush_pending() {
    if (!out_.empty()) {
        switch (pending_) {
            case TextBreak::NONE:
                break;
            case TextBreak::SPACE:
                out_.push_back(' ');
                break;
            case TextBreak::LINE:
                out_.push_back('\n');
                break;
            case TextBreak::PARAGRAPH:
                out_.append("\n\n");
                break;
        }
        out_ += pending_spaces_;
    }
    pending_ = TextBreak::NONE;
    pending_spaces_.clear();
}

void TextBuilder::put(std::string_view bytes) {
    flush_pending();
    if (new_block_) {
        blocks_.push_back(TextBlock{out_.size(), out_.size(), heading_level_, true});
        new_block_ = false;
    }
    out_.append(bytes);
    blocks_.back().end = out_.size();
}

void TextBuilder::append(std::string_view piece, bool preserve_lines) {
    // ICU's macros index with int32_t: long pieces go in slices cut before a lead byte.
    constexpr size_t kSlice = size_t{1} << 30;
    while (piece.size() > kSlice) {
        size_t cut = kSlice;
        while (cut > kSlice - 4 && ((unsigned char)piece[cut] & 0xC0) == 0x80) --cut;
        append(piece.substr(0, cut), preserve_lines);
        piece.remove_prefix(cut);
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(piece.data());
    const auto length = (int32_t)piece.size();
    int32_t pos = 0;
    while (pos < length) {
        const int32_t start = pos;
        UChar32 c;
        U8_NEXT(bytes, pos, length, c);
        if (c == '\n' || c == 0x2028 || c == 0x2029) {
            if (preserve_lines) {
                ++preserved_newlines_;
                request_break(preserved_newlines_ >= 2 ? TextBreak::PARAGRAPH : TextBreak::LINE);
            } else {
                request_break(TextBreak::SPACE);
            }
        } else if (c == '\r') {
            if (!preserve_lines) request_break(TextBreak::SPACE);
        } else if (is_horizontal_space(c)) {
            if (preserve_lines) {
                pending_spaces_.push_back(c == '\t' ? '\t' : ' ');
            } else {
                request_break(TextBreak::SPACE);
            }
        } else if (c >= 0 && is_dropped(c)) {
            continue;
        } else {
            preserved_newlines_ = 0;
            put(c < 0 ? std::string_view("\xEF\xBF\xBD") : piece.substr(start, pos - start));
        }
    }
}

ExtractedText TextBuilder::finish() && {
    ExtractedText result;
    result.text = std::move(out_);
    result.blocks = std::move(blocks_);
    return result;
}

}  // namespace souverain::retrieval
