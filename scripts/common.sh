# Shared by scripts/*.sh: where the bench is, who owns it, and how to run bench as that user.
# RL_BENCH_DIR puts the bench elsewhere (e.g. a second bench beside the usual one).
BENCH_DIR=${RL_BENCH_DIR:-/home/frappe/frappe-bench}
BENCH_USER=frappe
TEST_SITE=test_referral.localhost
DEV_SITE=referral.localhost
APP=referral_loyalty
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_PATH="/home/$BENCH_USER/.local/bin:/home/$BENCH_USER/bench-cli/bin:/usr/local/bin:/usr/bin:/bin"

# Variables a network may need (certificates, proxies) that bench, pip, uv, git and yarn read:
# kept when bench runs as its own user under a clean environment.
PASS_ENV="SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE PIP_CERT NODE_EXTRA_CA_CERTS
GIT_SSL_CAINFO UV_NATIVE_TLS UV_INDEX_URL PIP_INDEX_URL PIP_EXTRA_INDEX_URL http_proxy https_proxy
no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY ELECTRON_SKIP_BINARY_DOWNLOAD"

as_bench() {
	# Run a shell command as the bench user, inside the bench folder (bench refuses root).
	if [ "$(id -un)" = "$BENCH_USER" ]; then
		(cd "$BENCH_DIR" && env PATH="$BENCH_PATH" CI=1 bash -c "$1")
	else
		local keep=() var
		for var in $PASS_ENV; do
			[ -n "${!var:-}" ] && keep+=("$var=${!var}")
		done
		runuser -u "$BENCH_USER" -- env -i HOME="/home/$BENCH_USER" PATH="$BENCH_PATH" CI=1 LANG=C.UTF-8 \
			"${keep[@]}" bash -c "cd '$BENCH_DIR' && $1"
	fi
}

start_mariadb() {
	# systemd where it runs (Debian's config relies on it for user=mysql), else as the mysql user.
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		systemctl start mariadb
	else
		# the socket's folder lives in /run, which systemd or the init script would make
		install -d -o mysql -g mysql -m 755 /run/mysqld
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
	fi
	for _ in $(seq 60); do mysqladmin -h127.0.0.1 -uroot ping >/dev/null 2>&1 && return 0; sleep 1; done
	return 1
}

stop_mariadb() {
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		systemctl stop mariadb
	else
		mysqladmin -uroot shutdown 2>/dev/null || mysqladmin -h127.0.0.1 -uroot shutdown 2>/dev/null || true
		for _ in $(seq 30); do pgrep -x mariadbd >/dev/null || return 0; sleep 1; done
	fi
}

ensure_services() {
	# MariaDB and Redis on 127.0.0.1, started here when they do not answer.
	if ! mysqladmin -h127.0.0.1 -uroot ping >/dev/null 2>&1; then
		echo "MariaDB does not answer; starting it"
		start_mariadb || true
	fi
	mysqladmin -h127.0.0.1 -uroot ping >/dev/null 2>&1 || { echo "ERROR: MariaDB did not start"; return 1; }
	if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
		echo "Redis does not answer; starting it"
		mkdir -p /var/lib/redis /var/log/redis
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ci.log
		for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
	fi
	redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "ERROR: Redis did not start"; return 1; }
}

# Frappe keeps a few cache keys for the whole bench rather than per site: assets_json, the hashed
# names of the built asset files, is one. Two benches on one Redis database would serve each
# other's file names (the Desk's scripts then answer 404 and the page never starts), so each bench
# on this machine keeps its cache and queues in a Redis database (0-15 on 127.0.0.1:6379) of its own.
redis_db_of() { # common_site_config.json: "127.0.0.1:6379/<n>" for its redis_cache, or nothing
	python3 - "$1" <<'PY' 2>/dev/null
import json, sys
from urllib.parse import urlparse
url = urlparse(json.load(open(sys.argv[1])).get("redis_cache") or "")
if url.hostname:
	print(f"{url.hostname}:{url.port or 6379}/{url.path.strip('/') or 0}")
PY
	return 0
}

ensure_own_redis_db() {
	local conf="$BENCH_DIR/sites/common_site_config.json" mine other used=" " n
	mine=$(redis_db_of "$conf")
	for other in /home/"$BENCH_USER"/*/sites/common_site_config.json; do
		[ "$other" -ef "$conf" ] || used+="$(redis_db_of "$other") "
	done
	if [[ "$mine" == 127.0.0.1:6379/* ]] && [[ "$used" != *" $mine "* ]]; then
		return 0
	fi
	for n in $(seq 0 16); do
		[[ "$used" == *" 127.0.0.1:6379/$n "* ]] || break
	done
	if [ "$n" -gt 15 ]; then
		echo "ERROR: every Redis database on 127.0.0.1:6379 is taken by another bench" >&2
		return 1
	fi
	local key
	for key in redis_cache redis_queue redis_socketio; do
		as_bench "bench set-config -g $key redis://127.0.0.1:6379/$n >/dev/null" || return 1
	done
	redis-cli -h 127.0.0.1 -p 6379 -n "$n" del assets_json >/dev/null 2>&1
	echo "this bench now keeps its cache and queues in Redis database $n${mine:+ ($mine was shared with another bench)}"
}

link_checkout() {
	# Put this checkout into the bench as apps/referral_loyalty (a copy owned by the bench user,
	# so a checkout the bench user cannot read still works) and make it importable.
	local dest="$BENCH_DIR/apps/$APP"
	if [ "$(readlink -f "$REPO_DIR")" != "$(readlink -f "$dest")" ]; then
		[ -L "$dest" ] && rm -f "$dest"
		mkdir -p "$dest"
		rsync -a --delete --exclude .git --exclude artifacts --exclude '__pycache__' --exclude '*.egg-info' \
			"$REPO_DIR/" "$dest/"
		chown -R "$BENCH_USER:$BENCH_USER" "$dest"
	fi
	grep -qx "$APP" "$BENCH_DIR/sites/apps.txt" || { sed -i -e '$a\' "$BENCH_DIR/sites/apps.txt"; echo "$APP" >>"$BENCH_DIR/sites/apps.txt"; }
	# (re)install editable every time: the path pip records must be this bench's apps/ folder
	as_bench "env/bin/python -m pip install -q -e apps/$APP --no-deps"
	as_bench "env/bin/python -c 'import hypothesis, pytest, freezegun' 2>/dev/null || env/bin/python -m pip install -q 'hypothesis>=6.100' 'pytest>=8' 'freezegun>=1.2'"
}

ensure_db_admin() {
	# A MariaDB account bench can use to create sites (root here has no password and TCP logins
	# would make bench prompt for one).
	mysql -uroot -e "CREATE USER IF NOT EXISTS 'bench_admin'@'localhost' IDENTIFIED BY 'bench_admin';
		CREATE USER IF NOT EXISTS 'bench_admin'@'127.0.0.1' IDENTIFIED BY 'bench_admin';
		GRANT ALL PRIVILEGES ON *.* TO 'bench_admin'@'localhost' WITH GRANT OPTION;
		GRANT ALL PRIVILEGES ON *.* TO 'bench_admin'@'127.0.0.1' WITH GRANT OPTION;" 2>/dev/null || true
}
DB_ADMIN_ARGS="--db-root-username bench_admin --db-root-password bench_admin"

# The sites the checks make are dropped with their database, and their folder is kept only until
# the next drop (bench drop-site would otherwise pile up copies in archived/sites).
DROPPED_SITES="$BENCH_DIR/archived/rl-dropped-sites"

drop_site() {
	# site: gone from the bench and from MariaDB, whatever state an earlier run left it in.
	local site=${1:?a site name}
	[ -d "$BENCH_DIR/sites/$site" ] || return 0
	rm -rf "${DROPPED_SITES:?}/$site"
	as_bench "mkdir -p '$DROPPED_SITES' && bench drop-site $site --force --no-backup $DB_ADMIN_ARGS --archived-sites-path '$DROPPED_SITES' >/dev/null 2>&1" ||
		true
	# a site left half-made (no database yet) is refused by drop-site: its folder goes by hand,
	# and new_site's --force replaces a database of the same name
	rm -rf "${BENCH_DIR:?}/sites/$site"
}

new_site() {
	# site [app...]: a brand-new site with erpnext, posawesome and the apps given, test-ready.
	local site=${1:?a site name} apps="--install-app erpnext --install-app posawesome" app
	shift
	for app in "$@"; do apps="$apps --install-app $app"; done
	ensure_db_admin
	drop_site "$site"
	as_bench "bench new-site $site --force --admin-password admin $DB_ADMIN_ARGS $apps" &&
		as_bench "bench --site $site set-config allow_tests true >/dev/null"
}

ensure_browser() {
	# What the browser checks and the workspace benchmark need, installed the first time: Debian's
	# chromium (apt, without the desktop packages it recommends) unless CHROMIUM names a browser
	# binary already there, and playwright-core (npm, into browser-tests/node_modules). On failure
	# it returns 1 with the reason in BROWSER_MISSING.
	BROWSER_MISSING=""
	if [ -n "${CHROMIUM:-}" ]; then
		[ -x "$CHROMIUM" ] || { BROWSER_MISSING="CHROMIUM=$CHROMIUM is not an executable"; return 1; }
	elif ! command -v chromium >/dev/null 2>&1; then
		echo "installing Debian's chromium (apt)" >&2
		local apt_log
		apt_log=$(mktemp)
		if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
				chromium fonts-liberation; } >"$apt_log" 2>&1; then
			tail -20 "$apt_log" >&2
			BROWSER_MISSING="chromium could not be installed; apt's messages above"
			return 1
		fi
		rm -f "$apt_log"
	fi
	if [ ! -d "$REPO_DIR/browser-tests/node_modules/playwright-core" ]; then
		(cd "$REPO_DIR/browser-tests" && npm install --no-audit --no-fund --silent) >&2 ||
			{ BROWSER_MISSING="playwright-core could not be installed"; return 1; }
	fi
}
