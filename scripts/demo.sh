#!/usr/bin/env bash
# Builds the web app and runs the whole platform on its embedded SQLite database (data/fapai.db, created
# and migrated) with demo data: the app at http://127.0.0.1:8080/, the API under /api/.
# Extra arguments go to `fapai serve`; settings come from FAPAI_* variables (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/frontend-deps.sh

frontend_deps
(cd frontend && npm run build)
FAPAI_DEMO="${FAPAI_DEMO:-1}" exec cargo run --release -p backend --bin fapai -- serve "$@"
