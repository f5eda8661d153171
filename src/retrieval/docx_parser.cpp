#include "retrieval/docx_parser.h"

#include <zip.h>

#include <climits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "retrieval/xml_tree.h"

namespace souverain::retrieval {

namespace {

constexpr int kBody = -1;  // heading level of body text

struct ZipDiscard {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

struct ZipFileClose {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};

struct ParserCtxtFree {
    void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

// The bytes of part `part`, or nullopt when the archive has none. Reading stops as soon as
// the cap is passed: the sizes in the zip headers are the attacker's to choose.
Result<std::optional<std::string>> read_part(zip_t* archive, const char* part,
                                             const std::string& name) {
    const zip_int64_t index = zip_name_locate(archive, part, ZIP_FL_NOCASE);
    if (index < 0) return std::optional<std::string>();
    std::unique_ptr<zip_file_t, ZipFileClose> file(
        zip_fopen_index(archive, (zip_uint64_t)index, 0));
    if (!file) {
        return make_error(ErrorCode::FORMAT,
                          name + ": cannot read " + part + ": " + zip_strerror(archive));
    }
    std::string content;
    char buffer[1 << 16];
    for (;;) {
        const zip_int64_t n = zip_fread(file.get(), buffer, sizeof(buffer));
        if (n < 0) {
            return make_error(ErrorCode::FORMAT,
                              name + ": " + part + " is damaged: " + zip_file_strerror(file.get()));
        }
        if (n == 0) break;
        if (content.size() + (size_t)n > kMaxDocxPartBytes) {
            return make_error(ErrorCode::FORMAT, name + ": " + part + " is larger than " +
                                                     std::to_string(kMaxDocxPartBytes >> 20) +
                                                     " MiB uncompressed (a zip bomb?)");
        }
        content.append(buffer, (size_t)n);
    }
    return std::optional<std::string>(std::move(content));
}

Result<XmlDocPtr> parse_part(const std::string& xml, const char* part, const std::string& name) {
    const std::string where = name + ": " + part;
    if (xml.find("<!DOCTYPE") != std::string::npos) {
        return make_error(ErrorCode::FORMAT, where + ": a DOCTYPE is not allowed");
    }
    if (xml.size() > (size_t)INT_MAX) return make_error(ErrorCode::FORMAT, where + ": too large");
    init_libxml();
    XmlErrorCapture errors;
    std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) return make_error(ErrorCode::INTERNAL, where + ": out of memory");
    XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), (int)xml.size(), part, nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!doc) {
        std::string reason = ctxt->lastError.message != nullptr ? ctxt->lastError.message : "";
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        return make_error(ErrorCode::FORMAT, where + ": not well-formed XML (line " +
                                                 std::to_string(ctxt->lastError.line) + ": " +
                                                 reason + ")");
    }
    if (errors.conversion_failed()) {
        return make_error(ErrorCode::FORMAT, where + ": bytes not valid in its declared encoding");
    }
    if (doc->intSubset != nullptr) {
        return make_error(ErrorCode::FORMAT, where + ": a DOCTYPE is not allowed");
    }
    return doc;
}

bool in_namespace(const xmlNode* node, std::initializer_list<std::string_view> hrefs) {
    if (node->type != XML_ELEMENT_NODE || node->ns == nullptr || node->ns->href == nullptr) {
        return false;
    }
    const std::string_view href(reinterpret_cast<const char*>(node->ns->href));
    for (std::string_view candidate : hrefs) {
        if (href == candidate) return true;
    }
    return false;
}

// WordprocessingML elements, transitional or strict.
bool is_w(const xmlNode* node) {
    return in_namespace(node, {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                               "http://purl.oclc.org/ooxml/wordprocessingml/main"});
}

bool is_w(const xmlNode* node, std::string_view local_name) {
    return is_w(node) && xml_name(node) == local_name;
}

const xmlNode* w_child(const xmlNode* node, std::string_view local_name) {
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (is_w(child, local_name)) return child;
    }
    return nullptr;
}

// The w:val (or another w: attribute) of an element, "" when absent.
std::string w_attribute(const xmlNode* node, const char* attribute = "val") {
    if (node == nullptr) return std::string();
    xmlChar* raw = xmlGetNsProp(node, reinterpret_cast<const xmlChar*>(attribute), node->ns->href);
    if (raw == nullptr) return std::string();
    std::string value(reinterpret_cast<const char*>(raw));
    xmlFree(raw);
    return value;
}

std::optional<int> outline_level(const xmlNode* properties) {
    if (properties == nullptr) return std::nullopt;
    const xmlNode* outline = w_child(properties, "outlineLvl");
    if (outline == nullptr) return std::nullopt;
    const std::string value = w_attribute(outline);
    if (value.size() != 1 || value[0] < '0' || value[0] > '9') return std::nullopt;
    return value[0] == '9' ? kBody : value[0] - '0' + 1;  // 9 is "body text"
}

std::string lower_ascii(std::string text) {
    for (char& ch : text) {
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    }
    return text;
}

// "heading 3" → 3, "title" → 0 (style names, lower case).
std::optional<int> level_from_name(const std::string& name) {
    if (name == "title") return 0;
    if (name.size() == 9 && name.rfind("heading ", 0) == 0 && name[8] >= '1' && name[8] <= '9') {
        return name[8] - '0';
    }
    return std::nullopt;
}

// Style ids as Word writes them in English, German and French (lower case).
std::optional<int> level_from_id(const std::string& id) {
    if (id == "title" || id == "titel" || id == "titre") return 0;
    for (std::string_view prefix : {"heading", "berschrift", "uberschrift", "titre"}) {
        if (id.size() == prefix.size() + 1 && id.rfind(prefix, 0) == 0 && id.back() >= '1' &&
            id.back() <= '9') {
            return id.back() - '0';
        }
    }
    return std::nullopt;
}

struct ParagraphStyle {
    std::string name;  // lower case
    std::string based_on;
    std::optional<int> outline;
};

class StyleTable {
public:
    void load(xmlDoc* styles) {
        for (const xmlNode* root = styles->children; root != nullptr; root = root->next) {
            if (!is_w(root, "styles")) continue;
            for (const xmlNode* style = root->children; style != nullptr; style = style->next) {
                if (!is_w(style, "style")) continue;
                const std::string type = w_attribute(style, "type");
                if (!type.empty() && type != "paragraph") continue;
                ParagraphStyle entry;
                entry.name = lower_ascii(w_attribute(w_child(style, "name")));
                entry.based_on = w_attribute(w_child(style, "basedOn"));
                entry.outline = outline_level(w_child(style, "pPr"));
                styles_[w_attribute(style, "styleId")] = std::move(entry);
            }
        }
    }

    int level(std::string id) const {
        for (int hops = 0; hops < 16 && !id.empty(); ++hops) {  // basedOn chains may loop
            const auto found = styles_.find(id);
            if (found == styles_.end()) return level_from_id(lower_ascii(id)).value_or(kBody);
            const ParagraphStyle& style = found->second;
            if (std::optional<int> level = level_from_name(style.name)) return *level;
            if (style.outline) return *style.outline;
            id = style.based_on;
        }
        return kBody;
    }

private:
    std::unordered_map<std::string, ParagraphStyle> styles_;
};

class DocxText {
public:
    explicit DocxText(const StyleTable& styles) : styles_(styles) {}

    bool enter(const xmlNode* node) {
        if (node->type != XML_ELEMENT_NODE) return false;
        if (in_namespace(node, {"http://schemas.openxmlformats.org/markup-compatibility/2006"}) &&
            xml_name(node) == "Fallback") {
            return false;
        }
        if (!is_w(node)) return true;  // drawing markup may hold text boxes
        const std::string_view name = xml_name(node);
        if (name == "p") {
            builder_.request_break(TextBreak::PARAGRAPH);
            saved_levels_.push_back(builder_.heading_level());
            builder_.set_heading_level(paragraph_level(node));
            return true;
        }
        if (name == "t") {
            for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
                if (child->type == XML_TEXT_NODE && child->content != nullptr) {
                    builder_.append(reinterpret_cast<const char*>(child->content));
                }
            }
        } else if (name == "tab") {
            builder_.append("\t");
        } else if (name == "br" || name == "cr") {
            builder_.request_break(TextBreak::LINE);
        } else if (name == "noBreakHyphen") {
            builder_.append("-");
        }
        // Properties, deleted text and field codes hold no visible text.
        static constexpr std::string_view kOpaque[] = {"pPr",  "rPr",       "sectPr",  "tblPr",
                                                       "trPr", "tcPr",      "del",     "delText",
                                                       "t",    "instrText", "moveFrom"};
        for (std::string_view opaque : kOpaque) {
            if (name == opaque) return false;
        }
        return true;
    }

    void leave(const xmlNode* node) {
        if (!is_w(node, "p")) return;
        builder_.set_heading_level(saved_levels_.back());
        saved_levels_.pop_back();
        builder_.request_break(TextBreak::PARAGRAPH);
    }

    ExtractedText finish() && { return std::move(builder_).finish(); }

private:
    int paragraph_level(const xmlNode* paragraph) const {
        const xmlNode* properties = w_child(paragraph, "pPr");
        if (properties == nullptr) return kBody;
        if (std::optional<int> level = outline_level(properties)) return *level;
        const std::string style = w_attribute(w_child(properties, "pStyle"));
        return style.empty() ? kBody : styles_.level(style);
    }

    const StyleTable& styles_;
    TextBuilder builder_;
    std::vector<int> saved_levels_;  // heading level outside each open paragraph
};

}  // namespace

Result<ExtractedText> extract_docx(std::string_view bytes, const std::string& name) {
    if (bytes.empty()) return make_error(ErrorCode::FORMAT, name + ": empty file");
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source == nullptr) {
        zip_error_fini(&error);
        return make_error(ErrorCode::INTERNAL, name + ": cannot allocate a zip source");
    }
    ZipPtr archive(zip_open_from_source(source, ZIP_RDONLY, &error));
    if (!archive) {
        const std::string reason = zip_error_strerror(&error);
        zip_source_free(source);  // not taken over on failure
        zip_error_fini(&error);
        return make_error(ErrorCode::FORMAT, name + ": not a zip archive (" + reason + ")");
    }
    zip_error_fini(&error);

    Result<std::optional<std::string>> document_xml =
        read_part(archive.get(), "word/document.xml", name);
    if (!document_xml) return document_xml.error();
    if (!*document_xml) {
        return make_error(ErrorCode::FORMAT, name + ": not a Word document (no word/document.xml)");
    }
    StyleTable styles;
    Result<std::optional<std::string>> styles_xml =
        read_part(archive.get(), "word/styles.xml", name);
    if (!styles_xml) return styles_xml.error();
    if (*styles_xml) {
        Result<XmlDocPtr> parsed = parse_part(**styles_xml, "word/styles.xml", name);
        if (!parsed) return parsed.error();
        styles.load(parsed->get());
    }
    Result<XmlDocPtr> document = parse_part(**document_xml, "word/document.xml", name);
    if (!document) return document.error();
    DocxText walker(styles);
    walk_xml(
        document->get(), [&](xmlNode* node) { return walker.enter(node); },
        [&](xmlNode* node) { walker.leave(node); });
    return std::move(walker).finish();
}

}  // namespace souverain::retrieval
