#!/usr/bin/env bash
# Installs the Debian bookworm packages Souverain builds and tests with. Idempotent: does
# nothing when every package is already installed. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
    build-essential cmake ninja-build g++ pkg-config git curl
    clang libclang-rt-14-dev          # libFuzzer targets
    libgtest-dev                      # unit tests
    libicu-dev                        # Unicode categories and normalization (tokenizers)
    libcli11-dev nlohmann-json3-dev   # command line, JSON
    python3 python3-numpy             # the independent reference forward pass
    libcpp-httplib-dev                # HTTP server (and test clients)
    libsqlite3-dev                    # storage (knowledge bases, audit log)
    sqlite3                           # the audit tamper test edits the database directly
    libstemmer-dev                    # Snowball stemmers (fr, de, en)
    libhnswlib-dev                    # HNSW graphs (dense retrieval)
    libsodium-dev                     # Ed25519 signatures, argon2id, HMAC
    libssl-dev                        # SHA-256 with the CPU's SHA instructions (weights files)
    libxml2-dev                       # HTML and DOCX XML (ingestion)
    libpoppler-cpp-dev                # PDF text (ingestion)
    libzip-dev                        # DOCX packages (ingestion)
    python3-jinja2                    # reference renderer for the chat-template tests
    chromium                          # headless: renders the register page to a PNG (test)
)

# Node.js and npm run the official `openai` client in the server tests; a machine that
# already has them (from any source) keeps its own.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install_deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
