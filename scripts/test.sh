#!/usr/bin/env bash
# The test command: link this checkout into the bench, create the test site anew (erpnext,
# posawesome and this app; RL_REUSE_SITE=1 keeps an existing one and migrates it), run the
# rules-core tests and the site tests (FrappeTestCase, with CI=1; the app's before_tests hook
# readies the site), the install/uninstall check on a new scratch site and the browser checks,
# print the counts, and exit non-zero on any failure or when no site test ran.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$REPO_DIR/artifacts"
LOG="$REPO_DIR/artifacts/site-tests.log"
T0=$(date +%s)
elapsed() { local t=$(($(date +%s) - T0)); printf '%dm%02ds' $((t / 60)) $((t % 60)); }

if [ ! -x "$BENCH_DIR/env/bin/python" ] || [ ! -d "$BENCH_DIR/apps/posawesome" ]; then
	echo "ERROR: no bench with frappe, erpnext and posawesome at $BENCH_DIR."
	echo "Create it first with: bash scripts/setup.sh"
	exit 1
fi
ensure_services || exit 1
ensure_own_redis_db || exit 1
link_checkout || { echo "ERROR: could not link the checkout into the bench"; exit 1; }

# The install cycle's scratch site is made in the background meanwhile (its own log).
CYCLE_SITE_LOG="$REPO_DIR/artifacts/install-cycle-site.log"
setsid bash "$REPO_DIR/scripts/check_install_cycle.sh" --prepare >"$CYCLE_SITE_LOG" 2>&1 &
cycle_prep=$!
stop_prep() { kill -0 "$cycle_prep" 2>/dev/null && kill -- -"$cycle_prep" 2>/dev/null; }
trap stop_prep EXIT

SITE_LOG="$REPO_DIR/artifacts/test-site.log"
if [ "${RL_REUSE_SITE:-0}" = "1" ] && [ -f "$BENCH_DIR/sites/$TEST_SITE/site_config.json" ]; then
	echo "== reusing the test site $TEST_SITE (RL_REUSE_SITE=1): migrate or install $APP [$(elapsed)]"
	as_bench "bench --site $TEST_SITE set-config allow_tests true >/dev/null"
	if as_bench "bench --site $TEST_SITE list-apps" | grep -q "^$APP"; then
		as_bench "bench --site $TEST_SITE migrate --skip-search-index" >"$SITE_LOG" 2>&1 || { tail -40 "$SITE_LOG"; echo "ERROR: migrate failed"; exit 1; }
	else
		as_bench "bench --site $TEST_SITE install-app $APP" >"$SITE_LOG" 2>&1 || { tail -40 "$SITE_LOG"; echo "ERROR: install-app failed"; exit 1; }
	fi
else
	echo "== new test site $TEST_SITE (erpnext, posawesome, $APP; log: artifacts/test-site.log) [$(elapsed)]"
	{ new_site "$TEST_SITE" && as_bench "bench --site $TEST_SITE install-app $APP"; } >"$SITE_LOG" 2>&1 ||
		{ tail -40 "$SITE_LOG"; echo "ERROR: could not create $TEST_SITE with $APP (see artifacts/test-site.log)"; exit 1; }
fi
as_bench "bench --site $TEST_SITE clear-cache"

echo "== rules core (pure Python, no site) [$(elapsed)]"
as_bench "cd apps/$APP && ../../env/bin/python -m pytest -q -p no:cacheprovider tests" | tee "$REPO_DIR/artifacts/core-tests.log"
core_rc=${PIPESTATUS[0]}
core_line=$(grep -E "^[0-9]+ passed|[0-9]+ (passed|failed)" "$REPO_DIR/artifacts/core-tests.log" | tail -1)
core_passed=$(echo "$core_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+" || echo 0)
core_failed=$(echo "$core_line" | grep -oE "[0-9]+ (failed|error)" | grep -oE "[0-9]+" | paste -sd+ | bc 2>/dev/null || echo 0)

echo "== site tests (bench run-tests --app $APP on $TEST_SITE) [$(elapsed)]"
as_bench "bench --site $TEST_SITE run-tests --app $APP" 2>&1 | tee "$LOG"
site_rc=${PIPESTATUS[0]}
site_ran=$(grep -oE "^Ran [0-9]+ test" "$LOG" | tail -1 | grep -oE "[0-9]+" || echo 0)
site_bad=$(grep -oE "^FAILED \((failures|errors)=[0-9]+(, (failures|errors)=[0-9]+)?" "$LOG" | grep -oE "[0-9]+" | paste -sd+ | bc 2>/dev/null || echo 0)
site_skipped=$(grep -oE "skipped=[0-9]+" "$LOG" | tail -1 | grep -oE "[0-9]+" || echo 0)
[ -z "$site_bad" ] && site_bad=0
[ -z "$core_failed" ] && core_failed=0

echo "== install-app / uninstall-app on a new scratch site [$(elapsed)]"
wait "$cycle_prep" # its failure is the check's own: it then makes the site itself and says why
bash "$REPO_DIR/scripts/check_install_cycle.sh" | tee "$REPO_DIR/artifacts/install-cycle.log"
cycle_rc=${PIPESTATUS[0]}
cycle_passed=$([ "$cycle_rc" -eq 0 ] && echo 1 || echo 0)

echo "== cashier flow in POS Awesome (headless chromium) [$(elapsed)]"
bash "$REPO_DIR/scripts/browser_test.sh" | tee "$REPO_DIR/artifacts/browser.log"
browser_rc=${PIPESTATUS[0]}
browser_passed=$(grep -oE "^browser: [0-9]+ passed" "$REPO_DIR/artifacts/browser.log" | grep -oE "[0-9]+" || echo 0)
browser_failed=$(grep -oE "^browser: [0-9]+ passed, [0-9]+ failed" "$REPO_DIR/artifacts/browser.log" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+" || echo 6)
[ "$browser_rc" -ne 0 ] && [ "${browser_failed:-0}" -eq 0 ] && browser_failed=1

echo
echo "rules core: ${core_passed:-0} passed, ${core_failed} failed"
echo "browser: ${browser_passed:-0} passed, ${browser_failed:-0} failed"
echo "install cycle: ${cycle_passed} passed, $((1 - cycle_passed)) failed"
echo "site tests: ran ${site_ran:-0}, ${site_bad} failed or errored, ${site_skipped} skipped"
passed=$(( ${core_passed:-0} + ${site_ran:-0} - site_bad - site_skipped + cycle_passed + ${browser_passed:-0} ))
failed=$(( core_failed + site_bad + 1 - cycle_passed + ${browser_failed:-0} ))
echo "total: ${passed} passed, ${failed} failed, ${site_skipped} skipped (in $(elapsed))"

if [ "${site_ran:-0}" -eq 0 ]; then echo "ERROR: no site test ran"; exit 1; fi
if [ "$core_rc" -ne 0 ] || [ "$site_rc" -ne 0 ] || [ "$cycle_rc" -ne 0 ] || [ "$browser_rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
exit 0
