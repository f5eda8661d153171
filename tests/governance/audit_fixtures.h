#pragma once
// Records and logs for the audit tests: deterministic, distinct per sequence number.
#include <string>

#include "governance/audit_record.h"
#include "governance/sha256.h"

namespace souverain::governance::fixtures {

inline AuditRecord numbered_record(int idx) {
    AuditRecord record;
    record.time_ms = 1'700'000'000'000 + idx;
    record.tenant = "tenant-" + std::to_string(idx % 3);
    record.key_id = "key-" + std::to_string(idx % 2);
    record.endpoint = "/v1/chat/completions";
    record.model = "tiny";
    record.model_sha256 = to_hex(sha256("weights"));
    record.sources = {{"laws", "doc-" + std::to_string(idx), idx}};
    record.input_sha256 = to_hex(sha256("prompt " + std::to_string(idx)));
    record.output_sha256 = to_hex(sha256("answer " + std::to_string(idx)));
    record.prompt_tokens = 10 + idx;
    record.completion_tokens = 20 + idx;
    record.latency_ms = 100 + idx;
    record.status = 200;
    return record;
}

}  // namespace souverain::governance::fixtures
