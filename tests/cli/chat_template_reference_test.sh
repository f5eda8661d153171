#!/usr/bin/env bash
# The committed chat-template fixtures (tests/server/chat_templates/expected.json) must be what
# Python jinja2 renders now, so that the gtest comparing our interpreter with them cannot drift
# from the reference. Usage: bash chat_template_reference_test.sh <souverain-binary> <work-dir>
# (the binary is not needed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 "$ROOT/tests/server/render_chat_reference.py" --check
