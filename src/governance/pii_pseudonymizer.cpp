#include "governance/pii_pseudonymizer.h"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "engine/unicode.h"
#include "governance/pii_dates.h"
#include "governance/pii_scan.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

void ensure_sodium() {
    // sodium_init() is idempotent and thread-safe; it fails only without a random source.
    static const int status = sodium_init();
    (void)status;
}

constexpr size_t kMinHexChars = 4;

size_t common_prefix(const std::string& a, const std::string& b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}

}  // namespace

PseudonymKey::~PseudonymKey() {
    sodium_memzero(bytes_.data(), bytes_.size());
}

Result<PseudonymKey> PseudonymKey::from_hex(std::string_view hex) {
    while (!hex.empty() && std::strchr(" \t\r\n", hex.front()) != nullptr) hex.remove_prefix(1);
    while (!hex.empty() && std::strchr(" \t\r\n", hex.back()) != nullptr) hex.remove_suffix(1);
    std::array<uint8_t, kSize> bytes{};
    if (hex.size() != 2 * kSize) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "a pseudonymization key is 64 hexadecimal characters, got " +
                              std::to_string(hex.size()) + " characters");
    }
    ensure_sodium();
    size_t n_bytes = 0;
    if (sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &n_bytes,
                       nullptr) != 0 ||
        n_bytes != kSize) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "a pseudonymization key is 64 hexadecimal characters");
    }
    PseudonymKey key(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return key;
}

Result<PseudonymKey> PseudonymKey::from_file(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        return make_error(ErrorCode::IO,
                          "cannot open key file '" + path + "': " + std::strerror(errno));
    }
    char buffer[256];
    const size_t n = std::fread(buffer, 1, sizeof(buffer), file.get());
    if (std::ferror(file.get())) {
        return make_error(ErrorCode::IO, "cannot read key file '" + path + "'");
    }
    Result<PseudonymKey> key = from_hex(std::string_view(buffer, n));
    sodium_memzero(buffer, sizeof(buffer));
    if (!key) return make_error(key.error().code, path + ": " + key.error().message);
    return key;
}

PseudonymKey PseudonymKey::generate() {
    ensure_sodium();
    std::array<uint8_t, kSize> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    PseudonymKey key(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return key;
}

PseudonymKey PseudonymKey::for_tenant(const PseudonymKey& master, std::string_view tenant) {
    if (tenant == "default") return master;
    ensure_sodium();
    const std::string message =
        std::string("souverain tenant pseudonym key\0", 31) + std::string(tenant);
    std::array<uint8_t, kSize> bytes{};
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, master.bytes().data(), master.bytes().size());
    crypto_auth_hmacsha256_update(&state, (const unsigned char*)message.data(), message.size());
    crypto_auth_hmacsha256_final(&state, bytes.data());
    PseudonymKey key(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return key;
}

std::string normalize_pii_value(PiiType type, std::string_view value) {
    std::string out;
    switch (type) {
        case PiiType::EMAIL:
        case PiiType::IP_ADDRESS:
            for (char c : value) out.push_back(lower_ascii(c));
            return out;
        case PiiType::IBAN:
        case PiiType::PAYMENT_CARD:
        case PiiType::LU_NATIONAL_ID:
        case PiiType::FR_NIR:
        case PiiType::DE_TAX_ID:
            for (char c : value) {
                if (is_alnum_ascii(c))
                    out.push_back(is_alpha_ascii(c) ? static_cast<char>(c & ~0x20) : c);
            }
            return out;
        case PiiType::PHONE: {
            std::string_view rest = value;
            if (rest.substr(0, 1) == "+") {
                out = "+";
                rest.remove_prefix(1);
            } else if (rest.substr(0, 2) == "00") {
                out = "+";
                rest.remove_prefix(2);
            }
            for (size_t idx = 0; idx < rest.size(); ++idx) {
                if (rest.substr(idx, 3) == "(0)") {
                    idx += 2;
                    continue;
                }
                if (is_digit(rest[idx])) out.push_back(rest[idx]);
            }
            return out;
        }
        case PiiType::DATE_OF_BIRTH: {
            const std::optional<ParsedDate> date = parse_date_at(value, 0);
            if (date && date->length == value.size()) return format_iso_date(*date);
            return std::string(value);
        }
        case PiiType::PERSON: {
            // Simple lower-casing per code point; runs of blanks count as one space.
            bool blank = false;
            for (uint32_t cpt : unicode::utf8_to_codepoints(value)) {
                if (cpt == ' ' || cpt == '\t' || cpt == 0xA0) {
                    blank = !out.empty();
                    continue;
                }
                if (blank) out.push_back(' ');
                blank = false;
                unicode::utf8_append(out, unicode::to_lower(cpt));
            }
            return out;
        }
    }
    return std::string(value);
}

std::string pseudonym_digest(const PseudonymKey& key, PiiType type, std::string_view value) {
    ensure_sodium();
    const std::string normalized = normalize_pii_value(type, value);
    const char* name = pii_type_name(type);
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.bytes().data(), key.bytes().size());
    // The type name and a 0 byte first: equal strings of two types never share a digest.
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(name),
                                  std::strlen(name) + 1);
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(normalized.data()),
                                  normalized.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    return hex;
}

PseudonymizedText pseudonymize(std::string_view text, const std::vector<PiiEntity>& entities,
                               const PseudonymKey& key) {
    PseudonymizedText result;
    result.entities = entities;
    // One digest per entity; the hex length of a value is the shortest that no other distinct
    // value of its type in this text shares (at least kMinHexChars).
    std::vector<std::string> digests;
    std::map<PiiType, std::vector<std::string>> by_type;
    for (const PiiEntity& entity : entities) {
        digests.push_back(pseudonym_digest(key, entity.type, entity.text));
        by_type[entity.type].push_back(digests.back());
    }
    for (auto& [type, list] : by_type) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    size_t cursor = 0;
    for (size_t idx = 0; idx < entities.size(); ++idx) {
        const PiiEntity& entity = entities[idx];
        const std::vector<std::string>& list = by_type[entity.type];
        const auto it = std::lower_bound(list.begin(), list.end(), digests[idx]);
        size_t shared = 0;
        if (it != list.begin()) shared = std::max(shared, common_prefix(*it, *std::prev(it)));
        if (std::next(it) != list.end())
            shared = std::max(shared, common_prefix(*it, *std::next(it)));
        const size_t n_hex = std::max(kMinHexChars, shared + 1);
        std::string pseudonym = std::string("<") + pii_type_name(entity.type) + "_" +
                                digests[idx].substr(0, n_hex) + ">";
        result.mapping.emplace(pseudonym, entity.text);  // keeps the first surface form
        if (entity.start >= cursor && entity.end <= text.size()) {
            result.text.append(text.substr(cursor, entity.start - cursor));
            result.text += pseudonym;
            cursor = entity.end;
        }
        result.pseudonyms.push_back(std::move(pseudonym));
    }
    result.text.append(text.substr(std::min(cursor, text.size())));
    return result;
}

PseudonymizedText pseudonymize(std::string_view text, const PseudonymKey& key) {
    return pseudonymize(text, scan_pii(text), key);
}

std::string reverse(std::string_view text, const PseudonymMapping& mapping) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t open = text.find('<', pos);
        if (open == std::string_view::npos) break;
        const size_t close = text.find('>', open + 1);
        if (close == std::string_view::npos) break;
        out.append(text.substr(pos, open - pos));
        // A pseudonym holds no '<': restart at an inner '<' ("<<EMAIL_3f2a>").
        const size_t inner = text.find('<', open + 1);
        if (inner != std::string_view::npos && inner < close) {
            out.append(text.substr(open, inner - open));
            pos = inner;
            continue;
        }
        const auto it = mapping.find(std::string(text.substr(open, close + 1 - open)));
        if (it != mapping.end()) {
            out += it->second;
        } else {
            out.append(text.substr(open, close + 1 - open));
        }
        pos = close + 1;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace souverain::governance
