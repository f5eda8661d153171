#include "server/kb_routes.h"

#include <httplib.h>

#include <algorithm>
#include <regex>

#include "retrieval/grounded_answer.h"
#include "retrieval/hybrid_search.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/reranker.h"
#include "retrieval/term_codec.h"
#include "server/kb_request.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

using nlohmann::json;
using retrieval::KnowledgeBaseService;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

json kb_json(const retrieval::KbSummary& kb) {
    return {{"id", kb.info.name},
            {"object", "knowledge_base"},
            {"name", kb.info.name},
            {"created_at", kb.info.created_at},
            {"pii", storage::pii_policy_name(kb.info.pii)},
            {"documents", kb.counts.sources},
            {"records", kb.counts.documents},
            {"chunks", kb.counts.chunks}};
}

json document_json(const std::string& kb, const storage::SourceDetails& source) {
    return {{"id", source.path},           {"object", "knowledge_base.document"},
            {"knowledge_base", kb},        {"filename", source.path},
            {"bytes", source.bytes},       {"content_hash", source.content_hash},
            {"records", source.documents}, {"chunks", source.chunks}};
}

json deleted_json(const std::string& id, const char* object) {
    return {{"id", id}, {"object", object}, {"deleted", true}};
}

const char* change_name(retrieval::SourceChange change) {
    switch (change) {
        case retrieval::SourceChange::CREATED:
            return "created";
        case retrieval::SourceChange::REPLACED:
            return "replaced";
        case retrieval::SourceChange::UNCHANGED:
            break;
    }
    return "unchanged";
}

// Where an uploaded document's bytes and name are in the request.
struct Upload {
    std::string filename;
    const std::string* content = nullptr;
};

std::variant<Upload, ApiError> upload_of(const httplib::Request& req, std::string& holder) {
    Upload upload;
    if (req.is_multipart_form_data()) {
        if (!req.has_file("file")) {
            return invalid_value("file",
                                 "a multipart upload carries the document in a 'file' field");
        }
        httplib::MultipartFormData file = req.get_file_value("file");
        upload.filename = file.filename;
        holder = std::move(file.content);
        upload.content = &holder;
        if (req.has_param("filename")) upload.filename = req.get_param_value("filename");
        if (upload.filename.empty()) {
            return invalid_value("file",
                                 "the 'file' field has no filename (or give ?filename=NAME)");
        }
        return upload;
    }
    if (!req.has_param("filename")) {
        return invalid_value("filename",
                             "send the document as multipart/form-data with a 'file' field, or "
                             "as the request body with ?filename=NAME");
    }
    upload.filename = req.get_param_value("filename");
    upload.content = &req.body;
    return upload;
}

// The tenant whose bases a request sees: its API key's (request_auth.h).
const std::string& tenant() {
    return current_principal().tenant;
}

}  // namespace

std::string kb_endpoint_label(const std::string& path) {
    static const std::regex kPatterns[] = {
        std::regex(R"(/v1/knowledge-bases)"),
        std::regex(R"(/v1/knowledge-bases/[^/]+)"),
        std::regex(R"(/v1/knowledge-bases/[^/]+/documents)"),
        std::regex(R"(/v1/knowledge-bases/[^/]+/documents/.+)"),
        std::regex(R"(/v1/knowledge-bases/[^/]+/search)"),
    };
    static const char* const kLabels[] = {
        "/v1/knowledge-bases",
        "/v1/knowledge-bases/{name}",
        "/v1/knowledge-bases/{name}/documents",
        "/v1/knowledge-bases/{name}/documents/{id}",
        "/v1/knowledge-bases/{name}/search",
    };
    if (path.rfind("/v1/knowledge-bases", 0) != 0) return "";
    for (size_t idx = 0; idx < std::size(kPatterns); ++idx) {
        if (std::regex_match(path, kPatterns[idx])) return kLabels[idx];
    }
    return "";
}

void install_kb_routes(httplib::Server& http, KnowledgeBaseService& service,
                       SearchObserver on_search) {
    KnowledgeBaseService* kbs = &service;
    http.Post("/v1/knowledge-bases", [kbs](const httplib::Request& req, httplib::Response& res) {
        auto parsed = parse_create_kb_request(req.body);
        if (auto* error = std::get_if<ApiError>(&parsed)) return send_error(res, *error);
        const CreateKbRequest& request = std::get<CreateKbRequest>(parsed);
        Result<retrieval::KbSummary> kb =
            kbs->create(tenant(), request.name, request.pii, request.embedding_model);
        if (!kb) {
            ApiError error = api_error_from(kb.error());
            // The service checks the name first: with a valid, free name, what failed is the
            // model (unknown, refused, or not loadable).
            const bool model_error = !request.embedding_model.empty() &&
                                     kb.error().code != ErrorCode::ALREADY_EXISTS &&
                                     (bool)retrieval::check_kb_name(request.name);
            error.param = model_error ? "embedding_model" : "name";
            return send_error(res, error);
        }
        json body = kb_json(*kb);
        body["embedding_model"] =
            request.embedding_model.empty() ? json(nullptr) : json(request.embedding_model);
        send_json(res, 201, body);
    });
    http.Get("/v1/knowledge-bases", [kbs](const httplib::Request&, httplib::Response& res) {
        Result<std::vector<retrieval::KbSummary>> list = kbs->list(tenant());
        if (!list) return send_error(res, api_error_from(list.error()));
        json data = json::array();
        for (const retrieval::KbSummary& kb : *list) data.push_back(kb_json(kb));
        send_json(res, 200, {{"object", "list"}, {"data", data}});
    });
    http.Get(R"(/v1/knowledge-bases/([^/]+))",
             [kbs](const httplib::Request& req, httplib::Response& res) {
                 Result<retrieval::KbSummary> kb = kbs->get(tenant(), req.matches[1]);
                 if (!kb) return send_error(res, api_error_from(kb.error()));
                 send_json(res, 200, kb_json(*kb));
             });
    http.Delete(R"(/v1/knowledge-bases/([^/]+))",
                [kbs](const httplib::Request& req, httplib::Response& res) {
                    const std::string name = req.matches[1];
                    Status removed = kbs->remove(tenant(), name);
                    if (!removed) return send_error(res, api_error_from(removed.error()));
                    send_json(res, 200, deleted_json(name, "knowledge_base.deleted"));
                });
    http.Post(R"(/v1/knowledge-bases/([^/]+)/documents)",
              [kbs](const httplib::Request& req, httplib::Response& res) {
                  const std::string kb = req.matches[1];
                  std::string holder;
                  auto upload = upload_of(req, holder);
                  if (auto* error = std::get_if<ApiError>(&upload)) return send_error(res, *error);
                  const Upload& file = std::get<Upload>(upload);
                  Result<retrieval::UploadResult> result =
                      kbs->upload(tenant(), kb, file.filename, *file.content);
                  if (!result) {
                      ApiError error = api_error_from(result.error());
                      if (error.status == 400) error.param = "file";
                      return send_error(res, error);
                  }
                  json body = document_json(kb, result->document);
                  body["status"] = change_name(result->report.change);
                  const bool created = result->report.change == retrieval::SourceChange::CREATED;
                  send_json(res, created ? 201 : 200, body);
              });
    http.Get(R"(/v1/knowledge-bases/([^/]+)/documents)",
             [kbs](const httplib::Request& req, httplib::Response& res) {
                 const std::string kb = req.matches[1];
                 Result<std::vector<storage::SourceDetails>> list = kbs->documents(tenant(), kb);
                 if (!list) return send_error(res, api_error_from(list.error()));
                 json data = json::array();
                 for (const storage::SourceDetails& doc : *list)
                     data.push_back(document_json(kb, doc));
                 send_json(res, 200, {{"object", "list"}, {"data", data}});
             });
    http.Delete(R"(/v1/knowledge-bases/([^/]+)/documents/(.+))",
                [kbs](const httplib::Request& req, httplib::Response& res) {
                    const std::string document = req.matches[2];
                    Status removed = kbs->remove_document(tenant(), req.matches[1], document);
                    if (!removed) return send_error(res, api_error_from(removed.error()));
                    send_json(res, 200, deleted_json(document, "knowledge_base.document.deleted"));
                });
    http.Post(R"(/v1/knowledge-bases/([^/]+)/search)", [kbs, on_search](const httplib::Request& req,
                                                                        httplib::Response& res) {
        const std::string kb = req.matches[1];
        auto fail = [&](const ApiError& error) {
            if (on_search) on_search(req, kb, error.status, nullptr);
            send_error(res, error);
        };
        auto parsed = parse_kb_search_request(req.body);
        if (auto* error = std::get_if<ApiError>(&parsed)) return fail(*error);
        const KbSearchRequest& request = std::get<KbSearchRequest>(parsed);
        std::optional<retrieval::SearchMode> mode;
        if (!request.mode.empty()) {
            Result<retrieval::SearchMode> parsed = retrieval::parse_search_mode(request.mode);
            if (!parsed) {
                ApiError error = api_error_from(parsed.error());
                error.param = "mode";
                return fail(error);
            }
            mode = *parsed;
        }
        retrieval::SearchOptions options;
        options.top_k = (size_t)request.top_k;
        for (const auto& [key, value] : request.filters) {
            options.filter_terms.push_back(retrieval::filter_term(key, value));
        }
        std::optional<size_t> rerank_depth;
        if (request.rerank) rerank_depth = (size_t)request.rerank_depth;
        Result<retrieval::ModeSearchResult> result =
            kbs->search(tenant(), kb, request.query, options, mode, rerank_depth);
        if (!result) {
            ApiError error = api_error_from(result.error());
            if (request.rerank && !kbs->has_reranker()) {
                error.param = "rerank";
            } else if (error.status == 400 && request.mode != "lexical") {
                error.param = "mode";
            }
            return fail(error);
        }
        json list = json::array();
        for (const retrieval::SearchHit& hit : result->hits) {
            list.push_back(retrieval::search_hit_json(hit));
        }
        if (on_search) on_search(req, kb, 200, &list);
        json body = {{"mode", retrieval::search_mode_name(result->mode)}, {"hits", list}};
        if (!result->note.empty()) body["note"] = result->note;
        if (result->rerank) body["rerank"] = retrieval::rerank_info_json(*result->rerank);
        send_json(res, 200, body);
    });
}

std::variant<GroundedChat, ApiError> ground_chat(KnowledgeBaseService* service,
                                                 const std::string& tenant,
                                                 const ChatCompletionRequest& request,
                                                 int64_t n_ctx, const RenderChat& render) {
    if (service == nullptr) {
        return invalid_value("knowledge_bases", "this server has no knowledge bases");
    }
    Result<std::vector<retrieval::RetrievedPassage>> passages =
        service->retrieve(tenant, request.knowledge_bases, request.messages.back().content,
                          (size_t)request.retrieval_top_k);
    if (!passages) {
        ApiError error = api_error_from(passages.error());
        error.param = "knowledge_bases";
        return error;
    }
    const int64_t reserve = request.options.max_tokens ? *request.options.max_tokens : n_ctx / 4;
    const int64_t budget = std::max<int64_t>(1, n_ctx - reserve);
    Result<GroundedTokens> grounded =
        render_grounded(request.messages, std::move(*passages), (size_t)budget, render);
    if (!grounded) return chat_template_error(grounded.error());
    return GroundedChat{std::move(grounded->tokens),
                        retrieval::citations_json(grounded->prompt.citations)};
}

}  // namespace souverain::server
