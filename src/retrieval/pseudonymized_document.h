#pragma once
// Pseudonymization of a parsed document before it is analyzed and stored, for knowledge bases
// whose policy is PSEUDONYMIZE (storage::PiiPolicy): the personal data scan_pii finds in the
// text, the title and the headings is replaced by the tenant's pseudonyms (governance/
// pii_vault.h), so nothing the base keeps (document text, chunks, postings, vectors, hits,
// citations) holds an original value.
//
// Offsets: chunks were cut on the original text; each boundary is carried over to the new
// text, so a chunk is still exactly text.substr(start_byte, end_byte - start_byte) of the
// stored (pseudonymized) text. A boundary that fell inside a value moves to the value's start
// (the whole pseudonym goes to the later chunk); a chunk left empty by that is dropped.
//
// Thread-safety: a pure function of its arguments, apart from the vault's table.
#include <string>

#include "common/error.h"
#include "governance/pii_vault.h"
#include "retrieval/document_parser.h"

namespace souverain::retrieval {

struct DocumentPseudonyms {
    size_t values = 0;  // values replaced (text, title and headings)
};

Result<DocumentPseudonyms> pseudonymize_document(governance::PiiVault& vault,
                                                 const std::string& tenant,
                                                 ParsedDocument& document);

}  // namespace souverain::retrieval
