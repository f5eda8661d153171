#include "server/jinja/text.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace souverain::server::jinja {

namespace {

constexpr char32_t ESCAPE_BASE = 0xDC80;  // surrogateescape: byte b decodes to U+DC00 + b

bool is_escaped_byte(char32_t c) {
    return c >= 0xDC80 && c <= 0xDCFF;
}

// ICU full case mapping over code points; lone surrogates (escaped bytes) pass through.
std::u32string icu_map(const std::u32string& in, bool upper) {
    std::u32string out;
    std::vector<UChar> utf16;
    auto flush = [&]() {
        if (utf16.empty()) return;
        std::vector<UChar> mapped(utf16.size() * 3 + 8);
        UErrorCode status = U_ZERO_ERROR;
        int32_t n =
            upper ? u_strToUpper(mapped.data(), static_cast<int32_t>(mapped.size()), utf16.data(),
                                 static_cast<int32_t>(utf16.size()), "", &status)
                  : u_strToLower(mapped.data(), static_cast<int32_t>(mapped.size()), utf16.data(),
                                 static_cast<int32_t>(utf16.size()), "", &status);
        if (U_FAILURE(status)) n = 0;
        for (int32_t i = 0; i < n;) {
            UChar32 c;
            U16_NEXT(mapped.data(), i, n, c);
            out.push_back(static_cast<char32_t>(c));
        }
        utf16.clear();
    };
    for (char32_t c : in) {
        if (is_escaped_byte(c)) {
            flush();
            out.push_back(c);
        } else if (c > 0xFFFF) {
            utf16.push_back(static_cast<UChar>(0xD7C0 + (c >> 10)));
            utf16.push_back(static_cast<UChar>(0xDC00 | (c & 0x3FF)));
        } else {
            utf16.push_back(static_cast<UChar>(c));
        }
    }
    flush();
    return out;
}

std::u32string map_one(char32_t c, int mode) {  // 0 lower, 1 upper, 2 title
    if (is_escaped_byte(c)) return std::u32string(1, c);
    if (mode == 2)
        return std::u32string(1, static_cast<char32_t>(u_totitle(static_cast<UChar32>(c))));
    return icu_map(std::u32string(1, c), mode == 1);
}

bool is_cased(char32_t c) {
    return !is_escaped_byte(c) && u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED);
}

}  // namespace

void utf8_append(std::string& out, char32_t c) {
    if (is_escaped_byte(c)) {
        out.push_back(static_cast<char>(c - 0xDC00));
    } else if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::u32string utf8_decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        size_t len = 0;
        char32_t c = 0;
        char32_t min = 0;
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            len = 2, c = b0 & 0x1F, min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3, c = b0 & 0x0F, min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4, c = b0 & 0x07, min = 0x10000;
        }
        bool valid = len != 0 && i + len <= s.size();
        for (size_t k = 1; valid && k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) valid = false;
            c = (c << 6) | (b & 0x3F);
        }
        if (valid && (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) valid = false;
        if (valid) {
            out.push_back(c);
            i += len;
        } else {
            out.push_back(ESCAPE_BASE - 0x80 + b0);
            ++i;
        }
    }
    return out;
}

std::string utf8_encode(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text) utf8_append(out, c);
    return out;
}

size_t utf8_length(std::string_view text) {
    bool ascii = true;
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    return ascii ? text.size() : utf8_decode(text).size();
}

bool py_is_space(char32_t c) {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
    if (is_escaped_byte(c)) return false;
    return c == 0x85 || u_isUWhiteSpace(static_cast<UChar32>(c));
}

std::string py_strip(std::string_view text, bool left, bool right, const std::u32string* chars) {
    const std::u32string cps = utf8_decode(text);
    auto strip_me = [&](char32_t c) {
        return chars ? chars->find(c) != std::u32string::npos : py_is_space(c);
    };
    size_t begin = 0;
    size_t end = cps.size();
    if (left) {
        while (begin < end && strip_me(cps[begin])) ++begin;
    }
    if (right) {
        while (end > begin && strip_me(cps[end - 1])) --end;
    }
    return utf8_encode(std::u32string_view(cps).substr(begin, end - begin));
}

std::string py_upper(std::string_view text) {
    return utf8_encode(icu_map(utf8_decode(text), true));
}
std::string py_lower(std::string_view text) {
    return utf8_encode(icu_map(utf8_decode(text), false));
}

std::string py_title(std::string_view text) {
    std::u32string out;
    bool previous_cased = false;
    for (char32_t c : utf8_decode(text)) {
        out += map_one(c, previous_cased ? 0 : 2);
        previous_cased = is_cased(c);
    }
    return utf8_encode(out);
}

std::string py_capitalize(std::string_view text) {
    const std::u32string cps = utf8_decode(text);
    if (cps.empty()) return std::string();
    std::u32string out = map_one(cps[0], 2);
    out += icu_map(cps.substr(1), false);
    return utf8_encode(out);
}

std::string py_float_repr(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
    std::string sci(buf, res.ptr);  // d[.ddd]e±XX
    const bool negative = sci[0] == '-';
    if (negative) sci.erase(0, 1);
    const size_t e = sci.find('e');
    std::string digits = sci.substr(0, e);
    const int exponent = std::stoi(sci.substr(e + 1));
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    std::string out = negative ? "-" : "";
    const int n = static_cast<int>(digits.size());
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (n > 1) out += "." + digits.substr(1);
        char exp[16];
        std::snprintf(exp, sizeof(exp), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        out += exp;
    } else if (exponent < 0) {
        out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (exponent + 1 >= n) {
        out += digits + std::string(static_cast<size_t>(exponent + 1 - n), '0') + ".0";
    } else {
        out += digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
               digits.substr(static_cast<size_t>(exponent + 1));
    }
    return out;
}

std::string py_string_repr(std::string_view text) {
    const bool has_single = text.find('\'') != std::string_view::npos;
    const bool has_double = text.find('"') != std::string_view::npos;
    const char quote = has_single && !has_double ? '"' : '\'';
    std::string out(1, quote);
    for (char32_t c : utf8_decode(text)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F || is_escaped_byte(c)) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", is_escaped_byte(c) ? c - 0xDC00 : c);
            out += buf;
        } else {
            utf8_append(out, c);
        }
    }
    out += quote;
    return out;
}

void json_quote(std::string& out, std::string_view text) {
    out += '"';
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

}  // namespace souverain::server::jinja
