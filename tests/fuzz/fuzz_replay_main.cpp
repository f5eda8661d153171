// A main() for the fuzz targets when they are built without libFuzzer (any compiler, the
// project's own sanitizer builds): it replays every seed input given, then a fixed number of
// deterministic mutations of them, through LLVMFuzzerTestOneInput. This is the fuzz targets'
// regression run in the ordinary suite (ctest fuzz_replay.NAME); coverage-guided fuzzing is
// run_fuzz.sh's, behind the `fuzz` label.
//
//   NAME_replay [--mutations N] [--seed S] [--dict FILE] PATH...
//
// PATH: input files or folders (read recursively). The mutations are those a fuzzer starts
// with: bit flips, byte changes, insertions and deletions of runs, truncations, splices of two
// seeds, dictionary tokens put in. Each input is written to ./replay-crash-input before it runs
// (removed at the end), so a crash leaves its reproducer behind. Exit status: 0 when every
// input returned.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kMaxLen = 65536;  // as run_fuzz.sh's -max_len

bool read_file(const std::filesystem::path& path, Bytes* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (out->size() > kMaxLen) out->resize(kMaxLen);
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// libFuzzer dictionary lines: `name="value"` or `"value"`, with \\, \" and \xNN escapes;
// comments start with '#'.
std::vector<Bytes> read_dictionary(const std::string& path) {
    std::vector<Bytes> tokens;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const size_t open = line.find('"');
        const size_t close = line.rfind('"');
        if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
        Bytes token;
        for (size_t pos = open + 1; pos < close; ++pos) {
            if (line[pos] == '\\' && pos + 1 < close) {
                if (line[pos + 1] == 'x' && pos + 3 < close) {
                    const int high = hex_value(line[pos + 2]), low = hex_value(line[pos + 3]);
                    if (high >= 0 && low >= 0) {
                        token.push_back(static_cast<uint8_t>(high * 16 + low));
                        pos += 3;
                        continue;
                    }
                }
                token.push_back(static_cast<uint8_t>(line[pos + 1]));
                ++pos;
                continue;
            }
            token.push_back(static_cast<uint8_t>(line[pos]));
        }
        if (!token.empty()) tokens.push_back(std::move(token));
    }
    return tokens;
}

class Mutator {
public:
    Mutator(uint64_t seed, const std::vector<Bytes>* seeds, const std::vector<Bytes>* dictionary)
        : rng_(seed), seeds_(seeds), dictionary_(dictionary) {}

    // One to four stacked mutations of a random seed.
    Bytes next() {
        Bytes input = seeds_->empty() ? Bytes{} : (*seeds_)[below(seeds_->size())];
        const size_t n_steps = 1 + below(4);
        for (size_t step_idx = 0; step_idx < n_steps; ++step_idx) mutate(&input);
        if (input.size() > kMaxLen) input.resize(kMaxLen);
        return input;
    }

private:
    size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

    void mutate(Bytes* input) {
        const size_t size = input->size();
        switch (below(8)) {
            case 0:  // flip one bit
                if (size > 0) (*input)[below(size)] ^= static_cast<uint8_t>(1u << below(8));
                break;
            case 1: {  // set a byte to an interesting value
                static constexpr uint8_t kValues[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '\\',
                                                      '{', '<', '%', '\n'};
                if (size > 0) (*input)[below(size)] = kValues[below(std::size(kValues))];
                break;
            }
            case 2: {  // insert a run of random bytes
                const size_t at = below(size + 1), n = 1 + below(16);
                Bytes run(n);
                for (uint8_t& byte : run) byte = static_cast<uint8_t>(rng_());
                input->insert(input->begin() + static_cast<ptrdiff_t>(at), run.begin(), run.end());
                break;
            }
            case 3: {  // delete a run
                if (size == 0) break;
                const size_t at = below(size), n = 1 + below(std::min<size_t>(size - at, 64));
                input->erase(input->begin() + static_cast<ptrdiff_t>(at),
                             input->begin() + static_cast<ptrdiff_t>(at + n));
                break;
            }
            case 4:  // truncate
                input->resize(below(size + 1));
                break;
            case 5: {  // duplicate a run in place
                if (size == 0) break;
                const size_t at = below(size), n = 1 + below(std::min<size_t>(size - at, 256));
                const Bytes run(input->begin() + static_cast<ptrdiff_t>(at),
                                input->begin() + static_cast<ptrdiff_t>(at + n));
                input->insert(input->begin() + static_cast<ptrdiff_t>(at), run.begin(), run.end());
                break;
            }
            case 6: {  // splice: this input's head, another seed's tail
                if (seeds_->empty()) break;
                const Bytes& other = (*seeds_)[below(seeds_->size())];
                input->resize(below(size + 1));
                const size_t from = below(other.size() + 1);
                input->insert(input->end(), other.begin() + static_cast<ptrdiff_t>(from),
                              other.end());
                break;
            }
            default: {  // a dictionary token, inserted or written over
                if (dictionary_->empty()) break;
                const Bytes& token = (*dictionary_)[below(dictionary_->size())];
                const size_t at = below(size + 1);
                if (below(2) == 0 || at + token.size() > size) {
                    input->insert(input->begin() + static_cast<ptrdiff_t>(at), token.begin(),
                                  token.end());
                } else {
                    std::copy(token.begin(), token.end(),
                              input->begin() + static_cast<ptrdiff_t>(at));
                }
                break;
            }
        }
    }

    std::mt19937_64 rng_;
    const std::vector<Bytes>* seeds_;
    const std::vector<Bytes>* dictionary_;
};

// Writes the input about to run, so that a crash leaves it on disk; removed after it returns.
void run_one(const Bytes& input, const char* crash_path) {
    {
        std::ofstream out(crash_path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(input.data()),
                  static_cast<std::streamsize>(input.size()));
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
}

}  // namespace

int main(int argc, char** argv) {
    size_t n_mutations = 2000;
    uint64_t seed = 1;
    std::string dictionary_path;
    std::vector<std::filesystem::path> paths;
    for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
        const std::string arg = argv[arg_idx];
        const bool has_value = arg_idx + 1 < argc;
        if (arg == "--mutations" && has_value) {
            n_mutations = std::strtoull(argv[++arg_idx], nullptr, 10);
        } else if (arg == "--seed" && has_value) {
            seed = std::strtoull(argv[++arg_idx], nullptr, 10);
        } else if (arg == "--dict" && has_value) {
            dictionary_path = argv[++arg_idx];
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "usage: " << argv[0]
                      << " [--mutations N] [--seed S] [--dict FILE] PATH...\n";
            return 2;
        } else {
            paths.emplace_back(arg);
        }
    }

    std::vector<std::filesystem::path> files;
    for (const auto& path : paths) {
        std::error_code error;
        if (std::filesystem::is_directory(path, error)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
                if (entry.is_regular_file()) files.push_back(entry.path());
            }
        } else if (std::filesystem::is_regular_file(path, error)) {
            files.push_back(path);
        } else {
            std::cerr << "replay: no such file or folder: " << path << "\n";
            return 2;
        }
    }
    std::sort(files.begin(), files.end());  // the same order, so the same mutations, every run

    std::vector<Bytes> seeds;
    for (const auto& file : files) {
        Bytes bytes;
        if (!read_file(file, &bytes)) {
            std::cerr << "replay: cannot read " << file << "\n";
            return 2;
        }
        seeds.push_back(std::move(bytes));
    }
    seeds.push_back(Bytes{});  // the empty input, always
    const std::vector<Bytes> dictionary =
        dictionary_path.empty() ? std::vector<Bytes>{} : read_dictionary(dictionary_path);

    const char* crash_path = "replay-crash-input";
    for (const Bytes& input : seeds) run_one(input, crash_path);
    Mutator mutator(seed, &seeds, &dictionary);
    for (size_t mutation_idx = 0; mutation_idx < n_mutations; ++mutation_idx) {
        run_one(mutator.next(), crash_path);
    }
    std::remove(crash_path);
    std::cout << "replay: " << seeds.size() << " seed inputs and " << n_mutations
              << " mutations ran (seed " << seed << ", " << dictionary.size()
              << " dictionary tokens)\n";
    return 0;
}
