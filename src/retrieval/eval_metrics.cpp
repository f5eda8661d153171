#include "retrieval/eval_metrics.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace souverain::retrieval {

Result<std::vector<BeirQuery>> read_beir_queries(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorCode::NOT_FOUND, "cannot open queries file '" + path + "'");
    std::vector<BeirQuery> queries;
    std::string line;
    size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
        if (object.is_discarded() || !object.is_object() || !object.contains("_id") ||
            !object.contains("text") || !object["text"].is_string()) {
            return make_error(ErrorCode::FORMAT, path + ":" + std::to_string(line_number) +
                                                     ": not a BEIR query {\"_id\", \"text\"}");
        }
        const nlohmann::json& id = object["_id"];
        queries.push_back(BeirQuery{id.is_string() ? id.get<std::string>() : id.dump(),
                                    object["text"].get<std::string>()});
    }
    return queries;
}

Result<Qrels> read_beir_qrels(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorCode::NOT_FOUND, "cannot open qrels file '" + path + "'");
    Qrels qrels;
    std::string line;
    size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const size_t tab1 = line.find('\t');
        const size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
        if (tab2 == std::string::npos) {
            return make_error(ErrorCode::FORMAT,
                              path + ":" + std::to_string(line_number) + ": expected 3 columns");
        }
        const std::string query = line.substr(0, tab1);
        const std::string document = line.substr(tab1 + 1, tab2 - tab1 - 1);
        const std::string score_text = line.substr(tab2 + 1);
        int score = 0;
        try {
            score = std::stoi(score_text);
        } catch (const std::exception&) {
            if (line_number == 1) continue;  // the header "query-id corpus-id score"
            return make_error(ErrorCode::FORMAT,
                              path + ":" + std::to_string(line_number) + ": bad score");
        }
        qrels[query][document] = score;
    }
    return qrels;
}

RetrievalMetrics evaluate_ranking(const std::vector<std::string>& ranking,
                                  const std::map<std::string, int>& relevance) {
    RetrievalMetrics m;
    size_t n_relevant = 0;
    for (const auto& [document, score] : relevance) n_relevant += score > 0 ? 1 : 0;
    if (n_relevant == 0) return m;
    size_t hits = 0;
    double precision_sum = 0, dcg = 0;
    for (size_t i = 0; i < ranking.size() && i < 100; ++i) {
        auto found = relevance.find(ranking[i]);
        if (found == relevance.end() || found->second <= 0) continue;
        ++hits;
        if (i < 10) {
            if (m.mrr_10 == 0) m.mrr_10 = 1.0 / (double)(i + 1);
            precision_sum += (double)hits / (double)(i + 1);
            dcg += 1.0 / std::log2((double)i + 2.0);
            m.recall_10 = (double)hits / (double)n_relevant;
        }
        m.recall_100 = (double)hits / (double)n_relevant;
    }
    m.map_10 = precision_sum / (double)n_relevant;
    double ideal = 0;
    for (size_t i = 0; i < n_relevant && i < 10; ++i) ideal += 1.0 / std::log2((double)i + 2.0);
    m.ndcg_10 = dcg / ideal;
    return m;
}

RetrievalMetrics mean_metrics(const std::vector<RetrievalMetrics>& per_query) {
    RetrievalMetrics mean;
    if (per_query.empty()) return mean;
    for (const RetrievalMetrics& m : per_query) {
        mean.recall_10 += m.recall_10;
        mean.recall_100 += m.recall_100;
        mean.map_10 += m.map_10;
        mean.mrr_10 += m.mrr_10;
        mean.ndcg_10 += m.ndcg_10;
    }
    const double n = (double)per_query.size();
    mean.recall_10 /= n;
    mean.recall_100 /= n;
    mean.map_10 /= n;
    mean.mrr_10 /= n;
    mean.ndcg_10 /= n;
    return mean;
}

}  // namespace souverain::retrieval
