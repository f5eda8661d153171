#!/usr/bin/env bash
# Knowledge bases over HTTP with a tiny model (driver: tests/server/kb_http_driver.py):
#   fill    create a base, upload three documents (Markdown with articles, text; multipart and
#           raw body), re-upload, list, search: every hit's passage equals the document at its
#           offsets
#   restart the server stops (SIGTERM) and starts again on the same --data: nothing is lost
#   answer  grounded chat completions (non-streamed, streamed) whose citations point at the
#           passages of the article the question names; deletion of a document and of the
#           base; errors (unknown base 404, refused uploads 400, body over the limit 413,
#           unknown fields 422)
#
#   bash kb_http_test.sh <souverain-binary> <work-dir>
# About 10 s on 2 cores.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../server/server_lib.sh
source "$REPO/tests/server/server_lib.sh"
server_test_init "$@"
DRIVER=$REPO/tests/server/kb_http_driver.py
[[ -x $PY ]] || fatal "$PY not found"

model=$WORK/tiny.gguf
make_tiny_model "$model" q8_0 5 || exit 1
# A 64 KiB body limit, so that the driver's 100 kB upload must get 413.
flags=(--model "tiny=$model" --threads 2 --ctx 2048 --parallel 2 --max-body-bytes 65536)

server_start kb "${flags[@]}" || exit 1
$PY "$DRIVER" fill --port "$SERVER_PORT" || fatal "fill phase (server log: $WORK/kb.err)"
server_stop kb || fatal "the server did not stop cleanly"

server_start kb "${flags[@]}" || exit 1
$PY "$DRIVER" answer --port "$SERVER_PORT" --model tiny || fatal "answer phase (server log: $WORK/kb.err)"
server_stop kb || fatal "the server did not stop cleanly"
echo "kb_http: all checks passed"
