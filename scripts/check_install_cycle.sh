#!/usr/bin/env bash
# install-app then uninstall-app on a scratch site with erpnext + posawesome: the site must be
# exactly as it was (custom fields, property setters, indexes, columns, DocTypes, tables).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SITE=rl_install_cycle.localhost
OUT="$REPO_DIR/artifacts"
mkdir -p "$OUT"

if [ ! -d "$BENCH_DIR/sites/$SITE" ]; then
	ensure_db_admin
	as_bench "bench new-site $SITE --admin-password admin $DB_ADMIN_ARGS --install-app erpnext --install-app posawesome >/dev/null" ||
		{ echo "install cycle: 0 passed, 1 failed (could not create $SITE)"; exit 1; }
fi
if as_bench "bench --site $SITE list-apps" | grep -q "^$APP"; then
	as_bench "bench --site $SITE uninstall-app $APP --yes --no-backup --force >/dev/null"
fi
# The snapshot code is imported directly: `bench execute` refuses modules of apps not installed on the site.
snap() {
	as_bench "cd sites && ../env/bin/python -c \"import frappe; frappe.init(site='$SITE', sites_path='.'); frappe.connect(); from referral_loyalty.tests.site_snapshot import snapshot; print('SNAPSHOT ' + snapshot())\"" |
		grep '^SNAPSHOT ' | cut -c10- | python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), indent=1, sort_keys=True))'
}
snap >"$OUT/site-before-install.json" || { echo "install cycle: 0 passed, 1 failed (no snapshot before install)"; exit 1; }
as_bench "bench --site $SITE install-app $APP >/dev/null" || { echo "install cycle: 0 passed, 1 failed (install-app)"; exit 1; }
snap >"$OUT/site-installed.json" || { echo "install cycle: 0 passed, 1 failed (no snapshot after install)"; exit 1; }
as_bench "bench --site $SITE uninstall-app $APP --yes --no-backup >/dev/null" || { echo "install cycle: 0 passed, 1 failed (uninstall-app)"; exit 1; }
snap >"$OUT/site-after-uninstall.json" || { echo "install cycle: 0 passed, 1 failed (no snapshot after uninstall)"; exit 1; }

if cmp -s "$OUT/site-installed.json" "$OUT/site-before-install.json"; then
	echo "install cycle: install-app changed nothing, so the check proves nothing"; echo "install cycle: 0 passed, 1 failed"; exit 1
fi
if diff -u "$OUT/site-before-install.json" "$OUT/site-after-uninstall.json"; then
	echo "install cycle: 1 passed, 0 failed (uninstall-app left the site as it was)"
else
	echo "install cycle: 0 passed, 1 failed (see the diff above)"; exit 1
fi
