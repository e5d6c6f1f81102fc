#!/usr/bin/env bash
# install-app then uninstall-app on a brand-new scratch site with erpnext + posawesome: the site must
# be exactly as it was (the whole database schema, every column and index of every table, and the
# app's records: custom fields, property setters, DocTypes, reports, ...). Then a deliberate
# leftover is planted on the site to prove the comparison catches one.
#
#   check_install_cycle.sh            drop and recreate the scratch site, then run the check
#   check_install_cycle.sh --prepare  only drop and recreate it (scripts/test.sh does this while
#                                     the site tests run); the next check uses that site once
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SITE=rl_install_cycle.localhost
OUT="$REPO_DIR/artifacts"
# written once the new site is complete, removed when a check starts on it: a site is checked once
FRESH="$BENCH_DIR/sites/$SITE/rl-fresh-site"
mkdir -p "$OUT"
verdict() { echo "install cycle: $1"; }

db_name() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["db_name"])' "$BENCH_DIR/sites/$SITE/site_config.json" 2>/dev/null; }

prepare() {
	echo "creating the scratch site $SITE (erpnext, posawesome)"
	new_site "$SITE" || return 1
	db_name >"$FRESH"
}

if [ "${1:-}" = "--prepare" ]; then
	prepare
	exit
fi

if [ ! -s "$FRESH" ] || [ "$(cat "$FRESH")" != "$(db_name)" ]; then
	prepare >"$OUT/install-cycle-site.log" 2>&1 || { verdict "0 passed, 1 failed (could not create $SITE, see artifacts/install-cycle-site.log)"; exit 1; }
fi
rm -f "$FRESH"
if as_bench "bench --site $SITE list-apps" | grep -q "^$APP"; then
	verdict "0 passed, 1 failed ($APP is already on the new site $SITE)"; exit 1
fi

# Python run with the scratch site connected; the site's module is imported directly (`bench
# execute` refuses modules of apps not installed on the site).
on_site() { # python code (stdin), args...
	as_bench "cd sites && ../env/bin/python - $SITE $*"
}
snap() {
	on_site <<'PY' | grep '^SNAPSHOT ' | cut -c10- | python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), indent=1, sort_keys=True))'
import sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from referral_loyalty.tests.site_snapshot import snapshot
print("SNAPSHOT " + snapshot())
PY
}
snap >"$OUT/site-before-install.json" || { verdict "0 passed, 1 failed (no snapshot before install)"; exit 1; }
as_bench "bench --site $SITE install-app $APP >/dev/null" || { verdict "0 passed, 1 failed (install-app)"; exit 1; }
snap >"$OUT/site-installed.json" || { verdict "0 passed, 1 failed (no snapshot after install)"; exit 1; }
as_bench "bench --site $SITE uninstall-app $APP --yes --no-backup >/dev/null" || { verdict "0 passed, 1 failed (uninstall-app)"; exit 1; }
snap >"$OUT/site-after-uninstall.json" || { verdict "0 passed, 1 failed (no snapshot after uninstall)"; exit 1; }

if cmp -s "$OUT/site-installed.json" "$OUT/site-before-install.json"; then
	echo "install-app changed nothing, so the check proves nothing"; verdict "0 passed, 1 failed"; exit 1
fi
if ! diff -u "$OUT/site-before-install.json" "$OUT/site-after-uninstall.json"; then
	verdict "0 passed, 1 failed (uninstall-app left the differences above)"; exit 1
fi
echo "uninstall-app left the site as it was"

# The comparison must see a leftover: an index, a column and a property setter planted on the
# site by hand, then removed again.
probe() { # add|remove
	on_site "$1" <<'PY'
import sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
if sys.argv[2] == "add":
	frappe.db.sql_ddl(
		"ALTER TABLE `tabCustomer` ADD COLUMN `rl_probe_leftover_col` int(11) NOT NULL DEFAULT 0,"
		" ADD INDEX `rl_probe_leftover` (`customer_name`)"
	)
	frappe.make_property_setter(
		{"doctype": "Customer", "fieldname": "customer_name", "property": "bold", "value": "1", "property_type": "Check"},
		validate_fields_for_doctype=False,
	)
else:
	frappe.db.sql_ddl("ALTER TABLE `tabCustomer` DROP INDEX `rl_probe_leftover`, DROP COLUMN `rl_probe_leftover_col`")
	frappe.db.delete("Property Setter", {"doc_type": "Customer", "field_name": "customer_name", "property": "bold"})
frappe.db.commit()
PY
}
probe add || { verdict "0 passed, 1 failed (could not plant the leftover probe)"; exit 1; }
snap >"$OUT/site-with-leftover.json"
diff -u "$OUT/site-before-install.json" "$OUT/site-with-leftover.json" >"$OUT/site-leftover.diff"
missed=()
grep -q '^+.*"rl_probe_leftover(customer_name)"' "$OUT/site-leftover.diff" || missed+=("index")
grep -q '^+.*"rl_probe_leftover_col int' "$OUT/site-leftover.diff" || missed+=("column")
grep -q '^+.*"Customer-customer_name-bold=1"' "$OUT/site-leftover.diff" || missed+=("property setter")
probe remove && snap >"$OUT/site-probe-removed.json" && cmp -s "$OUT/site-before-install.json" "$OUT/site-probe-removed.json" ||
	{ verdict "0 passed, 1 failed (could not remove the leftover probe)"; exit 1; }
if [ "${#missed[@]}" -gt 0 ]; then
	cat "$OUT/site-leftover.diff"
	verdict "0 passed, 1 failed (the comparison did not see the planted leftover ${missed[*]})"; exit 1
fi
echo "the comparison sees a planted leftover index, column and property setter (artifacts/site-leftover.diff)"
verdict "1 passed, 0 failed (uninstall-app left the new site $SITE as it was)"
