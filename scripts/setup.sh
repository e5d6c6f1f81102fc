#!/usr/bin/env bash
# Set up and run: a bench with frappe, erpnext and posawesome (version-15 lines) at the fixed place
# scripts/common.sh names, a site with this app and a demo shop, then the bench started.
# An existing bench there is reused. Run as root on Debian/Ubuntu (it installs system packages
# and creates the bench user); pass --no-start to stop after set-up.
#
# Sources (bench's usual overrides): FRAPPE_REPO, FRAPPE_BRANCH, ERPNEXT_REPO, ERPNEXT_BRANCH,
# POSAWESOME_REPO, POSAWESOME_BRANCH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FRAPPE_REPO=${FRAPPE_REPO:-https://github.com/frappe/frappe}
FRAPPE_BRANCH=${FRAPPE_BRANCH:-version-15}
ERPNEXT_REPO=${ERPNEXT_REPO:-https://github.com/frappe/erpnext}
ERPNEXT_BRANCH=${ERPNEXT_BRANCH:-version-15}
POSAWESOME_REPO=${POSAWESOME_REPO:-https://github.com/defendicon/POS-Awesome-V15}
POSAWESOME_BRANCH=${POSAWESOME_BRANCH:-develop}
START=1
[ "${1:-}" = "--no-start" ] && START=0

if [ "$(id -u)" -ne 0 ]; then
	echo "Run as root: it installs packages, configures MariaDB and creates the '$BENCH_USER' user." >&2
	exit 1
fi

echo "== system packages"
# Only what is missing: a machine with NodeSource's nodejs (which ships npm) must not be asked to
# install Debian's npm beside it. apt's own output is shown when it fails.
need=()
for cmd_pkg in git:git curl:curl cron:cron rsync:rsync bc:bc pkg-config:pkg-config gcc:build-essential \
	mysql:mariadb-client mariadbd:mariadb-server redis-server:redis-server node:nodejs npm:npm; do
	cmd=${cmd_pkg%%:*}
	pkg=${cmd_pkg#*:}
	command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
for pkg in python3-dev python3-venv libffi-dev libssl-dev; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
	echo "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_log=$(mktemp)
	# (a new machine may still be running its first unattended upgrade: wait for dpkg's lock)
	if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}"; } >"$apt_log" 2>&1; then
		cat "$apt_log" >&2
		echo "ERROR: apt-get could not install: ${need[*]} (apt's messages above)" >&2
		exit 1
	fi
	rm -f "$apt_log"
fi

# Frappe 15 builds its assets with Node.js 18 or newer: say so before anything is built.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
	echo "ERROR: Frappe 15 needs Node.js 18 or newer; this machine has $(node --version 2>/dev/null || echo none)." >&2
	echo "Install a newer one first (NodeSource's packages, or nvm: 'nvm install 20'), then run this again." >&2
	exit 1
fi
yarn_version=$(yarn --version 2>/dev/null || true)
if [ "${yarn_version%%.*}" != "1" ]; then
	npm install -g yarn@1 || { echo "ERROR: could not install yarn 1.x with npm" >&2; exit 1; }
fi

echo "== MariaDB (utf8mb4 / utf8mb4_unicode_ci) and Redis"
ensure_services
if [ "$(mysql -uroot -N -e "select @@collation_server" 2>/dev/null || true)" != "utf8mb4_unicode_ci" ]; then
	conf=/etc/mysql/my.cnf
	[ -d /etc/mysql/mariadb.conf.d ] && conf=/etc/mysql/mariadb.conf.d/99-frappe.cnf
	grep -q "utf8mb4_unicode_ci" "$conf" 2>/dev/null || printf '\n[mysqld]\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_unicode_ci\n\n[mysql]\ndefault-character-set = utf8mb4\n' >>"$conf"
	echo "restarting MariaDB with the new collation"
	stop_mariadb
	start_mariadb || { echo "ERROR: MariaDB did not come back after the restart" >&2; exit 1; }
fi
ensure_services
ensure_db_admin

id "$BENCH_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BENCH_USER"
chmod o+rx "/home/$BENCH_USER"

if ! runuser -u "$BENCH_USER" -- "/home/$BENCH_USER/bench-cli/bin/bench" --version >/dev/null 2>&1; then
	echo "== bench CLI"
	rm -rf "/home/$BENCH_USER/bench-cli"
	runuser -u "$BENCH_USER" -- bash -c "python3 -m venv ~/bench-cli && ~/bench-cli/bin/pip install -q frappe-bench"
fi

# A step is done when what it produces is there, not when its folder exists: a failed run leaves
# env/bin/python or apps/<app> behind, and those are redone.
app_ready() { # app: importable from the bench's env and listed in sites/apps.txt
	[ -x "$BENCH_DIR/env/bin/python" ] && grep -qx "$1" "$BENCH_DIR/sites/apps.txt" 2>/dev/null &&
		as_bench "env/bin/python -c 'import $1' >/dev/null 2>&1"
}
if ! app_ready frappe; then
	if [ -d "$BENCH_DIR" ]; then
		if compgen -G "$BENCH_DIR/sites/*/site_config.json" >/dev/null; then
			echo "ERROR: $BENCH_DIR has sites but frappe does not import there; repair or move it, then run this again." >&2
			exit 1
		fi
		echo "== removing the half-built bench at $BENCH_DIR"
		rm -rf "$BENCH_DIR"
	fi
	echo "== bench init ($FRAPPE_REPO $FRAPPE_BRANCH)"
	as_bench_home() { runuser -u "$BENCH_USER" -- env -i HOME="/home/$BENCH_USER" PATH="$BENCH_PATH" LANG=C.UTF-8 bash -c "cd /home/$BENCH_USER && $1"; }
	as_bench_home "bench init --frappe-path '$FRAPPE_REPO' --frappe-branch '$FRAPPE_BRANCH' --skip-redis-config-generation --no-procfile '$BENCH_DIR'" ||
		{ echo "ERROR: bench init failed (see above); run this again once the cause is fixed" >&2; exit 1; }
	app_ready frappe || { echo "ERROR: bench init finished but frappe does not import" >&2; exit 1; }
fi
ensure_own_redis_db
as_bench "bench set-config -g db_host 127.0.0.1 >/dev/null"

get_app() { # app branch repo
	app_ready "$1" && return 0
	if [ -e "$BENCH_DIR/apps/$1" ]; then
		echo "== removing the half-fetched apps/$1"
		rm -rf "$BENCH_DIR/apps/$1"
		sed -i "/^$1\$/d" "$BENCH_DIR/sites/apps.txt"
	fi
	as_bench "ELECTRON_SKIP_BINARY_DOWNLOAD=1 bench get-app --skip-assets --branch '$2' $1 '$3'" ||
		{ echo "ERROR: bench get-app $1 failed (see above)" >&2; exit 1; }
	app_ready "$1" || { echo "ERROR: $1 was fetched but does not import" >&2; exit 1; }
}
get_app erpnext "$ERPNEXT_BRANCH" "$ERPNEXT_REPO"
get_app posawesome "$POSAWESOME_BRANCH" "$POSAWESOME_REPO"

echo "== this app"
link_checkout

if [ ! -d "$BENCH_DIR/sites/$DEV_SITE" ]; then
	echo "== site $DEV_SITE"
	as_bench "bench new-site $DEV_SITE --admin-password admin $DB_ADMIN_ARGS --install-app erpnext --install-app posawesome --install-app $APP"
else
	as_bench "bench --site $DEV_SITE list-apps" | grep -q "^$APP" || as_bench "bench --site $DEV_SITE install-app $APP"
	as_bench "bench --site $DEV_SITE migrate --skip-search-index"
fi
as_bench "bench use $DEV_SITE"
as_bench "bench --site $DEV_SITE execute referral_loyalty.demo.setup_demo"
[ -f "$BENCH_DIR/sites/assets/posawesome/dist/js/posawesome.js" ] || ls "$BENCH_DIR/sites/assets/posawesome/dist" >/dev/null 2>&1 ||
	as_bench "ELECTRON_SKIP_BINARY_DOWNLOAD=1 bench build --app erpnext && bench build --app posawesome"

cat >"$BENCH_DIR/Procfile" <<PROCFILE
web: bench serve --port 8000
socketio: node apps/frappe/socketio.js
worker: bench worker 1>> logs/worker.log 2>> logs/worker.error.log
schedule: bench schedule
PROCFILE
chown "$BENCH_USER:$BENCH_USER" "$BENCH_DIR/Procfile"

echo
echo "Ready: http://$DEV_SITE:8000 (add '127.0.0.1 $DEV_SITE' to /etc/hosts), user Administrator / admin."
echo "The POS is at /app/posapp (profile 'Demo Till'); referral periods at /app/referral-period."
if [ "$START" -eq 1 ]; then
	as_bench "bench start"
fi
