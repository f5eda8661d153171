// `souverain ask --kb NAME --question TEXT [--model F.gguf]`: an answer from a knowledge base
// with numbered citations. With a model, the model answers from the retrieved passages (the
// grounded prompt of retrieval/grounded_answer.h through the model's chat template); without
// one, the answer is extractive: the best passages themselves, each with its [n] marker.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "engine/generator.h"
#include "engine/llama_model.h"
#include "retrieval/grounded_answer.h"
#include "retrieval/knowledge_base_service.h"
#include "server/chat_template.h"
#include "server/grounded_chat.h"

namespace souverain::cli {

namespace {

struct AskOptions {
    std::vector<std::string> kbs;
    std::string data_dir = "./souverain-data";
    std::string tenant = "default";
    std::string question;
    std::string model_path;
    size_t top_k = 4;
    bool json = false;
    GenerateParams generate;
    int n_threads = 0;
    int64_t n_ctx = 4096;
};

// One line per citation: number, where the passage is, and its first words.
void print_sources(const std::vector<retrieval::Citation>& citations) {
    if (citations.empty()) return;
    std::printf("\nSources:\n");
    for (const retrieval::Citation& citation : citations) {
        const storage::ChunkRecord& chunk = citation.source.hit.chunk;
        const nlohmann::json metadata = retrieval::hit_metadata(citation.source.hit);
        std::string where = chunk.document_id;
        if (auto heading = metadata.find("heading");
            heading != metadata.end() && heading->is_string()) {
            where += " — " + heading->get<std::string>();
        }
        std::printf("[%d] %s (%s, chunk %lld, characters %lld-%lld)\n", citation.number,
                    where.c_str(), citation.source.knowledge_base.c_str(),
                    (long long)chunk.chunk_id, (long long)chunk.start, (long long)chunk.end);
    }
}

// The model's answer, streamed to stdout unless `quiet`.
Result<std::string> generate_answer(const AskOptions& options, const std::string& question,
                                    std::vector<retrieval::RetrievedPassage> passages,
                                    retrieval::GroundedPrompt& prompt, bool quiet) {
    Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(options.model_path);
    if (!model) return model.error();
    server::ChatTemplate chat_template = server::ChatTemplate::fallback();
    if (auto source = (*model)->gguf().get_string("tokenizer.chat_template")) {
        Result<server::ChatTemplate> parsed = server::ChatTemplate::parse(*source);
        if (parsed) {
            chat_template = std::move(*parsed);
        } else {
            std::fprintf(stderr,
                         "warning: the model's chat template cannot be used (%s); using the "
                         "fallback template\n",
                         parsed.error().message.c_str());
        }
    }
    const int64_t n_ctx = std::min<int64_t>(options.n_ctx, (*model)->hparams().n_ctx_train);
    const int64_t reserve =
        options.generate.max_tokens > 0 ? options.generate.max_tokens : n_ctx / 4;
    const Vocab& vocab = (*model)->vocab();
    Result<server::GroundedTokens> grounded = server::render_grounded(
        {server::ChatMessage{"user", question}}, std::move(passages),
        (size_t)std::max<int64_t>(1, n_ctx - reserve),
        [&](const std::vector<server::ChatMessage>& messages) {
            return server::render_chat_tokens(chat_template, vocab, messages);
        });
    if (!grounded) return grounded.error();
    prompt = std::move(grounded->prompt);
    Result<std::unique_ptr<KvCache>> cache = (*model)->make_cache(n_ctx, KvCacheType::F16);
    if (!cache) return cache.error();
    ThreadPool pool(options.n_threads);
    Result<GenerateResult> result =
        generate_from_tokens(**model, pool, **cache, std::move(grounded->tokens), options.generate,
                             [quiet](std::string_view text) {
                                 if (!quiet) {
                                     std::fwrite(text.data(), 1, text.size(), stdout);
                                     std::fflush(stdout);
                                 }
                                 return true;
                             });
    if (!result) return result.error();
    return result->text;
}

int run_ask(const AskOptions& options) {
    if (options.top_k == 0) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT, "--top-k must be at least 1"));
    }
    Result<std::unique_ptr<retrieval::KnowledgeBaseService>> service =
        retrieval::KnowledgeBaseService::open(options.data_dir);
    if (!service) return report_error(service.error());
    Result<std::vector<retrieval::RetrievedPassage>> passages =
        (*service)->retrieve(options.tenant, options.kbs, options.question, options.top_k);
    if (!passages) return report_error(passages.error());

    retrieval::GroundedPrompt prompt;
    std::string answer;
    if (options.model_path.empty()) {
        prompt = retrieval::build_grounded_prompt(options.question, *passages);
        answer = retrieval::extractive_answer(prompt);
        if (!options.json) std::printf("%s\n", answer.c_str());
    } else {
        Result<std::string> generated =
            generate_answer(options, options.question, std::move(*passages), prompt, options.json);
        if (!generated) return report_error(generated.error());
        answer = std::move(*generated);
        if (!options.json) std::printf("\n");
    }
    if (options.json) {
        const nlohmann::json out = {{"answer", answer},
                                    {"citations", retrieval::citations_json(prompt.citations)}};
        std::printf("%s\n",
                    out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    print_sources(prompt.citations);
    return 0;
}

}  // namespace

void register_ask(CLI::App& app) {
    auto options = std::make_shared<AskOptions>();
    options->generate.max_tokens = 256;
    options->generate.sampling.temperature = 0.0f;  // the same sources give the same answer
    SamplingParams& sampling = options->generate.sampling;
    CLI::App* cmd = app.add_subcommand(
        "ask", "Answer a question from knowledge bases, citing the passages used");
    cmd->add_option("--kb", options->kbs, "Knowledge base (repeatable)")->required();
    cmd->add_option("--tenant", options->tenant,
                    "Tenant owning the knowledge bases (default 'default')");
    cmd->add_option("--question,-q", options->question, "The question")->required();
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->add_option("--model,-m", options->model_path,
                    "GGUF chat model that writes the answer (none: the passages themselves)");
    cmd->add_option("--top-k,-k", options->top_k, "Passages retrieved (default 4)");
    cmd->add_flag("--json", options->json, "JSON output {\"answer\", \"citations\": [...]}");
    cmd->add_option("-n,--max-tokens", options->generate.max_tokens, "Tokens of the answer")
        ->capture_default_str();
    cmd->add_option("--temp", sampling.temperature, "Temperature (0: greedy)")
        ->capture_default_str();
    cmd->add_option("--seed", sampling.seed, "Sampling seed")->capture_default_str();
    cmd->add_option("-t,--threads", options->n_threads, "Threads (0: all cores)");
    cmd->add_option("-c,--ctx", options->n_ctx, "Context length")->capture_default_str();
    cmd->callback([options] { set_exit_code(run_ask(*options)); });
}

}  // namespace souverain::cli
