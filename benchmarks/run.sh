#!/usr/bin/env bash
# The benchmark command: create the two benchmark sites when missing (rl_bench.localhost with
# erpnext, posawesome and this app; rl_bench_native.localhost with erpnext and posawesome only),
# load the same shop on both (idempotent), then run every measure and print one Markdown table
# (progress on stderr, the table on stdout).
#
#   bash benchmarks/run.sh                 # set-up (when needed) + the whole table
#   bash benchmarks/run.sh --setup-only    # only the sites and their data
#   bash benchmarks/run.sh --scale 1000000 # the reports and cards on N referrals (scale.py), on
#                                          # rl_bench_scale.localhost: its own site, loaded once
#
# Environment: BENCH_RUNS (HTTP / in-process runs per site, default 60), BENCH_SUBMIT_RUNS (sales
# submitted per site for (b), default 60), BENCH_ROUNDS (rounds of the tills and of the backfill,
# default 3), BENCH_CUSTOMERS (backfill size, default 100000). Uses port 8020 on 127.0.0.1 while
# it runs. Never touches test_referral.localhost or referral.localhost.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

OURS=rl_bench.localhost
NATIVE=rl_bench_native.localhost
SCALE_SITE=rl_bench_scale.localhost
BENCH_PY="$BENCH_DIR/env/bin/python"
# the scripts of this checkout (the bench user must be able to read it)
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCALE=""
SETUP_ONLY=""
while [ $# -gt 0 ]; do
	case "$1" in
	--setup-only) SETUP_ONLY=1 ;;
	--scale)
		SCALE=${2:?--scale needs a number of referrals}
		shift
		;;
	*)
		echo "usage: $0 [--setup-only] [--scale N]" >&2
		exit 2
		;;
	esac
	shift
done

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

migrate_when_changed() {
	# Migrate a site of ours when the app's schema changed since its last run (DocTypes, custom
	# fields, indexes, patches), so the benchmark measures the code as it is now.
	local site=$1 schema marker
	schema=$(cd "$BENCH_DIR/apps/$APP" && find referral_loyalty/referral_loyalty referral_loyalty/patches -name '*.json' -o -name '*.py' | sort |
		xargs cat referral_loyalty/install.py referral_loyalty/hooks.py referral_loyalty/patches.txt | sha1sum | cut -d' ' -f1)
	marker="$BENCH_DIR/sites/$site/rl_bench_schema"
	if [ "$(cat "$marker" 2>/dev/null)" != "$schema" ]; then
		echo "Migrating $site (the app's schema changed)" >&2
		as_bench "bench --site $site migrate --skip-search-index >/dev/null && echo $schema >sites/$site/rl_bench_schema"
	fi
}

ensure_ours() {
	local site=$1 apps
	ensure_site "$site" erpnext posawesome "$APP"
	apps=$(as_bench "bench --site $site list-apps")
	grep -q "^$APP" <<<"$apps" || as_bench "bench --site $site install-app $APP >&2"
	migrate_when_changed "$site"
}

# pyinstrument: the workers' "profile" command (see worker.py)
as_bench "$BENCH_PY -m pip show pyinstrument >/dev/null 2>&1 || $BENCH_PY -m pip install -q pyinstrument >&2"

if [ -n "$SCALE" ]; then
	ensure_ours "$SCALE_SITE"
	as_bench "$BENCH_PY $SCRIPTS/setup.py --site $SCALE_SITE >&2"
	[ -n "$SETUP_ONLY" ] && exit 0
	# the workspace is timed in chromium (scale.py says so in its table when it cannot be)
	ensure_browser || echo "the workspace will not be timed: $BROWSER_MISSING" >&2
	as_bench "$BENCH_PY $SCRIPTS/scale.py --site $SCALE_SITE --referrals $SCALE"
	exit 0
fi

ensure_site "$NATIVE" erpnext posawesome
native_apps=$(as_bench "bench --site $NATIVE list-apps")
if grep -q "^$APP" <<<"$native_apps"; then
	echo "ERROR: $NATIVE must not have $APP installed"
	exit 1
fi
ensure_ours "$OURS"

as_bench "$BENCH_PY $SCRIPTS/setup.py --site $NATIVE >&2"
as_bench "$BENCH_PY $SCRIPTS/setup.py --site $OURS >&2"
[ -n "$SETUP_ONLY" ] && exit 0

as_bench "BENCH_RUNS=${BENCH_RUNS:-60} BENCH_SUBMIT_RUNS=${BENCH_SUBMIT_RUNS:-60} BENCH_ROUNDS=${BENCH_ROUNDS:-3} \
BENCH_CUSTOMERS=${BENCH_CUSTOMERS:-100000} $BENCH_PY $SCRIPTS/table.py --site $OURS --native $NATIVE"
