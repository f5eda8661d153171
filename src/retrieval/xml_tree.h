#pragma once
// libxml2 helpers shared by the HTML and DOCX parsers: one-time library setup, capture of the
// errors it reports, ownership of a parsed tree, and a walk in document order that does not
// recurse (hostile input can nest elements as deep as it likes; the walk's stack use stays
// constant).
//
// Thread-safety: init_libxml() may be called from any thread; libxml2's error handler is
// per thread, so an XmlErrorCapture sees only its own thread's errors; a tree is used by one
// thread.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <memory>
#include <string>
#include <string_view>

namespace souverain::retrieval {

// Initializes libxml2 once per process (its docs ask for this before parsing in threads).
inline void init_libxml() {
    static const bool done = (xmlInitParser(), true);
    (void)done;
}

// While alive, libxml2's errors on this thread come here instead of stderr (the parse options
// that silence errors do not reach the charset converters). Not copyable: libxml2 holds `this`.
class XmlErrorCapture {
public:
    XmlErrorCapture()
        : saved_handler_(xmlStructuredError), saved_context_(xmlStructuredErrorContext) {
        xmlSetStructuredErrorFunc(this, &XmlErrorCapture::record);
    }
    ~XmlErrorCapture() { xmlSetStructuredErrorFunc(saved_context_, saved_handler_); }
    XmlErrorCapture(const XmlErrorCapture&) = delete;
    XmlErrorCapture& operator=(const XmlErrorCapture&) = delete;

    // The first fatal error (the parser stopped there), "" when none.
    const std::string& fatal() const { return fatal_; }
    // Did converting the input from its declared charset fail? The parser then stops reading:
    // what it parsed is only the part before the bad bytes.
    bool conversion_failed() const { return conversion_failed_; }

private:
    static void record(void* self, xmlErrorPtr error) {
        auto* capture = static_cast<XmlErrorCapture*>(self);
        if (error == nullptr) return;
        if (error->domain == XML_FROM_I18N || error->domain == XML_FROM_IO) {
            capture->conversion_failed_ = true;
        }
        if (error->level == XML_ERR_FATAL && capture->fatal_.empty()) {
            capture->fatal_ = error->message != nullptr ? error->message : "fatal error";
            while (!capture->fatal_.empty() &&
                   (capture->fatal_.back() == '\n' || capture->fatal_.back() == ' ')) {
                capture->fatal_.pop_back();
            }
        }
    }

    xmlStructuredErrorFunc saved_handler_;
    void* saved_context_;
    std::string fatal_;
    bool conversion_failed_ = false;
};

struct XmlDocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

inline std::string_view xml_name(const xmlNode* node) {
    return node->name == nullptr ? std::string_view()
                                 : std::string_view(reinterpret_cast<const char*>(node->name));
}

// Calls enter(node) for every node of `doc` in document order; when it returns true the
// node's children are visited, then leave(node) is called.
template <typename Enter, typename Leave>
void walk_xml(xmlDoc* doc, Enter&& enter, Leave&& leave) {
    xmlNode* const stop = reinterpret_cast<xmlNode*>(doc);
    xmlNode* node = doc->children;
    while (node != nullptr) {
        const bool descend = enter(node);
        if (descend && node->children != nullptr) {
            node = node->children;
            continue;
        }
        if (descend) leave(node);
        while (node != nullptr && node->next == nullptr) {
            node = node->parent;
            if (node == nullptr || node == stop) {
                node = nullptr;
                break;
            }
            leave(node);
        }
        if (node != nullptr) node = node->next;
    }
}

}  // namespace souverain::retrieval
