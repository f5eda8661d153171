#include "retrieval/html_parser.h"

#include <libxml/HTMLparser.h>

#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/xml_tree.h"

namespace souverain::retrieval {

namespace {

enum class Role {
    INLINE,     // text flows through
    SKIP,       // nothing inside is visible text
    CHROME,     // header, footer, aside: skipped outside article/main/section
    CONTAINER,  // article, main, section: a paragraph break, and content for CHROME
    PARAGRAPH,  // a blank line before and after
    LINE,       // a line break before and after
    CELL,       // a space before and after
    PRE,        // a paragraph that keeps its lines
    HEADING,    // h1-h6
};

Role role_of(std::string_view name) {
    struct Rule {
        std::string_view name;
        Role role;
    };
    static constexpr Rule kRules[] = {
        {"head", Role::SKIP},
        {"script", Role::SKIP},
        {"style", Role::SKIP},
        {"noscript", Role::SKIP},
        {"template", Role::SKIP},
        {"nav", Role::SKIP},
        {"svg", Role::SKIP},
        {"math", Role::SKIP},
        {"iframe", Role::SKIP},
        {"object", Role::SKIP},
        {"embed", Role::SKIP},
        {"canvas", Role::SKIP},
        {"select", Role::SKIP},
        {"button", Role::SKIP},
        {"title", Role::SKIP},
        {"header", Role::CHROME},
        {"footer", Role::CHROME},
        {"aside", Role::CHROME},
        {"article", Role::CONTAINER},
        {"main", Role::CONTAINER},
        {"section", Role::CONTAINER},
        {"p", Role::PARAGRAPH},
        {"blockquote", Role::PARAGRAPH},
        {"table", Role::PARAGRAPH},
        {"ul", Role::PARAGRAPH},
        {"ol", Role::PARAGRAPH},
        {"dl", Role::PARAGRAPH},
        {"figure", Role::PARAGRAPH},
        {"form", Role::PARAGRAPH},
        {"fieldset", Role::PARAGRAPH},
        {"address", Role::PARAGRAPH},
        {"hr", Role::PARAGRAPH},
        {"details", Role::PARAGRAPH},
        {"center", Role::PARAGRAPH},
        {"div", Role::LINE},
        {"li", Role::LINE},
        {"tr", Role::LINE},
        {"dt", Role::LINE},
        {"dd", Role::LINE},
        {"br", Role::LINE},
        {"caption", Role::LINE},
        {"figcaption", Role::LINE},
        {"summary", Role::LINE},
        {"option", Role::LINE},
        {"legend", Role::LINE},
        {"td", Role::CELL},
        {"th", Role::CELL},
        {"pre", Role::PRE},
        {"listing", Role::PRE},
        {"xmp", Role::PRE},
        {"h1", Role::HEADING},
        {"h2", Role::HEADING},
        {"h3", Role::HEADING},
        {"h4", Role::HEADING},
        {"h5", Role::HEADING},
        {"h6", Role::HEADING},
    };
    for (const Rule& rule : kRules) {
        if (rule.name == name) return rule.role;
    }
    return Role::INLINE;
}

bool attribute_is(const xmlNode* node, const char* name, std::string_view value) {
    xmlChar* raw = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (raw == nullptr) return false;
    const bool equal = std::string_view(reinterpret_cast<const char*>(raw)) == value;
    xmlFree(raw);
    return equal;
}

bool is_hidden(const xmlNode* node) {
    return xmlHasProp(node, reinterpret_cast<const xmlChar*>("hidden")) != nullptr ||
           attribute_is(node, "aria-hidden", "true") || attribute_is(node, "role", "navigation");
}

std::string_view node_text(const xmlNode* node) {
    return node->content == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(node->content));
}

// The text of the first <title> element, whitespace collapsed.
std::string find_title(xmlDoc* doc) {
    TextBuilder builder;
    bool inside = false, done = false;
    walk_xml(
        doc,
        [&](xmlNode* node) {
            if (done) return false;
            if (inside && node->type == XML_TEXT_NODE) builder.append(node_text(node));
            if (node->type == XML_ELEMENT_NODE && xml_name(node) == "title") inside = true;
            return node->type == XML_ELEMENT_NODE;
        },
        [&](xmlNode* node) {
            if (inside && xml_name(node) == "title") done = true;
        });
    return std::move(builder).finish().text;
}

// The walk over the body: keeps the state that depends on the open elements.
class HtmlText {
public:
    bool enter(const xmlNode* node) {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            builder_.append(node_text(node), pre_depth_ > 0);
            return false;
        }
        if (node->type != XML_ELEMENT_NODE) return false;
        const std::string_view name = xml_name(node);
        const Role role = role_of(name);
        if (role == Role::SKIP || is_hidden(node)) return false;
        if (role == Role::CHROME && content_depth_ == 0) return false;
        open(role, name);
        return true;
    }

    void leave(const xmlNode* node) {
        if (node->type != XML_ELEMENT_NODE) return;
        const std::string_view name = xml_name(node);
        const Role role = role_of(name);
        switch (role) {
            case Role::CONTAINER:
                --content_depth_;
                break;
            case Role::PRE:
                --pre_depth_;
                break;
            case Role::HEADING:
                builder_.set_heading_level(saved_levels_.back());
                saved_levels_.pop_back();
                break;
            default:
                break;
        }
        builder_.request_break(break_of(role));
    }

    ExtractedText finish() && { return std::move(builder_).finish(); }

private:
    static TextBreak break_of(Role role) {
        switch (role) {
            case Role::CELL:
                return TextBreak::SPACE;
            case Role::LINE:
                return TextBreak::LINE;
            case Role::CHROME:
            case Role::CONTAINER:
            case Role::PARAGRAPH:
            case Role::PRE:
            case Role::HEADING:
                return TextBreak::PARAGRAPH;
            case Role::INLINE:
            case Role::SKIP:
                break;
        }
        return TextBreak::NONE;
    }

    void open(Role role, std::string_view name) {
        builder_.request_break(break_of(role));
        switch (role) {
            case Role::CONTAINER:
                ++content_depth_;
                break;
            case Role::PRE:
                ++pre_depth_;
                break;
            case Role::HEADING:
                saved_levels_.push_back(builder_.heading_level());
                builder_.set_heading_level(name[1] - '0');
                break;
            default:
                break;
        }
    }

    TextBuilder builder_;
    int content_depth_ = 0;  // open article/main/section elements
    int pre_depth_ = 0;
    std::vector<int> saved_levels_;  // heading level outside each open h1-h6
};

bool has_utf16_bom(std::string_view bytes) {
    return bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') ||
                                 (bytes[0] == '\xFE' && bytes[1] == '\xFF'));
}

}  // namespace

Result<ExtractedText> extract_html(std::string_view bytes, const std::string& name) {
    if (bytes.empty()) return make_error(ErrorCode::FORMAT, name + ": empty file");
    if (bytes.size() > (size_t)INT_MAX) {
        return make_error(ErrorCode::FORMAT, name + ": larger than 2 GiB");
    }
    const size_t nul = bytes.find('\0');
    if (nul != std::string_view::npos && !has_utf16_bom(bytes)) {
        return make_error(ErrorCode::FORMAT,
                          name + ": binary file (NUL byte at " + std::to_string(nul) + ")");
    }
    init_libxml();
    // htmlReadMemory, not a parser context of our own: only it reads undeclared bytes as UTF-8
    // first.
    XmlErrorCapture errors;
    XmlDocPtr doc(htmlReadMemory(bytes.data(), (int)bytes.size(), nullptr, nullptr,
                                 HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET | HTML_PARSE_COMPACT));
    if (!doc) return make_error(ErrorCode::FORMAT, name + ": not readable as HTML");
    // Broken markup is recovered from (errors); a fatal error or bytes that do not convert from
    // the declared charset stop the parser half-way, and half a page must not pass for the whole.
    if (errors.conversion_failed()) {
        return make_error(ErrorCode::FORMAT,
                          name + ": bytes that are not valid in the declared charset");
    }
    if (!errors.fatal().empty()) {
        return make_error(ErrorCode::FORMAT,
                          name + (errors.fatal().find("depth") != std::string::npos
                                      ? ": elements nested more than 256 deep"
                                      : ": the HTML parser gave up: " + errors.fatal()));
    }
    HtmlText walker;
    walk_xml(
        doc.get(), [&](xmlNode* node) { return walker.enter(node); },
        [&](xmlNode* node) { walker.leave(node); });
    ExtractedText extracted = std::move(walker).finish();
    extracted.title = find_title(doc.get());
    return extracted;
}

}  // namespace souverain::retrieval
