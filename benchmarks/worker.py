"""In-process measures on one benchmark site: a long-lived process connected to the site that reads
one JSON command a line on stdin and answers one JSON line on stdout. table.py runs one per site
and alternates its commands between the two, so both sites are measured under the same load.

	env/bin/python apps/referral_loyalty/benchmarks/worker.py --site rl_bench.localhost
	env/bin/python apps/referral_loyalty/benchmarks/worker.py --site rl_bench.localhost --profile create_customer

Each measured call is counted with shop.QueryCounter (every statement through frappe.db.sql,
the commit included) and timed with perf_counter; whitelisted methods are resolved through
``override_whitelisted_methods`` exactly as frappe.handler does for an HTTP call.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections import deque
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import plans
import shop

CREATE_CUSTOMER = "posawesome.posawesome.api.customers.create_customer"
GIFT_COUPONS = "posawesome.posawesome.api.offers.get_active_gift_coupons"

_queue: dict[str, deque] = {"plain": deque(), "referee": deque()}
_seq = {"n": 0}


def _frappe():
	import frappe

	return frappe


def resolve(cmd: str):
	"""The function an HTTP call of ``cmd`` runs (the last override wins, as in frappe.handler)."""
	frappe = _frappe()
	overrides = frappe.get_hooks("override_whitelisted_methods", {}).get(cmd, [])
	return frappe.get_attr(overrides[-1] if overrides else cmd)


def _unique(prefix: str) -> tuple[str, str]:
	frappe = _frappe()
	_seq["n"] += 1
	tag = frappe.generate_hash(length=6)
	return f"{prefix} {tag} {_seq['n']}", shop.mobile(2 if shop.is_ours() else 3, _seq["n"])


def _fresh_state() -> None:
	"""What a request starts with (``frappe.init``): the site's cache is read from Redis again, the
	new-document templates and table columns are built again, permissions are read again."""
	frappe = _frappe()
	frappe.local.message_log = []
	frappe.local.response = frappe._dict()
	frappe.local.cache = {}
	frappe.local.new_doc_templates = {}
	frappe.local.valid_columns = {}
	frappe.local.role_permissions = {}
	frappe.local.user_perms = None
	frappe.flags.rl_last_enrolment = None


# --- commands -------------------------------------------------------------------------------


def info() -> dict:
	frappe = _frappe()
	code = frappe.db.get_value("Referral Code", shop.referrer_code(), "referral_code")
	if shop.is_ours():
		from referral_loyalty.rules.codes import display

		typed = display(code)  # as printed on the referrer's card
	else:
		typed = code
	return {
		"site": frappe.local.site,
		"ours": shop.is_ours(),
		"company": shop.COMPANY,
		"referral_code": typed,
		"pos_profile_doc": shop.profile_json(),
		"customer_group": shop.leaf("Customer Group", "All Customer Groups"),
		"territory": shop.leaf("Territory", "All Territories"),
		"coupon_holder": frappe.db.get_value("Customer", {"customer_name": shop.COUPON_HOLDER}),
		"walk_in": frappe.db.get_value("Customer", {"customer_name": shop.WALK_IN}),
		"cash_account": frappe.db.get_value(
			"Mode of Payment Account", {"parent": "Cash", "company": shop.COMPANY}, "default_account"
		),
		"customers": frappe.db.count("Customer"),
		"referees_of_code": frappe.db.count("Referral", {"referral_code": shop.referrer_code()})
		if shop.is_ours()
		else frappe.db.count("POS Coupon", {"referral_code": shop.referrer_code(), "customer": ("!=", "")}),
	}


def create_customer(referral_code: str, attribute: bool = False) -> dict:
	"""POS Awesome's create_customer as the till calls it (the site's override included), then the
	commit the request ends with."""
	frappe = _frappe()
	data = info_cache()
	name, mobile = _unique("Bench Walk-in")
	args = {
		"customer_name": name,
		"company": shop.COMPANY,
		"pos_profile_doc": data["pos_profile_doc"],
		"referral_code": referral_code,
		"mobile_no": mobile,
		"customer_group": data["customer_group"],
		"territory": data["territory"],
		"customer_type": "Individual",
		"method": "create",
	}
	method = resolve(CREATE_CUSTOMER)
	_fresh_state()
	frappe.local.form_dict = frappe._dict(args)
	with shop.QueryCounter(attribute) as counter, shop.stopwatch() as clock:
		out = frappe.call(method, **args)
		# the end of the request
		frappe.db.commit()  # nosemgrep
	result = {"ms": clock["ms"], "queries": counter.count, "customer": out.get("name")}
	if attribute:
		result["from_app"] = counter.from_app
		if attribute == "all":
			result["all"] = [q for q, _ours in counter.statements]
	outcome = out.get("rl_referral_outcome")
	result["outcome"] = outcome.get("status") if outcome else None
	result["coupons"] = frappe.db.count("POS Coupon", {"customer": out.get("name")})
	return result


def get_active_gift_coupons(attribute: bool = False) -> dict:
	frappe = _frappe()
	holder = info_cache()["coupon_holder"]
	method = resolve(GIFT_COUPONS)
	_fresh_state()
	with shop.QueryCounter(attribute) as counter, shop.stopwatch() as clock:
		codes = frappe.call(method, customer=holder, company=shop.COMPANY)
	frappe.db.rollback()
	result = {"ms": clock["ms"], "queries": counter.count, "coupons": len(codes or [])}
	if attribute:
		result["from_app"] = counter.from_app
		if attribute == "all":
			result["all"] = [q for q, _ours in counter.statements]
	return result


def _draft_invoice(customer: str) -> str:
	"""A POS sale as POS Awesome saves it: a Sales Invoice with is_pos, its POS Profile and the cash
	payment; submitted later."""
	frappe = _frappe()
	from frappe.utils import today

	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": shop.COMPANY,
			"is_pos": 1,
			"pos_profile": shop.PROFILE,
			"posting_date": today(),
			"update_stock": 0,
			"currency": "USD",
			"selling_price_list": "Standard Selling",
			"items": [{"item_code": shop.ITEM, "qty": 1, "rate": shop.PRICE}],
			"payments": [{"mode_of_payment": "Cash", "amount": shop.PRICE, "default": 1}],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def new_referees(count: int, code: str, prefix: str = "Bench Referee") -> list[str]:
	"""``count`` new customers enrolled with ``code`` (a Pending referral each on our site; POS
	Awesome's two coupons each on the native one)."""
	frappe = _frappe()
	frappe.flags.rl_quiet = True
	names = []
	for _i in range(count):
		name, mobile = _unique(prefix)
		names.append(
			shop.ensure_customer(name, mobile, posa_referral_code=code, posa_referral_company=shop.COMPANY)
		)
	frappe.flags.rl_quiet = False
	return names


def prepare_sales(kind: str, count: int) -> dict:
	"""Draft invoices to submit later: ``plain`` for the walk-in customer (no referral at all),
	``referee`` for new referees of the referrer's code (on our site a Pending referral that this
	sale qualifies; on the native one a new customer who got POS Awesome's coupons)."""
	frappe = _frappe()
	if kind == "plain":
		customers = [info_cache()["walk_in"]] * count
	else:
		code = frappe.db.get_value("Referral Code", shop.referrer_code(), "referral_code")
		customers = new_referees(count, code)
	for customer in customers:
		_queue[kind].append(_draft_invoice(customer))
	# prepared outside the measure
	frappe.db.commit()  # nosemgrep
	return {"prepared": count}


def submit(kind: str, attribute: bool = False) -> dict:
	"""Submit the next prepared sale and commit (the after-commit referral work included), timing
	and counting both phases, and the time spent inside referral_loyalty's invoice hook."""
	frappe = _frappe()
	name = _queue[kind].popleft()
	doc = frappe.get_doc("Sales Invoice", name)
	_fresh_state()
	hook = _HookTimer()
	with hook:
		with shop.QueryCounter(attribute) as in_submit, shop.stopwatch() as submit_clock:
			doc.submit()
		with shop.QueryCounter(attribute) as in_commit, shop.stopwatch() as commit_clock:
			# the end of the request; after-commit work runs here
			frappe.db.commit()  # nosemgrep
	result = {
		"ms": submit_clock["ms"] + commit_clock["ms"],
		"submit_ms": submit_clock["ms"],
		"commit_ms": commit_clock["ms"],
		"queries": in_submit.count + in_commit.count,
		"submit_queries": in_submit.count,
		"commit_queries": in_commit.count,
		"hook_ms": hook.ms,
	}
	if attribute:
		result["from_app"] = in_submit.from_app
		result["from_app_after_commit"] = in_commit.from_app
		selects = [q for q in in_submit.from_app if q.lower().startswith("select")]
		result["explain"] = [_explain(q) for q in selects]
		# the same look-up for a customer who has a pending referral
		referee = frappe.db.get_value("Referral", {"status": "Pending"}, "referee")
		result["explain_hit"] = [
			_explain(re.sub(r"`referee`='[^']*'", f"`referee`={frappe.db.escape(referee)}", q))
			for q in selects
			if referee and "`referee`=" in q
		]
	if kind == "referee" and shop.is_ours():
		result["status"] = frappe.db.get_value(
			"Referral", {"referee": doc.customer}, ["status", "referrer_coupon"], as_dict=True
		)
	return result


class _HookTimer:
	"""Time spent in referral_loyalty's Sales Invoice doc_events (only on our site)."""

	def __init__(self):
		self.ms = 0.0
		self._saved = None

	def __enter__(self):
		if not shop.is_ours():
			return self
		import time

		# the benchmark times the app's invoice hook by wrapping it for the measure, then restores it
		from referral_loyalty.events import invoice  # nosemgrep

		original = invoice.on_submit
		timer = self

		def timed(doc, method=None):
			started = time.perf_counter()
			try:
				return original(doc, method)
			finally:
				timer.ms += (time.perf_counter() - started) * 1000

		self._saved = original
		invoice.on_submit = timed
		return self

	def __exit__(self, *exc):
		if self._saved is not None:
			# the hook wrapped for the measure, restored
			from referral_loyalty.events import invoice  # nosemgrep

			invoice.on_submit = self._saved
		return False


def sales_update_frequency(value: str | None = None) -> dict:
	"""ERPNext's Selling Settings "Sales Update Frequency in Company and Project": read, or set to
	``value`` (committed). Returns the value it had."""
	frappe = _frappe()
	before = frappe.db.get_single_value("Selling Settings", "sales_update_frequency")
	if value and value != before:
		frappe.db.set_single_value("Selling Settings", "sales_update_frequency", value)
		frappe.db.commit()  # nosemgrep
	return {"before": before}


def month_sales(runs: int = 3) -> dict:
	"""ERPNext's ``update_company_current_month_sales``, which its Sales Invoice runs on every
	submit with Selling Settings at "Each Transaction": timed (median of ``runs``, each rolled
	back), with the statement it sends to sum the month's sales, its EXPLAIN, and the month's and
	all of the company's submitted sales. ``last_month``: the same at noon of the last day of the
	month before (the clock set there with freezegun for the call), when the sum reads a whole
	month of sales, whatever day of the month the benchmark runs on."""
	from frappe.utils import add_months, get_last_day, today

	out = _month_sum(runs)
	day = get_last_day(add_months(today(), -1))
	out["last_month"] = {"day": str(day), **_month_sum(runs, as_of=day)}
	return out


def _month_sum(runs: int, as_of=None) -> dict:
	from erpnext.setup.doctype.company.company import update_company_current_month_sales
	from frappe.utils import get_first_day, get_last_day, today

	frappe = _frappe()
	times, statements = [], []
	with _clock_at(as_of):
		for _run in range(runs):
			_fresh_state()
			with shop.QueryCounter(attribute=True) as counter, shop.stopwatch() as clock:
				update_company_current_month_sales(shop.COMPANY)
			frappe.db.rollback()
			times.append(clock["ms"])
			statements = [q for q, _ours in counter.statements]
		month = (get_first_day(today()), get_last_day(today()))
	summing = next((q for q in statements if "tabSales Invoice" in q and "sum(" in q.lower()), None)
	submitted = {"company": shop.COMPANY, "docstatus": 1}
	plan = plans.explain(summing) if summing else None
	return {
		"ms": sorted(times)[len(times) // 2],
		"statement": summing,
		"plan": plan,
		"without_app_index": _sum_without_app_index(summing, plan, runs),
		"month_sales": frappe.db.count("Sales Invoice", {**submitted, "posting_date": ("between", month)}),
		"sales": frappe.db.count("Sales Invoice", submitted),
	}


APP_MONTH_INDEX = "rl_month_sales_index"


def _sum_without_app_index(statement: str | None, plan: dict | None, runs: int) -> dict | None:
	"""ERPNext's month sum as a site without the app reads it: the same statement (its dates and
	company written in) told to leave the app's index alone, timed (median of ``runs``) with its
	EXPLAIN. None where the site has no such index (POS Awesome's own)."""
	if not statement or APP_MONTH_INDEX not in str((plan or {}).get("plan")):
		return None
	frappe = _frappe()
	table = "FROM `tabSales Invoice`"
	stock = statement.replace(table, f"{table} IGNORE INDEX (`{APP_MONTH_INDEX}`)", 1)
	times = []
	for _run in range(runs):
		with shop.stopwatch() as clock:
			# the statement ERPNext sent, as recorded, with one index hint added
			frappe.db.sql(stock)  # nosemgrep
		times.append(clock["ms"])
	return {"ms": sorted(times)[len(times) // 2], "statement": stock, "plan": plans.explain(stock)}


@contextmanager
def _clock_at(day):
	"""The clock at noon of ``day`` in the site's time zone (ticking on from there), or as it is."""
	if day is None:
		yield
		return
	from datetime import datetime, time, timezone
	from zoneinfo import ZoneInfo

	import freezegun
	from frappe.utils import get_system_timezone, getdate

	noon = datetime.combine(getdate(day), time(12), tzinfo=ZoneInfo(get_system_timezone()))
	with freezegun.freeze_time(noon.astimezone(timezone.utc).replace(tzinfo=None), tick=True):
		yield


INDEX_COPIES = ("_rl_bench_with_indexes", "_rl_bench_without_app_indexes")


def index_write_cost(pairs: int = 300) -> dict:
	"""What the app's indexes on Sales Invoice (``install.INDEXES``) cost a sale to write. Two
	copies of the site's Sales Invoice table, its rows and indexes, the second without the app's;
	the same new sale row written in both, pair by pair, alternately first: inserted as a draft,
	committed, then submitted (docstatus 1, which moves the entry of every index holding it) and
	committed. Per pair and copy: the two statements' µs, and the two commits' µs apart (the log
	flush, which an index changes little and the machine a lot). The copies are dropped after."""
	from frappe.utils import today

	from referral_loyalty.install import INDEXES

	frappe = _frappe()
	app_indexes = [name for doctype, _columns, name in INDEXES if doctype == "Sales Invoice"]
	with_copy, without_copy = INDEX_COPIES
	template = frappe.get_all("Sales Invoice", fields=["*"], order_by="creation desc", limit=1)
	if not template:
		raise RuntimeError("the site has no Sales Invoice to copy a new sale from yet")
	template = template[0]
	columns = list(template)
	inserting = {
		table: "insert into `{}` ({}) values ({})".format(
			table, ", ".join(f"`{c}`" for c in columns), ", ".join(["%s"] * len(columns))
		)
		for table in INDEX_COPIES
	}
	try:
		with shop.stopwatch() as copying:
			for table in INDEX_COPIES:
				# DDL on the benchmark's own scratch tables, named above
				frappe.db.sql_ddl(f"drop table if exists `{table}`")  # nosemgrep
				frappe.db.sql_ddl(f"create table `{table}` like `tabSales Invoice`")  # nosemgrep
				frappe.db.sql(f"insert into `{table}` select * from `tabSales Invoice`")  # nosemgrep
				frappe.db.commit()  # nosemgrep
			for name in app_indexes:
				frappe.db.sql_ddl(f"alter table `{without_copy}` drop index `{name}`")  # nosemgrep
		rows = frappe.db.sql(f"select count(*) from `{with_copy}`")[0][0]  # nosemgrep
		runs: dict[str, list] = {table: [] for table in INDEX_COPIES}
		for i in range(pairs):
			row = {
				**template,
				"name": f"RL-BENCH-INDEX-{frappe.generate_hash(length=10)}",
				"docstatus": 0,
				"posting_date": today(),
				"base_grand_total": 100 + i % 97,
			}
			values = [row[c] for c in columns]
			order = INDEX_COPIES if i % 2 == 0 else tuple(reversed(INDEX_COPIES))
			for table in order:
				with shop.stopwatch() as insert:
					frappe.db.sql(inserting[table], values)  # nosemgrep
				with shop.stopwatch() as insert_commit:
					frappe.db.commit()  # nosemgrep
				with shop.stopwatch() as submit:
					frappe.db.sql(  # nosemgrep
						f"update `{table}` set docstatus = 1, modified = now(6) where name = %s", row["name"]
					)
				with shop.stopwatch() as submit_commit:
					frappe.db.commit()  # nosemgrep
				runs[table].append(
					{
						"us": 1000 * (insert["ms"] + submit["ms"]),
						"commit_us": 1000 * (insert_commit["ms"] + submit_commit["ms"]),
					}
				)
	finally:
		for table in INDEX_COPIES:
			frappe.db.sql_ddl(f"drop table if exists `{table}`")  # nosemgrep
	return {
		"indexes": app_indexes,
		"rows": rows,
		"copy_s": copying["ms"] / 1000,
		"with": runs[with_copy],
		"without": runs[without_copy],
	}


def _explain(query: str) -> dict:
	return plans.explain(query)


def explain(queries: list[str]) -> list[dict]:
	"""EXPLAIN every statement of ``queries`` that EXPLAIN takes, once per shape."""
	return plans.explain_all(queries)


def till_load(referees: int, cap: int) -> dict:
	"""A fresh referrer whose code is capped at ``cap`` qualified referrals (its usage limit on our
	site), ``referees`` new customers enrolled with it and their draft invoices' payloads."""
	frappe = _frappe()
	referrer, _mobile = _unique("Bench Capped Referrer")
	referrer = shop.ensure_customer(referrer, _mobile)
	if shop.is_ours():
		from referral_loyalty.services.codes import issue_code

		code_name = issue_code(referrer, shop.COMPANY)
		frappe.db.set_value("Referral Code", code_name, "rl_usage_limit", cap)
	else:
		code_name = shop.native_code(referrer)
	code = frappe.db.get_value("Referral Code", code_name, "referral_code")
	customers = new_referees(referees, code, prefix="Bench Till Referee")
	# the HTTP tills must see it
	frappe.db.commit()  # nosemgrep
	return {"referrer": referrer, "code": code_name, "referees": customers}


def tally(referrer: str, referees: list[str]) -> dict:
	"""What the tills left behind, read back from the database."""
	frappe = _frappe()
	frappe.db.rollback()  # a fresh snapshot: everything the tills committed
	out = {
		"submitted": frappe.db.count("Sales Invoice", {"customer": ("in", referees), "docstatus": 1}),
		"referrer_coupons": frappe.db.count("POS Coupon", {"customer": referrer}),
	}
	if shop.is_ours():
		rows = frappe.get_all("Referral", {"referrer": referrer}, ["status", "reason"], order_by="name asc")
		out["by_status"] = {}
		for row in rows:
			key = row.status + (f" ({row.reason})" if row.reason else "")
			out["by_status"][key] = out["by_status"].get(key, 0) + 1
		out["qualified"] = sum(1 for r in rows if r.status == "Qualified")
		out["pending"] = sum(1 for r in rows if r.status == "Pending")
	return out


def native_codes_one_by_one(count: int) -> dict:
	"""POS Awesome has no backfill: its way is ``create_referral_code`` for one customer at a time.
	Time it on ``count`` new customers, then roll everything back."""
	frappe = _frappe()
	from frappe.utils import now
	from posawesome.posawesome.doctype.referral_code.referral_code import create_referral_code

	tag = frappe.generate_hash(length=6).upper()
	stamp = now()
	names = [f"BENCHNATIVE{tag}-{i:06d}" for i in range(count)]
	frappe.db.bulk_insert(
		"Customer",
		fields=["name", "customer_name", "customer_type", "creation", "modified", "owner", "modified_by"],
		values=[(n, n, "Individual", stamp, stamp, "Administrator", "Administrator") for n in names],
	)
	with shop.stopwatch() as clock:
		for customer in names:
			create_referral_code(shop.COMPANY, customer, shop.REFEREE_OFFER, shop.REFERRER_OFFER)
	frappe.db.rollback()
	return {"codes": count, "seconds": clock["ms"] / 1000, "per_second": count / (clock["ms"] / 1000)}


def profile(op: str, **kwargs) -> dict:
	"""Run one command under pyinstrument; write the HTML report and return its path."""
	from pyinstrument import Profiler

	profiler = Profiler(interval=0.0005)
	profiler.start()
	result = COMMANDS[op](**kwargs)
	profiler.stop()
	path = Path(shop.sites_path()).parent / "logs" / f"bench-profile-{op}-{_frappe().local.site}.html"
	path.write_text(profiler.output_html())
	print(profiler.output_text(unicode=False, color=False, show_all=False))
	return {"result": result, "html": str(path)}


_info: dict = {}


def info_cache() -> dict:
	if not _info:
		_info.update(info())
	return _info


COMMANDS = {
	"info": info,
	"create_customer": create_customer,
	"get_active_gift_coupons": get_active_gift_coupons,
	"prepare_sales": prepare_sales,
	"submit": submit,
	"till_load": till_load,
	"tally": tally,
	"native_codes_one_by_one": native_codes_one_by_one,
	"explain": explain,
	"sales_update_frequency": sales_update_frequency,
	"month_sales": month_sales,
	"index_write_cost": index_write_cost,
	"profile": profile,
}


def profile_cli(what: str) -> None:
	"""Warm up, then profile one call of ``what`` with pyinstrument (text on stdout, HTML in logs/)."""
	code = info_cache()["referral_code"]
	calls = {
		"create_customer": ("create_customer", {"referral_code": code}),
		"get_active_gift_coupons": ("get_active_gift_coupons", {}),
		"submit": ("submit", {"kind": "plain"}),
		"submit_referee": ("submit", {"kind": "referee"}),
	}
	op, kwargs = calls[what]
	if op == "submit":
		prepare_sales(kwargs["kind"], 4)
	for _i in range(3):
		COMMANDS[op](**kwargs)
	print(json.dumps(profile(op, **kwargs)["html"]))


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument(
		"--profile",
		choices=("create_customer", "get_active_gift_coupons", "submit", "submit_referee"),
		help="profile one call with pyinstrument instead of serving commands",
	)
	args = parser.parse_args()
	if args.site in ("test_referral.localhost", "referral.localhost"):
		sys.exit(f"{args.site} is not a benchmark site")
	frappe = _frappe()
	shop.connect(args.site)
	if args.profile:
		try:
			profile_cli(args.profile)
		finally:
			frappe.destroy()
		return
	out = sys.stdout
	sys.stdout = sys.stderr  # anything frappe prints must not break the protocol
	print("READY " + json.dumps({"site": args.site}), file=out, flush=True)
	for line in sys.stdin:
		if not line.strip():
			continue
		command = json.loads(line)
		try:
			answer = {"ok": COMMANDS[command["op"]](**command.get("args", {}))}
		except Exception:
			frappe.db.rollback()
			answer = {"error": traceback.format_exc()}
		print(json.dumps(answer, default=str), file=out, flush=True)
	frappe.destroy()


if __name__ == "__main__":
	main()
