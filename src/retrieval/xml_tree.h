#pragma once
// libxml2 helpers shared by the HTML and DOCX parsers: one-time library setup, ownership of a
// parsed tree, and a walk in document order that does not recurse (hostile input can nest
// elements as deep as it likes; the walk's stack use stays constant).
//
// Thread-safety: init_libxml() may be called from any thread; a tree is used by one thread.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string_view>

namespace souverain::retrieval {

// Initializes libxml2 once per process (its docs ask for this before parsing in threads).
inline void init_libxml() {
    static const bool done = (xmlInitParser(), true);
    (void)done;
}

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
