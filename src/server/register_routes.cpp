#include "server/register_routes.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "governance/register_page.h"
#include "server/api_error.h"

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
        Result<governance::RegisterDocument> document = service_->document(live_card);
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

std::string register_endpoint_label(const std::string& path) {
    if (path == "/v1/register") return path;
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
