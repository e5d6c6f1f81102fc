#!/usr/bin/env bash
# The benchmark command: create the two benchmark sites when missing (rl_bench.localhost with
# erpnext, posawesome and this app; rl_bench_native.localhost with erpnext and posawesome only),
# load the same shop on both (idempotent), then run every measure and print one Markdown table
# (progress on stderr, the table on stdout).
#
#   bash benchmarks/run.sh                 # set-up (when needed) + the whole table
#   bash benchmarks/run.sh --setup-only    # only the sites and their data
#
# Environment: BENCH_RUNS (HTTP / in-process runs per site, default 30), BENCH_SUBMIT_RUNS (sales
# submitted per site for (b), default 60), BENCH_ROUNDS (rounds of the tills and of the backfill,
# default 3), BENCH_CUSTOMERS (backfill size, default 100000). Uses port 8020 on 127.0.0.1 while
# it runs. Never touches test_referral.localhost or referral.localhost.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

OURS=rl_bench.localhost
NATIVE=rl_bench_native.localhost
BENCH_PY="$BENCH_DIR/env/bin/python"
SCRIPTS="apps/$APP/benchmarks"

ensure_services
if [ ! -e "$BENCH_DIR/apps/$APP" ]; then
	echo "ERROR: $APP is not in the bench at $BENCH_DIR (run scripts/test.sh or scripts/setup.sh once)"
	exit 1
fi

ensure_site() {
	local site=$1
	shift
	if [ ! -d "$BENCH_DIR/sites/$site" ]; then
		echo "Creating site $site ($*)" >&2
		ensure_db_admin
		local installs=""
		for app in "$@"; do installs="$installs --install-app $app"; done
		as_bench "bench new-site $site --admin-password admin $DB_ADMIN_ARGS $installs >/dev/null"
	fi
}

ensure_site "$NATIVE" erpnext posawesome
ensure_site "$OURS" erpnext posawesome "$APP"
native_apps=$(as_bench "bench --site $NATIVE list-apps")
if grep -q "^$APP" <<<"$native_apps"; then
	echo "ERROR: $NATIVE must not have $APP installed"
	exit 1
fi
ours_apps=$(as_bench "bench --site $OURS list-apps")
grep -q "^$APP" <<<"$ours_apps" || as_bench "bench --site $OURS install-app $APP >&2"

# Migrate our site when the app's schema changed since the last run (DocTypes, custom fields,
# indexes, patches), so the benchmark measures the code as it is now.
schema=$(cd "$REPO_DIR" && find referral_loyalty/referral_loyalty referral_loyalty/patches -name '*.json' -o -name '*.py' | sort |
	xargs cat referral_loyalty/install.py referral_loyalty/hooks.py referral_loyalty/patches.txt | sha1sum | cut -d' ' -f1)
marker="$BENCH_DIR/sites/$OURS/rl_bench_schema"
if [ "$(cat "$marker" 2>/dev/null)" != "$schema" ]; then
	echo "Migrating $OURS (the app's schema changed)" >&2
	as_bench "bench --site $OURS migrate --skip-search-index >/dev/null && echo $schema >sites/$OURS/rl_bench_schema"
fi
# pyinstrument: the workers' "profile" command (see worker.py)
as_bench "$BENCH_PY -m pip show pyinstrument >/dev/null 2>&1 || $BENCH_PY -m pip install -q pyinstrument >&2"

as_bench "$BENCH_PY $SCRIPTS/setup.py --site $NATIVE >&2"
as_bench "$BENCH_PY $SCRIPTS/setup.py --site $OURS >&2"
[ "${1:-}" = "--setup-only" ] && exit 0

as_bench "BENCH_RUNS=${BENCH_RUNS:-30} BENCH_SUBMIT_RUNS=${BENCH_SUBMIT_RUNS:-60} BENCH_ROUNDS=${BENCH_ROUNDS:-3} \
BENCH_CUSTOMERS=${BENCH_CUSTOMERS:-100000} $BENCH_PY $SCRIPTS/table.py --site $OURS --native $NATIVE"
