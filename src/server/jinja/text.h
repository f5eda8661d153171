#pragma once
// Python string semantics over UTF-8 bytes, for the template interpreter: templates index,
// slice, strip and case-map strings by code point, as Python's str does.
//
// Invalid UTF-8 never fails: each byte that is not part of a valid sequence decodes to the
// lone surrogate U+DC80 + byte (Python's "surrogateescape") and encodes back to that byte, so
// decode followed by encode gives the input back exactly. All functions are pure and
// thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

namespace souverain::server::jinja {

std::u32string utf8_decode(std::string_view text);
std::string utf8_encode(std::u32string_view text);
void utf8_append(std::string& out, char32_t code_point);
size_t utf8_length(std::string_view text);  // in code points

// str.isspace() for one code point.
bool py_is_space(char32_t c);

// str.strip() / lstrip() / rstrip(): with `chars` empty-and-not-given, Unicode whitespace.
std::string py_strip(std::string_view text, bool left, bool right, const std::u32string* chars);

std::string py_upper(std::string_view text);
std::string py_lower(std::string_view text);
// str.title() (Python's, used by the .title() method).
std::string py_title(std::string_view text);
// str.capitalize(): first code point title-cased, the rest lower-cased.
std::string py_capitalize(std::string_view text);

// repr(float) / str(float): shortest round-trip digits, Python's layout ("1.0", "1e-05").
std::string py_float_repr(double value);
// repr(str): quoted with ' unless the text holds ' and no ".
std::string py_string_repr(std::string_view text);
// json.dumps(str, ensure_ascii=False).
void json_quote(std::string& out, std::string_view text);

}  // namespace souverain::server::jinja
