#!/usr/bin/env bash
# The cashier's flow in POS Awesome's own page, in headless Debian chromium (playwright-core):
# a referred customer created in the POS dialog, their coupon applied to the first sale with
# "Auto Fetch Coupon Gifts" on and not fetched with it off, the sale submitted, and the Referral
# checked on the server. Screenshots of each step go to artifacts/browser/.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PORT=${RL_BROWSER_PORT:-8011} # another port when 8011 is taken (e.g. a second bench)
BASE="http://$TEST_SITE:$PORT"
OUT="$REPO_DIR/artifacts/browser"
rm -rf "$OUT" && mkdir -p "$OUT"

# What this check installs on the machine the first time: chromium and playwright-core
# (ensure_browser, common.sh); and a line in /etc/hosts for the site.
ensure_browser || { echo "browser: 0 passed, 6 failed ($BROWSER_MISSING)"; exit 1; }
grep -q " $TEST_SITE" /etc/hosts 2>/dev/null || echo "127.0.0.1 $TEST_SITE" >>/etc/hosts 2>/dev/null || true

# The server runs as the bench user in a process group of its own (setsid), and only that group
# is stopped at the end; its log goes where the bench user may write (the checkout may be root's).
SERVER_LOG="$BENCH_DIR/logs/rl-browser-server.log"
SERVER_PID="$BENCH_DIR/logs/rl-browser-server.pid"
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "browser: 0 passed, 6 failed (port $PORT is taken by another server; set RL_BROWSER_PORT)"
	exit 1
fi
rm -f "$SERVER_PID"
# (in braces: as_bench prefixes "cd <bench> &&", which must not go to the background with it)
as_bench "{ setsid bench --site $TEST_SITE serve --port $PORT --noreload >'$SERVER_LOG' 2>&1 </dev/null & echo \$! >'$SERVER_PID'; }"
server_pgid=$(cat "$SERVER_PID" 2>/dev/null)
stop_server() {
	# the group the server leads, if it is still the one we started
	if [ -n "$server_pgid" ] && [ "$(ps -o pgid= -p "$server_pgid" 2>/dev/null | tr -d ' ')" = "$server_pgid" ]; then
		kill -TERM -- -"$server_pgid" 2>/dev/null
		for _ in $(seq 20); do kill -0 -- -"$server_pgid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL -- -"$server_pgid" 2>/dev/null
	fi
	rm -f "$SERVER_PID"
	cp "$SERVER_LOG" "$OUT/server.log" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 60); do curl -sf "$BASE/api/method/ping" >/dev/null && break; sleep 1; done

passed=0
failed=0
for scenario in autofetch-on autofetch-off points; do
	flag=$([ "$scenario" = "autofetch-on" ] && echo 1 || echo 0)
	if [ "$scenario" = "points" ]; then
		prepare="prepare_points"
	else
		prepare="prepare --kwargs '{\"auto_fetch\": $flag}'"
	fi
	fixture=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.browser_fixture.$prepare" |
		tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))')
	node "$REPO_DIR/browser-tests/pos_referral.mjs" "$BASE" "$fixture" "$scenario" "$OUT" >"$OUT/$scenario.out" 2>&1
	result=$(grep "^RESULT " "$OUT/$scenario.out" | tail -1 | cut -c8-)
	name=$(echo "${result:-{\}}" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("customer_name",""))')
	sleep 2
	server=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.browser_fixture.outcome --kwargs '{\"customer_name\": \"$name\"}'" | tail -1)
	verdict=$(RESULT="$result" SERVER="$server" FIXTURE="$fixture" SCENARIO="$scenario" python3 - <<'PY'
import json, os
problems = []
try:
	ui = json.loads(os.environ["RESULT"] or "{}")
	server = json.loads(json.loads(os.environ["SERVER"] or '""') or "{}")
	fixture = json.loads(os.environ["FIXTURE"])
except Exception as e:
	print(f"FAIL could not read results: {e}")
	raise SystemExit
auto = os.environ["SCENARIO"] == "autofetch-on"
points = os.environ["SCENARIO"] == "points"
if not ui.get("ok"):
	page = ui.get("page") or {}
	waiting = f" (still waiting for: {'; '.join(page['pending'][:5])})" if page.get("pending") else ""
	failed = f" (failed requests: {'; '.join(page['failed'][:3])})" if page.get("failed") else ""
	problems.append(f"browser flow failed: {ui.get('error')}{waiting}{failed}")
if "Referral accepted" not in (ui.get("outcome_message") or ""):
	problems.append("the cashier was not told the referral outcome")
if not (ui.get("live_check") or "").startswith("Valid code"):
	problems.append("no live check of the typed code")
if auto and not (ui.get("coupons_on_sale") == 1 and (ui.get("sale_total") or 1e9) < fixture["price"]):
	problems.append(f"coupon not applied automatically: {ui.get('coupons_on_sale')} coupons, total {ui.get('sale_total')}")
if points:
	sale = server.get("sale") or {}
	if f"{fixture['points']} loyalty points" not in (ui.get("chip") or ""):
		problems.append(f"the till did not show the welcome points: {ui.get('chip')}")
	if not (server.get("referral") or {}).get("referee_points_entry"):
		problems.append("no welcome points entry on the referral")
	if (sale.get("redeem_loyalty_points"), sale.get("loyalty_points")) != (1, fixture["points"]):
		problems.append(f"the first sale did not redeem the welcome points: {sale}")
	if server.get("points_left") != 0:
		problems.append(f"points left after the sale: {server.get('points_left')}")
elif not auto and not (ui.get("coupons_on_sale") == 0 and ui.get("sale_total") == fixture["price"]):
	problems.append(f"a coupon was fetched with auto-fetch off: {ui.get('coupons_on_sale')} coupons, total {ui.get('sale_total')}")
referral = (server or {}).get("referral") or {}
if referral.get("status") != "Qualified" or not referral.get("qualifying_invoice"):
	problems.append(f"referral not qualified by the sale: {referral}")
if auto and server.get("referee_coupon_used") != 1:
	problems.append("the referee's coupon was not redeemed on the sale")
if not auto and not points and server.get("referee_coupon_used") != 0:
	problems.append("the referee's coupon was used although not fetched")
print("PASS" if not problems else "FAIL " + "; ".join(problems))
PY
)
	echo "browser $scenario: $verdict"
	if [[ "$verdict" == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# "Find referrer": the cashier finds the friend by name in the new-customer dialog and picks them;
# the code is filled and checked live, and the customer is enrolled with that code.
fixture=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.browser_fixture.prepare_find_referrer" |
	tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))')
node "$REPO_DIR/browser-tests/find_referrer.mjs" "$BASE" "$fixture" "$OUT" >"$OUT/find-referrer.out" 2>&1
result=$(grep "^RESULT " "$OUT/find-referrer.out" | tail -1 | cut -c8-)
name=$(echo "${result:-{\}}" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("customer_name",""))')
server=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.browser_fixture.outcome --kwargs '{\"customer_name\": \"$name\"}'" | tail -1)
verdict=$(RESULT="$result" SERVER="$server" FIXTURE="$fixture" python3 - <<'PY'
import json, os
problems = []
try:
	ui = json.loads(os.environ["RESULT"] or "{}")
	server = json.loads(json.loads(os.environ["SERVER"] or '""') or "{}")
	fixture = json.loads(os.environ["FIXTURE"])
except Exception as e:
	print(f"FAIL could not read results: {e}")
	raise SystemExit
if not ui.get("ok"):
	problems.append(f"browser flow failed: {ui.get('error')}")
if ui.get("code_before"):
	problems.append(f"the Referral Code field was not empty before the search: {ui.get('code_before')!r}")
shown = ui.get("results") or []
if len(shown) != 1 or fixture["label"] not in shown[0] or fixture["code"] not in shown[0]:
	problems.append(f"the search did not show the one referrer as {fixture['label']} with the code: {shown}")
if shown and fixture["hint"] not in shown[0]:
	problems.append(f"the search did not show the last two digits of the mobile: {shown}")
leaked = [word for word in ("Brightwater", fixture["referrer"]) if word in " ".join(shown)]
if leaked:
	problems.append(f"the search showed more than a first name and an initial: {leaked}")
if ui.get("code_filled") != fixture["code"]:
	problems.append(f"the picked code was not filled in: {ui.get('code_filled')!r}")
if not (ui.get("live_check") or "").startswith(f"Valid code from {fixture['first_name']}"):
	problems.append(f"the live check did not accept the filled code: {ui.get('live_check')!r}")
if "Referral accepted" not in (ui.get("outcome_message") or ""):
	problems.append("the cashier was not told the referral outcome")
referral = (server or {}).get("referral") or {}
if referral.get("referral_code") != fixture["code_name"] or referral.get("referrer") != fixture["referrer"]:
	problems.append(f"the customer was not enrolled with the found code: {referral}")
if referral.get("status") not in ("Pending", "Qualified"):
	problems.append(f"the referral was not accepted: {referral}")
from urllib.parse import unquote
own, message, link = ui.get("own_code") or "", ui.get("share_message") or "", ui.get("share_link") or ""
if not own or own not in message or server.get("customer") not in (ui.get("card_title") or ""):
	problems.append(f"the new customer's card did not offer their message with their code: {ui.get('card_title')!r} {message!r}")
if not link.startswith("https://wa.me/?text=") or unquote(link.split("text=", 1)[-1]) != message or not ui.get("share_qr"):
	problems.append(f"the card's WhatsApp link or QR does not carry the message: {link!r}")
print("PASS" if not problems else "FAIL " + "; ".join(problems))
PY
)
echo "browser find-referrer: $verdict"
if [[ "$verdict" == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

desk=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.browser_fixture.desk_fixture" | tail -1 |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))')
node "$REPO_DIR/browser-tests/desk_screens.mjs" "$BASE" "$desk" "$OUT" >"$OUT/desk.out" 2>&1
desk_verdict=$(RESULT="$(grep "^RESULT " "$OUT/desk.out" | tail -1 | cut -c8-)" python3 - <<'PY'
import json, os
try:
	r = json.loads(os.environ["RESULT"])
except Exception:
	print("FAIL no result")
	raise SystemExit
bad = ["%s lacks %s" % (p["label"], p["missing"]) for p in r.get("pages", []) if p["missing"]]
print("PASS" if r.get("ok") and not bad else "FAIL " + "; ".join(bad or [r.get("error", "")]))
PY
)
echo "browser desk pages: $desk_verdict"
if [[ "$desk_verdict" == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The review queue: a Sales Manager approves one held referral and rejects another in the Desk;
# the decisions are then read back from the server.
review=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.review_fixture.prepare" | tail -1 |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))')
node "$REPO_DIR/browser-tests/review_queue.mjs" "$BASE" "$review" "$OUT" >"$OUT/review.out" 2>&1
names=$(REVIEW="$review" python3 -c 'import json,os; r=json.loads(os.environ["REVIEW"]); print(json.dumps(json.dumps([r["approve"], r["reject"]])))')
review_server=$(as_bench "bench --site $TEST_SITE execute referral_loyalty.tests.review_fixture.outcome --kwargs '{\"names\": $names}'" | tail -1)
review_verdict=$(RESULT="$(grep "^RESULT " "$OUT/review.out" | tail -1 | cut -c8-)" SERVER="$review_server" REVIEW="$review" python3 - <<'PY'
import json, os
try:
	ui = json.loads(os.environ["RESULT"] or "{}")
	server = json.loads(json.loads(os.environ["SERVER"] or '""') or "{}")
	fixture = json.loads(os.environ["REVIEW"])
except Exception as e:
	print(f"FAIL could not read results: {e}")
	raise SystemExit
problems = [] if ui.get("ok") else [f"browser flow failed: {ui.get('error')}"]
approved, rejected = server.get(fixture["approve"]) or {}, server.get(fixture["reject"]) or {}
if (approved.get("status"), approved.get("decided_by")) != ("Qualified", fixture["user"]) or not approved.get("referrer_coupon"):
	problems.append(f"the approved referral was not credited by the manager's decision: {approved}")
if (rejected.get("status"), rejected.get("reason"), rejected.get("decision_note")) != ("Rejected", "MANUALLY_REJECTED", "Same household as the referrer"):
	problems.append(f"the rejected referral does not record the decision: {rejected}")
print("PASS" if not problems else "FAIL " + "; ".join(problems))
PY
)
echo "browser review queue: $review_verdict"
if [[ "$review_verdict" == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
ls "$OUT"/*.png 2>/dev/null | sed 's#^#  screenshot: #'
echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
