#include "server/register_routes.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <ctime>
#include <variant>

#include "governance/access_control.h"
#include "governance/register_page.h"
#include "server/api_error.h"
#include "server/field_reader.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

constexpr const char* kCardSuffix = "/card";

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
}

std::string dump(const nlohmann::ordered_json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A failure to read the register is the server's, whatever its code (a stored record that no
// longer validates is not the client's fault).
ApiError register_unreadable(const Error& error) {
    return internal_error("the register cannot be read: " + error.message);
}

void send_json(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

nlohmann::ordered_json assistant_body(const governance::Assistant& assistant) {
    nlohmann::ordered_json body = governance::assistant_json(assistant, /*for_publication=*/false);
    body["object"] = "register.assistant";
    return body;
}

// An assistant from a request body: the same reader and checks as `register add`.
std::variant<governance::Assistant, ApiError> assistant_of(const std::string& body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    Result<governance::Assistant> assistant =
        governance::parse_assistant(std::get<nlohmann::json>(root));
    if (!assistant) return api_error_from(assistant.error());
    return *assistant;
}

// Today in UTC as YYYY-MM-DD.
std::string today_utc() {
    return governance::iso8601_utc((int64_t)std::time(nullptr)).substr(0, 10);
}

}  // namespace

Result<std::unique_ptr<RegisterEndpoints>> RegisterEndpoints::open(const std::string& data_dir) {
    Result<std::unique_ptr<storage::RegisterStore>> store =
        storage::open_sqlite_register_store(data_dir);
    if (!store) return store.error();
    std::unique_ptr<RegisterEndpoints> endpoints(new RegisterEndpoints());
    endpoints->store_ = std::move(*store);
    endpoints->service_ = std::make_unique<governance::RegisterService>(*endpoints->store_);
    return endpoints;
}

void RegisterEndpoints::serve_model_cards(std::vector<governance::ServedModelFile> models,
                                          governance::ServedModelCards::HashedCallback on_hashed) {
    cards_ = std::make_unique<governance::ServedModelCards>(std::move(models), service_.get(),
                                                            std::move(on_hashed));
}

void RegisterEndpoints::install(httplib::Server& http) {
    http.Get("/v1/register", [this](const httplib::Request& req, httplib::Response& res) {
        const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
        if (format != "json" && format != "html") {
            return send_error(
                res, invalid_value("format", "format must be json or html (got '" + format + "')"));
        }
        governance::PageLanguage language = governance::PageLanguage::EN;
        if (req.has_param("lang")) {
            Result<governance::PageLanguage> parsed =
                governance::parse_page_language(req.get_param_value("lang"));
            if (!parsed) return send_error(res, invalid_value("lang", parsed.error().message));
            language = *parsed;
        }
        // Served models are described from their live card (the file actually served);
        // others from the latest card stored under their name.
        auto live_card = [this](const std::string& model) -> std::optional<governance::ModelCard> {
            if (!cards_) return std::nullopt;
            Result<std::optional<governance::ServedModelCard>> served = cards_->card(model);
            if (!served || !*served) return std::nullopt;
            return (*served)->card;
        };
        // The register is a publication: ?tenant=NAME publishes that tenant's (default: the
        // default tenant's, as before tenants).
        std::string tenant = storage::kDefaultTenant;
        if (req.has_param("tenant")) {
            tenant = req.get_param_value("tenant");
            if (std::string problem = governance::tenant_name_problem(tenant); !problem.empty()) {
                return send_error(res, invalid_value("tenant", "invalid tenant name: " + problem));
            }
        }
        governance::RegisterService tenant_register(*store_, tenant);
        Result<governance::RegisterDocument> document =
            (tenant == service_->tenant() ? *service_ : tenant_register).document(live_card);
        if (!document) return send_error(res, register_unreadable(document.error()));
        res.set_header("Cache-Control", "no-cache");
        if (format == "json") {
            res.status = 200;
            res.set_content(dump(governance::register_json(*document)), "application/json");
            return;
        }
        // The page has inline CSS and nothing else: a policy that forbids everything else
        // keeps any markup that slipped through escaping inert.
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Content-Language", governance::page_language_code(language));
        res.status = 200;
        res.set_content(governance::render_register_html(*document, language),
                        "text/html; charset=utf-8");
    });
    install_assistant_writes(http);
    http.Get(R"(/v1/models/(.+)/card)",
             [this](const httplib::Request& req, httplib::Response& res) {
                 const std::string id = req.matches[1];
                 Result<std::optional<governance::ServedModelCard>> served = cards_->card(id);
                 if (!served) return send_error(res, register_unreadable(served.error()));
                 if (!*served) return send_error(res, model_not_found(id));
                 nlohmann::ordered_json body = governance::model_card_json((*served)->card);
                 body["file"]["sha256_status"] = governance::hash_state_name((*served)->hash_state);
                 body["file"]["sha256_progress"] = (*served)->hash_progress;
                 if (!(*served)->hash_error.empty())
                     body["file"]["sha256_error"] = (*served)->hash_error;
                 res.status = 200;
                 res.set_content(dump(body), "application/json");
             });
}

void RegisterEndpoints::install_assistant_writes(httplib::Server& http) {
    storage::RegisterStore* store = store_.get();
    // Every handler works in the caller's tenant's register (request_auth.h): reading needs
    // read_register, the others write_register (admins).
    auto service = [store]() {
        return governance::RegisterService(*store, current_principal().tenant);
    };
    http.Get("/v1/register/assistants", [service](const httplib::Request&, httplib::Response& res) {
        Result<std::vector<governance::Assistant>> list = service().assistants();
        if (!list) return send_error(res, register_unreadable(list.error()));
        nlohmann::ordered_json data = nlohmann::ordered_json::array();
        for (const governance::Assistant& a : *list) data.push_back(assistant_body(a));
        send_json(res, 200, {{"object", "list"}, {"data", data}});
    });
    http.Post("/v1/register/assistants",
              [service](const httplib::Request& req, httplib::Response& res) {
                  auto assistant = assistant_of(req.body);
                  if (auto* error = std::get_if<ApiError>(&assistant))
                      return send_error(res, *error);
                  Result<governance::Assistant> stored = service().add_assistant(
                      std::get<governance::Assistant>(assistant), /*replace=*/false);
                  if (!stored) return send_error(res, api_error_from(stored.error()));
                  send_json(res, 201, assistant_body(*stored));
              });
    http.Put(R"(/v1/register/assistants/([^/]+))", [service](const httplib::Request& req,
                                                             httplib::Response& res) {
        const std::string name = req.matches[1];
        auto assistant = assistant_of(req.body);
        if (auto* error = std::get_if<ApiError>(&assistant)) return send_error(res, *error);
        const governance::Assistant& update = std::get<governance::Assistant>(assistant);
        if (update.name != name) {
            return send_error(res, invalid_value("name", "the body's name '" + update.name +
                                                             "' is not the path's '" + name + "'"));
        }
        governance::RegisterService reg = service();
        Result<std::optional<governance::Assistant>> existing = reg.find_assistant(name);
        if (!existing) return send_error(res, register_unreadable(existing.error()));
        if (!*existing) {
            return send_error(res, api_error_from(make_error(ErrorCode::NOT_FOUND,
                                                             "no assistant '" + name + "'")));
        }
        Result<governance::Assistant> stored = reg.add_assistant(update, /*replace=*/true);
        if (!stored) return send_error(res, api_error_from(stored.error()));
        send_json(res, 200, assistant_body(*stored));
    });
    http.Post(R"(/v1/register/assistants/([^/]+)/retire)", [service](const httplib::Request& req,
                                                                     httplib::Response& res) {
        const std::string name = req.matches[1];
        std::string end_date;
        if (!req.body.empty()) {
            auto root = parse_json_object(req.body);
            if (auto* error = std::get_if<ApiError>(&root)) return send_error(res, *error);
            FieldReader reader(std::get<nlohmann::json>(root), "");
            reader.read_string("end_date", end_date, /*required=*/false);
            reader.reject_unknown();
            if (reader.failed()) return send_error(res, reader.error());
        }
        governance::RegisterService reg = service();
        Result<std::optional<governance::Assistant>> existing = reg.find_assistant(name);
        if (!existing) return send_error(res, register_unreadable(existing.error()));
        if (!*existing) {
            return send_error(res, api_error_from(make_error(ErrorCode::NOT_FOUND,
                                                             "no assistant '" + name + "'")));
        }
        governance::Assistant retired = **existing;
        retired.status = governance::AssistantStatus::RETIRED;
        retired.end_date = end_date.empty() ? today_utc() : end_date;
        // Validated like any record: an end date that is not a real day is a 400.
        Result<governance::Assistant> stored = reg.add_assistant(retired, /*replace=*/true);
        if (!stored) return send_error(res, api_error_from(stored.error()));
        send_json(res, 200, assistant_body(*stored));
    });
    http.Delete(R"(/v1/register/assistants/([^/]+))", [service](const httplib::Request& req,
                                                                httplib::Response& res) {
        const std::string name = req.matches[1];
        Status removed = service().remove_assistant(name);
        if (!removed) return send_error(res, api_error_from(removed.error()));
        send_json(res, 200,
                  {{"id", name}, {"object", "register.assistant.deleted"}, {"deleted", true}});
    });
}

std::string register_endpoint_label(const std::string& path) {
    if (path == "/v1/register" || path == "/v1/register/assistants") return path;
    if (path.rfind("/v1/register/assistants/", 0) == 0) return "/v1/register/assistants/{name}";
    const std::string models = "/v1/models/";
    const std::string suffix = kCardSuffix;
    if (path.size() > models.size() + suffix.size() && path.rfind(models, 0) == 0 &&
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return "/v1/models/{id}/card";
    }
    return "";
}

bool is_public_register_path(const std::string& path) {
    return path == "/v1/register";
}

}  // namespace souverain::server
