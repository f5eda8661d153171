// `souverain inspect FILE.gguf [--json]`: header, metadata and tensor table of a GGUF file.
// Long arrays and strings are abbreviated; --json prints one machine-readable object.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "engine/gguf.h"

namespace souverain::cli {

namespace {

constexpr uint64_t kArrayPreview = 8;       // array elements shown, text and JSON
constexpr size_t kTextStringMax = 160;      // bytes of a scalar string shown in text mode
constexpr size_t kTextArrayStringMax = 40;  // bytes of each array string shown in text mode
constexpr size_t kKeyColumnMax = 48;

// Length of the valid UTF-8 sequence starting at text[pos], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view text, size_t pos) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t length = 0;
    uint32_t min_code = 0;
    uint32_t code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, min_code = 0x80, code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, min_code = 0x800, code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, min_code = 0x10000, code = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() - pos < length) return 0;
    for (size_t idx = 1; idx < length; ++idx) {
        const auto c = static_cast<unsigned char>(text[pos + idx]);
        if ((c & 0xC0) != 0x80) return 0;
        code = (code << 6) | (c & 0x3F);
    }
    if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return length;
}

// Untrusted bytes made safe for one line of text: control bytes, quotes, backslashes and
// bytes that are not valid UTF-8 are escaped; valid UTF-8 passes through. At most
// `max_bytes` input bytes are kept, never splitting a sequence; `was_cut` tells whether
// anything was dropped.
std::string escape_for_text(std::string_view text, size_t max_bytes, bool& was_cut) {
    std::string out;
    size_t pos = 0;
    while (pos < text.size() && pos < max_bytes) {
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c >= 0x80) {
            const size_t length = utf8_sequence_length(text, pos);
            if (length != 0) {
                if (pos + length > max_bytes) break;
                out.append(text.substr(pos, length));
                pos += length;
                continue;
            }
        }
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                if (c < 0x20 || c >= 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++pos;
    }
    was_cut = pos < text.size();
    return out;
}

// A key or tensor name for a table column.
std::string name_for_text(std::string_view name) {
    bool was_cut = false;
    std::string out = escape_for_text(name, kKeyColumnMax * 2, was_cut);
    return was_cut ? out + "..." : out;
}

// A string value, quoted; a shortened one says how long it really is.
std::string quote_for_text(std::string_view text, size_t max_bytes) {
    bool was_cut = false;
    std::string out = "\"" + escape_for_text(text, max_bytes, was_cut) + "\"";
    if (was_cut) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

// Shortest text that reads back as the same value; plain decimals (500000, 0.00001) when
// they are short, scientific notation otherwise.
template <typename T>
std::string shortest(T v) {
    char buf[512];
    const auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (fixed.ec == std::errc() && fixed.ptr - buf <= 12) return std::string(buf, fixed.ptr);
    const auto general = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, general.ptr);
}

// A scalar value (or one array element decoded into a GgufValue) as text.
std::string scalar_text(const GgufValue& v, size_t string_max) {
    switch (v.type) {
        case GgufValueType::UINT8:
        case GgufValueType::UINT16:
        case GgufValueType::UINT32:
        case GgufValueType::UINT64:
            return std::to_string(v.u64);
        case GgufValueType::INT8:
        case GgufValueType::INT16:
        case GgufValueType::INT32:
        case GgufValueType::INT64:
            return std::to_string(v.i64);
        case GgufValueType::FLOAT32:
            return shortest(static_cast<float>(v.f64));
        case GgufValueType::FLOAT64:
            return shortest(v.f64);
        case GgufValueType::BOOL:
            return v.b ? "true" : "false";
        case GgufValueType::STRING:
            return quote_for_text(v.str, string_max);
        case GgufValueType::ARRAY:
            return "[array]";
    }
    return "?";
}

// Element `idx` of a numeric array as a scalar GgufValue, so both printers share one decoder.
GgufValue array_element(const GgufValue& array, uint64_t idx) {
    GgufValue elem;
    elem.type = array.array_type;
    switch (array.array_type) {
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64:
            elem.f64 = array.array_f64(idx);
            break;
        case GgufValueType::BOOL:
            elem.b = array.array_i64(idx) != 0;
            break;
        case GgufValueType::UINT64:
            elem.u64 = static_cast<uint64_t>(array.array_i64(idx));
            break;
        default:
            elem.i64 = array.array_i64(idx);
            elem.u64 = static_cast<uint64_t>(elem.i64);
            break;
    }
    return elem;
}

std::string value_text(const GgufValue& v) {
    if (v.type != GgufValueType::ARRAY) return scalar_text(v, kTextStringMax);
    std::string out =
        "[" + std::to_string(v.array_count) + " x " + gguf_value_type_name(v.array_type) + "]";
    const uint64_t n_shown = std::min(v.array_count, kArrayPreview);
    for (uint64_t idx = 0; idx < n_shown; ++idx) {
        out += idx == 0 ? " " : ", ";
        if (v.array_type == GgufValueType::STRING) {
            out += quote_for_text(v.array_strings[idx], kTextArrayStringMax);
        } else {
            out += scalar_text(array_element(v, idx), kTextArrayStringMax);
        }
    }
    if (n_shown < v.array_count) out += ", ...";
    return out;
}

nlohmann::ordered_json scalar_json(const GgufValue& v) {
    switch (v.type) {
        case GgufValueType::UINT8:
        case GgufValueType::UINT16:
        case GgufValueType::UINT32:
        case GgufValueType::UINT64:
            return v.u64;
        case GgufValueType::INT8:
        case GgufValueType::INT16:
        case GgufValueType::INT32:
        case GgufValueType::INT64:
            return v.i64;
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64:
            return v.f64;
        case GgufValueType::BOOL:
            return v.b;
        case GgufValueType::STRING:
            return std::string(v.str);
        case GgufValueType::ARRAY:
            return nullptr;
    }
    return nullptr;
}

nlohmann::ordered_json value_json(const GgufValue& v) {
    nlohmann::ordered_json out;
    out["type"] = gguf_value_type_name(v.type);
    if (v.type != GgufValueType::ARRAY) {
        out["value"] = scalar_json(v);
        return out;
    }
    out["element_type"] = gguf_value_type_name(v.array_type);
    out["count"] = v.array_count;
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    const uint64_t n_shown = std::min(v.array_count, kArrayPreview);
    for (uint64_t idx = 0; idx < n_shown; ++idx) {
        if (v.array_type == GgufValueType::STRING) {
            values.push_back(std::string(v.array_strings[idx]));
        } else {
            values.push_back(scalar_json(array_element(v, idx)));
        }
    }
    out["values"] = std::move(values);  // the first kArrayPreview elements only
    return out;
}

std::string shape_text(const GgufTensorInfo& info) {
    std::string out = "[";
    for (uint32_t dim_idx = 0; dim_idx < info.n_dims; ++dim_idx) {
        if (dim_idx > 0) out += ", ";
        out += std::to_string(info.ne[dim_idx]);
    }
    return out + "]";
}

void print_text(const GgufFile& file) {
    std::printf(
        "GGUF version %u: %zu tensors, %zu metadata keys, alignment %llu, "
        "data offset %llu, file %zu bytes\n",
        file.version(), file.tensors().size(), file.metadata().size(),
        static_cast<unsigned long long>(file.alignment()),
        static_cast<unsigned long long>(file.data_offset()), file.file_size());

    size_t key_width = 0;
    for (const GgufKeyValue& kv : file.metadata()) {
        key_width = std::max(key_width, name_for_text(kv.key).size());
    }
    key_width = std::min(key_width, kKeyColumnMax);
    std::printf("\nmetadata:\n");
    for (const GgufKeyValue& kv : file.metadata()) {
        const std::string key = name_for_text(kv.key);
        std::printf("  %-*s  %-6s  %s\n", static_cast<int>(key_width), key.c_str(),
                    gguf_value_type_name(kv.value.type), value_text(kv.value).c_str());
    }

    uint64_t n_parameters = 0;
    uint64_t n_bytes = 0;
    if (!file.tensors().empty()) {
        size_t name_width = 4;
        for (const GgufTensorInfo& info : file.tensors()) {
            name_width = std::max(name_width, name_for_text(info.name).size());
        }
        name_width = std::min(name_width, kKeyColumnMax);
        std::printf("\ntensors:\n  %-*s  %-6s  %-24s  %14s\n", static_cast<int>(name_width), "name",
                    "type", "shape", "bytes");
        for (const GgufTensorInfo& info : file.tensors()) {
            const std::string name = name_for_text(info.name);
            std::printf("  %-*s  %-6s  %-24s  %14llu\n", static_cast<int>(name_width), name.c_str(),
                        std::string(tensor_type_name(info.type)).c_str(), shape_text(info).c_str(),
                        static_cast<unsigned long long>(info.n_bytes));
            n_parameters += static_cast<uint64_t>(info.n_elements());
            n_bytes += info.n_bytes;
        }
    }
    std::printf("\ntotal: %zu tensors, %llu parameters, %llu bytes (%.2f MiB)\n",
                file.tensors().size(), static_cast<unsigned long long>(n_parameters),
                static_cast<unsigned long long>(n_bytes),
                static_cast<double>(n_bytes) / (1024.0 * 1024.0));
}

void print_json(const std::string& path, const GgufFile& file) {
    nlohmann::ordered_json out;
    out["file"] = path;
    out["version"] = file.version();
    out["file_size"] = file.file_size();
    out["alignment"] = file.alignment();
    out["data_offset"] = file.data_offset();
    out["tensor_count"] = file.tensors().size();
    out["kv_count"] = file.metadata().size();
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
    for (const GgufKeyValue& kv : file.metadata()) {
        metadata[std::string(kv.key)] = value_json(kv.value);
    }
    out["metadata"] = std::move(metadata);
    nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
    uint64_t n_parameters = 0;
    uint64_t n_bytes = 0;
    for (const GgufTensorInfo& info : file.tensors()) {
        nlohmann::ordered_json shape = nlohmann::ordered_json::array();
        for (uint32_t dim_idx = 0; dim_idx < info.n_dims; ++dim_idx) {
            shape.push_back(info.ne[dim_idx]);
        }
        tensors.push_back({{"name", std::string(info.name)},
                           {"type", std::string(tensor_type_name(info.type))},
                           {"shape", std::move(shape)},
                           {"bytes", info.n_bytes},
                           {"offset", info.offset}});
        n_parameters += static_cast<uint64_t>(info.n_elements());
        n_bytes += info.n_bytes;
    }
    out["tensors"] = std::move(tensors);
    out["n_parameters"] = n_parameters;
    out["n_bytes"] = n_bytes;
    // Keys and strings are untrusted bytes: invalid UTF-8 is replaced, never thrown on.
    const std::string text = out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::printf("%s\n", text.c_str());
}

}  // namespace

void register_inspect(CLI::App& app) {
    CLI::App* cmd =
        app.add_subcommand("inspect", "Print the header, metadata and tensors of a GGUF file");
    auto path = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    cmd->add_option("file", *path, "GGUF file")->required();
    cmd->add_flag("--json", *as_json, "Print one JSON object instead of text");
    cmd->callback([path, as_json]() {
        Result<std::unique_ptr<GgufFile>> file = GgufFile::open(*path);
        if (!file.ok()) {
            set_exit_code(report_error(file.error()));
            return;
        }
        if (*as_json) {
            print_json(*path, **file);
        } else {
            print_text(**file);
        }
        set_exit_code(0);
    });
}

}  // namespace souverain::cli
