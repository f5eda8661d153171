// libFuzzer target for the governance JSON readers (audit records, receipts, tree heads, public
// key sets): any bytes give a value or an error, never a crash; whatever is read as a record,
// receipt or tree head writes back to bytes that read as the same value (canonical forms are
// fixed points).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "governance/audit_record.h"
#include "governance/receipt.h"
#include "governance/signing_key.h"
#include "governance/tree_head.h"

namespace {

using namespace souverain::governance;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    if (souverain::Result<AuditRecord> record = parse_audit_record(bytes)) {
        const std::string canonical = serialize_audit_record(*record);
        souverain::Result<AuditRecord> again = parse_audit_record(canonical);
        check(again.ok());
        check(serialize_audit_record(*again) == canonical);
    }
    if (souverain::Result<Receipt> receipt = parse_receipt(bytes)) {
        souverain::Result<Receipt> again = parse_receipt(receipt_to_json(*receipt).dump());
        check(again.ok() && *again == *receipt);
        // An unsigned or altered receipt never verifies against an unrelated key.
        static const SigningKey key = SigningKey::generate();
        check(!verify_receipt(*receipt, bytes, key.public_key()).ok());
    }
    if (souverain::Result<SignedTreeHead> head = parse_tree_head(bytes)) {
        souverain::Result<SignedTreeHead> again = parse_tree_head(tree_head_to_json(*head));
        check(again.ok() && *again == *head);
    }
    if (souverain::Result<std::vector<PublicKey>> keys = parse_public_keys(bytes)) {
        for (const PublicKey& key : *keys) check(key.key_id().size() == 16);
    }
    return 0;
}
