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

if [ ! -x "$BENCH_DIR/env/bin/python" ]; then
	echo "== system packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq git curl cron rsync bc pkg-config build-essential python3-dev python3-venv \
		mariadb-server mariadb-client redis-server nodejs npm libffi-dev libssl-dev >/dev/null
	npm ls -g yarn >/dev/null 2>&1 || npm install -g yarn@1
fi

echo "== MariaDB (utf8mb4 / utf8mb4_unicode_ci) and Redis"
if [ "$(mysql -uroot -N -e "select @@collation_server" 2>/dev/null || true)" != "utf8mb4_unicode_ci" ]; then
	conf=/etc/mysql/my.cnf
	[ -d /etc/mysql/mariadb.conf.d ] && conf=/etc/mysql/mariadb.conf.d/99-frappe.cnf
	grep -q "utf8mb4_unicode_ci" "$conf" 2>/dev/null || printf '\n[mysqld]\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_unicode_ci\n\n[mysql]\ndefault-character-set = utf8mb4\n' >>"$conf"
	mysqladmin -uroot shutdown 2>/dev/null || true
	sleep 2
fi
ensure_services
ensure_db_admin

id "$BENCH_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BENCH_USER"
chmod o+rx "/home/$BENCH_USER"

if [ ! -x "/home/$BENCH_USER/bench-cli/bin/bench" ]; then
	echo "== bench CLI"
	runuser -u "$BENCH_USER" -- bash -c "python3 -m venv ~/bench-cli && ~/bench-cli/bin/pip install -q frappe-bench"
fi

if [ ! -x "$BENCH_DIR/env/bin/python" ]; then
	echo "== bench init ($FRAPPE_REPO $FRAPPE_BRANCH)"
	runuser -u "$BENCH_USER" -- env HOME="/home/$BENCH_USER" PATH="$BENCH_PATH" bash -c \
		"cd /home/$BENCH_USER && bench init --frappe-path '$FRAPPE_REPO' --frappe-branch '$FRAPPE_BRANCH' --skip-redis-config-generation --no-procfile '$BENCH_DIR'"
fi
for key in redis_cache redis_queue redis_socketio; do
	as_bench "bench set-config -g $key redis://127.0.0.1:6379 >/dev/null"
done
as_bench "bench set-config -g db_host 127.0.0.1 >/dev/null"

[ -d "$BENCH_DIR/apps/erpnext" ] || as_bench "bench get-app --skip-assets --branch '$ERPNEXT_BRANCH' erpnext '$ERPNEXT_REPO'"
[ -d "$BENCH_DIR/apps/posawesome" ] ||
	as_bench "ELECTRON_SKIP_BINARY_DOWNLOAD=1 bench get-app --skip-assets --branch '$POSAWESOME_BRANCH' posawesome '$POSAWESOME_REPO'"

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
