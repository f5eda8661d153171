// E-mail addresses and IP addresses (IPv4 and IPv6, compressed forms included).
#include <string>

#include "governance/pii_detectors.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

bool is_local_char(char c) {
    return is_alnum_ascii(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A dotted-quad IPv4 address exactly spanning `s`: four decimal octets 0..255, no leading zero.
bool parse_ipv4(std::string_view s) {
    int octets = 0;
    size_t pos = 0;
    while (true) {
        size_t n = 0;
        int value = 0;
        while (pos + n < s.size() && is_digit(s[pos + n]) && n < 4) {
            value = value * 10 + (s[pos + n] - '0');
            ++n;
        }
        if (n == 0 || n > 3 || value > 255 || (n > 1 && s[pos] == '0')) return false;
        pos += n;
        ++octets;
        if (octets == 4) return pos == s.size();
        if (pos >= s.size() || s[pos] != '.') return false;
        ++pos;
    }
}

// An IPv6 address exactly spanning `s` (RFC 4291 text forms: eight groups, or fewer with one
// "::", optionally ending in an embedded IPv4 address). Lone "::" and "::1"-like forms with
// fewer than two groups are refused: in prose they are far more often not addresses.
bool parse_ipv6(std::string_view s) {
    int groups = 0;
    bool compressed = false;
    size_t pos = 0;
    if (s.substr(0, 2) == "::") {
        compressed = true;
        pos = 2;
    } else if (!s.empty() && s[0] == ':') {
        return false;
    }
    while (pos < s.size()) {
        size_t n = 0;
        while (pos + n < s.size() && is_hex(s[pos + n])) ++n;
        if (pos + n < s.size() && s[pos + n] == '.') {  // embedded IPv4 ends the address
            if (!parse_ipv4(s.substr(pos))) return false;
            groups += 2;
            pos = s.size();
            break;
        }
        if (n == 0 || n > 4) return false;
        ++groups;
        pos += n;
        if (pos == s.size()) break;
        if (s[pos] != ':') return false;
        ++pos;
        if (pos < s.size() && s[pos] == ':') {
            if (compressed) return false;
            compressed = true;
            ++pos;
        } else if (pos == s.size()) {
            return false;  // a single trailing ':'
        }
    }
    if (groups < 2) return false;
    return compressed ? groups <= 7 : groups == 8;
}

}  // namespace

void detect_emails(std::string_view text, std::vector<PiiEntity>& out) {
    size_t resume = 0;  // candidates never overlap: scanning restarts after the last one
    for (size_t at = 0; at < text.size(); ++at) {
        if (text[at] != '@' || at < resume) continue;
        size_t start = at;
        while (start > resume && is_local_char(text[start - 1])) --start;
        while (start < at && (text[start] == '.' || text[start] == '-')) ++start;
        if (start == at || text[at - 1] == '.') continue;
        if (!word_boundary_before(text, start)) continue;
        // Domain: labels of letters, digits and hyphens separated by dots; the last label (the
        // top-level domain) has two or more letters.
        size_t pos = at + 1;
        size_t end = 0;
        size_t n_labels = 0;
        while (true) {
            size_t n = 0;
            while (pos + n < text.size() &&
                   (is_alnum_ascii(text[pos + n]) || text[pos + n] == '-')) {
                ++n;
            }
            if (n == 0 || n > 63 || text[pos] == '-' || text[pos + n - 1] == '-') break;
            ++n_labels;
            bool tld = n >= 2;
            for (size_t idx = 0; idx < n && tld; ++idx) tld = is_alpha_ascii(text[pos + idx]);
            pos += n;
            if (n_labels >= 2 && tld) end = pos;
            if (pos + 1 < text.size() && text[pos] == '.' && is_alnum_ascii(text[pos + 1])) {
                ++pos;
                continue;
            }
            break;
        }
        if (end == 0 || !word_boundary_at(text, end)) continue;
        if (end < text.size() && (text[end] == '@' || text[end] == '-')) continue;
        out.push_back(
            PiiEntity{PiiType::EMAIL, start, end, std::string(text.substr(start, end - start))});
        resume = end;
    }
}

void detect_ip_addresses(std::string_view text, std::vector<PiiEntity>& out) {
    size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (!is_hex(c) && c != ':') {
            ++pos;
            continue;
        }
        // The maximal run of address characters; it must stand alone as a word.
        size_t end = pos;
        while (end < text.size() && (is_hex(text[end]) || text[end] == ':' || text[end] == '.')) {
            ++end;
        }
        const size_t start = pos;
        pos = end;
        if (!word_boundary_before(text, start)) continue;
        // A sentence may end right after an address: drop trailing dots and a trailing ':'.
        size_t trimmed = end;
        while (trimmed > start && text[trimmed - 1] == '.') --trimmed;
        if (trimmed > start + 1 && text[trimmed - 1] == ':' && text[trimmed - 2] != ':') {
            --trimmed;
        }
        if (!word_boundary_at(text, end)) continue;
        const std::string_view candidate = text.substr(start, trimmed - start);
        const bool v4 = parse_ipv4(candidate);
        if (v4 || parse_ipv6(candidate)) {
            out.push_back(PiiEntity{PiiType::IP_ADDRESS, start, trimmed, std::string(candidate)});
        }
    }
}

}  // namespace souverain::governance
