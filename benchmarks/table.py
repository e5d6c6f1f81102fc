"""The till's speed, side by side with POS Awesome: every measure on the two benchmark sites in one
run, printed as one Markdown table (run by benchmarks/run.sh after the set-up).

	env/bin/python apps/referral_loyalty/benchmarks/table.py --site rl_bench.localhost --native rl_bench_native.localhost

- HTTP measures go to a gunicorn this script starts on 127.0.0.1 (both sites, chosen by the Host
  header) and stops at the end; each till logs in as Administrator like a browser session. The
  concurrent tills (e) run with two RQ workers of the bench beside it (runners.py).
- In-process measures (SQL statement counts, submit times) run in one worker.py per site; the
  script alternates its calls between the two sites so both are measured under the same load
  (measures.py).
- The backfill is the existing benchmarks/backfill.py, run on our site.

Every row of the table, with its target and how "met" is judged, is declared once in ``ROWS``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import measures
import shop
from runners import Gunicorn, RQWorkers, Worker, log

# --- formats --------------------------------------------------------------------------------


def fmt_ms(v: float) -> str:
	return "—" if _nan(v) else f"{v:,.1f} ms"


def fmt_added_ms(v: float) -> str:
	return "—" if _nan(v) else ("+" if v >= 0 else "-") + fmt_ms(abs(v))


def fmt_n(v: float) -> str:
	if _nan(v):
		return "—"
	return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def fmt_x(v: float, digits: int = 2) -> str:
	return "—" if _nan(v) else f"{v:.{digits}f}×"


def fmt_ratio(r: dict, field: str, digits: int = 2) -> str:
	"""A paired ratio with its 95 % interval (``<field>_ci``) when the measure gave one."""
	low, high = r.get(f"{field}_ci") or (None, None)
	interval = "" if _nan(low) or _nan(high) else f" (95 %: {low:.{digits}f}–{high:.{digits}f})"
	return fmt_x(r[field], digits) + interval


def _nan(v) -> bool:
	return v is None or (isinstance(v, float) and math.isnan(v))


def _div(a, b) -> float:
	return float("nan") if _nan(a) or _nan(b) or not b else a / b


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
	"""A target as printed, and how it is judged on a measure's results."""

	text: str
	met: Callable[[Context, dict], bool]


def at_most_ratio(field: str, limit: float, digits: int = 2) -> Target:
	return Target(f"≤ {limit:.{digits}f}×", lambda ctx, r: r[field] <= limit)


def _tills_met(ctx, r) -> bool:
	ours = r[ctx.ours]
	return (
		all(q == ctx.cap for q in ours["qualified"]) and ours["pending"] == 0 and len(ours["qualified"]) > 0
	)


def _no_failed_sale(ctx, r) -> bool:
	ours = r[ctx.ours]
	return ours["failed"] == 0 and ours["submitted"] == ours["sales"]


CREATE_HTTP = at_most_ratio("http_ratio", 1.00)
CREATE_SQL = Target("≤ +12", lambda ctx, r: r["queries"][ctx.ours] - r["queries"][ctx.native] <= 12)
SALE_SQL = Target(
	"≤ +1, indexed",
	lambda ctx, r: r["queries"][ctx.ours] - r["queries"][ctx.native] <= 1 and _all_indexed(r),
)
SALE_TIME = at_most_ratio("ratio", 1.02, digits=2)
SALE_HOOK = Target("≤ 2 %", lambda ctx, r: r["hook_ms"] / r["ms"][ctx.ours] * 100 <= 2)
REFEREE_TIME = at_most_ratio("referee_ratio", 1.10)
REFEREE_QUALIFIED = Target(
	"every one", lambda ctx, r: r["referee_runs"] > 0 and r["referee_qualified"] == r["referee_runs"]
)
COUPONS_HTTP = at_most_ratio("http_ratio", 1.05)
BACKFILL_RATE = Target("≥ 1,000 codes/s", lambda ctx, r: r["per_s"] >= 1000)
BACKFILL_RERUN = Target("0", lambda ctx, r: r["rerun"] == 0)
TILLS_CAP = Target("= cap", _tills_met)
TILLS_FAILED = Target("0 (ours)", _no_failed_sale)
NO_FULL_SCAN = Target("none", lambda ctx, r: not any(p["full_scans"] for p in r["plans"]))


# --- the rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
	"""One line of the table: ``key`` is the measure whose results it reads; every cell is a
	function of (ctx, results); ``failed`` names the results' {site: failed samples} shown in it."""

	key: str
	label: Callable[[Context, dict], str]
	ours: Callable[[Context, dict], str]
	native: Callable[[Context, dict], str] | None = None
	ratio: Callable[[Context, dict], str] | None = None
	target: Target | None = None
	failed: str | None = None


def _both(fmt, field: str):
	"""The ours and native cells of a {site: value} field."""
	return (lambda ctx, r: fmt(r[field][ctx.ours])), (lambda ctx, r: fmt(r[field][ctx.native]))


def fmt_diff(v: float) -> str:
	return "—" if _nan(v) else ("+" if v >= 0 else "-") + fmt_n(abs(v))


def _added(field: str):
	return lambda ctx, r: fmt_diff(r[field][ctx.ours] - r[field][ctx.native])


def _tills_rows(key: str) -> list[Row]:
	def label(ctx, r):
		tills = int(key[1:])
		return (
			f"({key}) {tills} concurrent tills over HTTP (gunicorn, {ctx.gunicorn_workers} workers, {ctx.rq_workers} RQ workers),"
			f" {tills}×{ctx.sales_per_till} first sales of referees of one code capped at {ctx.cap},"
			f" {len(r[ctx.ours]['rounds'])} rounds: qualified per round, read back"
		)

	def ours(ctx, r):
		o = r[ctx.ours]
		detail = ", ".join(f"{v} {k}" for k, v in sorted(o["by_status"].items()))
		return f"{' / '.join(str(q) for q in o['qualified'])} (in all: {detail}; {o['referrer_coupons']} referrer coupons)"

	def native(ctx, r):
		n = r[ctx.native]
		return f"no cap (POS Awesome gave {n['referrer_coupons']} referrer coupons for {n['sales']} referees)"

	def failed_cell(site):
		def cell(ctx, r):
			x = r[site(ctx)]
			warm = f"; warm-up: {x['warmup_failed']} of {x['warmup_sales']}" if x["warmup_failed"] else ""
			return f"{x['failed']} of {x['sales']}{warm}"

		return cell

	return [
		Row(key, label, ours, native, target=TILLS_CAP),
		Row(
			key,
			lambda ctx, r: f"({key}) … failed sales",
			failed_cell(lambda ctx: ctx.ours),
			failed_cell(lambda ctx: ctx.native),
			target=TILLS_FAILED,
		),
		Row(
			key,
			lambda ctx, r: f"({key}) … throughput, median of the rounds",
			lambda ctx, r: f"{r[ctx.ours]['per_s']:.2f} sales/s",
			lambda ctx, r: f"{r[ctx.native]['per_s']:.2f} sales/s",
			lambda ctx, r: fmt_x(_div(r[ctx.ours]["per_s"], r[ctx.native]["per_s"])),
		),
		Row(
			key,
			lambda ctx, r: f"({key}) … latency per sale p50 / p95",
			lambda ctx, r: f"{r[ctx.ours]['p50']:,.0f} / {r[ctx.ours]['p95']:,.0f} ms",
			lambda ctx, r: f"{r[ctx.native]['p50']:,.0f} / {r[ctx.native]['p95']:,.0f} ms",
			lambda ctx, r: (
				f"{fmt_x(_div(r[ctx.ours]['p50'], r[ctx.native]['p50']))} / "
				f"{fmt_x(_div(r[ctx.ours]['p95'], r[ctx.native]['p95']))}"
			),
		),
	]


def _process_cell(process: str):
	"""(z): one worker process's median, with its failed samples."""

	def cell(ctx, r):
		failed = r["failed"][process]
		return fmt_ms(r["ms"][process]) + (f" ({failed} failed)" if failed else "") + f" (process {process})"

	return cell


ROWS: list[Row] = [
	Row(
		"a",
		lambda ctx, r: (
			f"(a) Create a referred customer at the POS: HTTP `create_customer`, median of {ctx.runs}"
		),
		*_both(fmt_ms, "http_ms"),
		lambda ctx, r: fmt_ratio(r, "http_ratio", 3),  # its target is parity: a third decimal shows the side
		CREATE_HTTP,
		failed="http_failed",
	),
	Row(
		"a",
		lambda ctx, r: (
			f"(a) … SQL queries per call, in-process (commit included), median of {ctx.inproc_runs}"
		),
		*_both(fmt_n, "queries"),
		_added("queries"),
		CREATE_SQL,
		failed="inproc_failed",
	),
	Row(
		"a",
		lambda ctx, r: "(a) … time in-process (call + commit), median",
		*_both(fmt_ms, "inproc_ms"),
		lambda ctx, r: fmt_x(_div(r["inproc_ms"][ctx.ours], r["inproc_ms"][ctx.native])),
	),
	Row(
		"b",
		lambda ctx, r: (
			"(b) Submit a POS sale (Sales Invoice, is_pos), customer with no referral:"
			f" SQL queries, median of {ctx.submit_runs}"
		),
		*_both(fmt_n, "queries"),
		_added("queries"),
		SALE_SQL,
		failed="failed",
	),
	Row(
		"b",
		lambda ctx, r: f"(b) … time (submit + commit), in-process, median of {ctx.submit_runs}",
		*_both(fmt_ms, "ms"),
		lambda ctx, r: fmt_ratio(r, "ratio", 3),
		SALE_TIME,
	),
	Row(
		"b",
		lambda ctx, r: "(b) … of which inside referral_loyalty's invoice hook, median",
		lambda ctx, r: f"{r['hook_ms']:.2f} ms ({r['hook_ms'] / r['ms'][ctx.ours] * 100:.2f} %)",
		target=SALE_HOOK,
	),
	Row(
		"b",
		lambda ctx, r: (
			"(b) First sale of a new referee (ours: the pending referral qualifies): SQL queries,"
			" sale + after-commit qualification"
		),
		lambda ctx, r: f"{fmt_n(r['referee_submit_queries'])} + {fmt_n(r['referee_commit_queries'])}",
		lambda ctx, r: fmt_n(r["referee_native_queries"]),
		lambda ctx, r: fmt_diff(
			r["referee_submit_queries"] + r["referee_commit_queries"] - r["referee_native_queries"]
		),
		failed="referee_failed",
	),
	Row(
		"b",
		lambda ctx, r: (
			"(b) … time, submit + commit (ours: the crediting after the commit included),"
			f" median of {r['referee_runs']}"
		),
		lambda ctx, r: fmt_ms(r["referee_ms"]),
		lambda ctx, r: fmt_ms(r["referee_native_ms"]),
		lambda ctx, r: fmt_ratio(r, "referee_ratio", 3),  # at its limit: 1.1004 is not "1.10"
		REFEREE_TIME,
	),
	Row(
		"b",
		lambda ctx, r: (
			"(b) … the submit alone (ours: with the app's invoice hook,"
			f" {fmt_ms(r.get('referee_hook_ms'))}), median"
		),
		*_both(fmt_ms, "referee_submit_ms"),
		lambda ctx, r: fmt_ratio(r, "referee_submit_ratio", 3),
	),
	Row(
		"b",
		lambda ctx, r: (
			"(b) … the commit (ours: the sale's, then the crediting in a transaction of its own),"
			" median; added: median of the blocks' differences, a run's worth"
		),
		lambda ctx, r: fmt_ms(r["referee_commit_ms"]),
		lambda ctx, r: fmt_ms(r.get("referee_native_commit_ms")),
		lambda ctx, r: fmt_added_ms(r.get("referee_commit_added_ms")),
	),
	Row(
		"b",
		lambda ctx, r: "(b) … referrals qualified by that sale, read back",
		lambda ctx, r: f"{r['referee_qualified']} of {r['referee_runs']}",
		target=REFEREE_QUALIFIED,
	),
	Row(
		"c",
		lambda ctx, r: (
			f"(c) Coupon auto-fetch, customer with {shop.COUPONS} gift coupons: HTTP"
			f" `get_active_gift_coupons`, median of {ctx.runs}"
		),
		*_both(fmt_ms, "http_ms"),
		lambda ctx, r: fmt_ratio(r, "http_ratio"),
		COUPONS_HTTP,
		failed="http_failed",
	),
	Row(
		"c",
		lambda ctx, r: "(c) … SQL queries, in-process",
		*_both(fmt_n, "queries"),
		_added("queries"),
		failed="inproc_failed",
	),
	Row(
		"d",
		lambda ctx, r: (
			f"(d) Backfill codes for {ctx.customers:,} new customers (with the shop's own:"
			f" {fmt_n(r['codes'])} codes in {r['seconds']:.1f} s), median of {len(r['rounds'])} runs"
		),
		lambda ctx, r: f"{r['per_s']:,.0f} codes/s",
		lambda ctx, r: (
			f"{r['native_per_s']:,.0f} codes/s (no backfill: its `create_referral_code`, one"
			f" customer at a time, on {ctx.native_codes:,})"
		),
		lambda ctx, r: f"{_div(r['per_s'], r['native_per_s']):.0f}×",
		BACKFILL_RATE,
		failed="failed",
	),
	Row(
		"d",
		lambda ctx, r: "(d) … a second run creates",
		lambda ctx, r: f"{r['rerun']} codes",
		target=BACKFILL_RERUN,
	),
	*_tills_rows("e8"),
	*_tills_rows("e16"),
	Row(
		"plans",
		lambda ctx, r: (
			f"EXPLAIN of the {len(r['plans'])} statements the app sent in (a)–(c): full scans of"
			" tabReferral, tabReferral Code, tabPOS Coupon, tabPOS Coupon Detail"
		),
		lambda ctx, r: "; ".join(_scan(p) for p in r["plans"] if p["full_scans"]) or "none",
		target=NO_FULL_SCAN,
	),
	Row(
		"z",
		lambda ctx, r: (
			f"(z) Calibration (`--only z`, not in the default run): (b)'s plain sale on `{ctx.native}` against itself, two"
			f" worker processes submitting alternately, median of {ctx.submit_runs}"
		),
		_process_cell("A"),
		_process_cell("B"),
		lambda ctx, r: fmt_ratio(r, "ratio", 3),
	),
]


def render_rows(ctx, results: dict) -> list[tuple[str, ...]]:
	"""The table's rows from ``ROWS``; a cell that cannot be computed (a measure that failed, no
	good sample) shows a dash, and its target is not met."""
	out = []
	for row in ROWS:
		r = results.get(row.key)
		if r is None:
			continue
		if "measure_error" in r:
			if not out or out[-1][0] != f"({row.key}) failed":
				out.append(
					(
						f"({row.key}) failed",
						r["measure_error"].splitlines()[-1][:200],
						"—",
						"—",
						"—",
						"**no**",
					)
				)
			continue

		def cell(fn, r=r):
			if fn is None:
				return "—"
			try:
				return fn(ctx, r)
			except Exception:
				return "—"

		ours, native = cell(row.ours), cell(row.native)
		if row.failed and isinstance(r.get(row.failed), dict):
			n_ours, n_native = r[row.failed].get(ctx.ours, 0), r[row.failed].get(ctx.native, 0)
			ours += f" ({n_ours} failed)" if n_ours else ""
			native += f" ({n_native} failed)" if n_native else ""
		if row.target:
			try:
				met = "yes" if row.target.met(ctx, r) else "**no**"
			except Exception:
				met = "**no**"
			target = row.target.text
		else:
			target, met = "—", "—"
		out.append((cell(row.label), ours, native, cell(row.ratio), target, met))
	return out


def render(ctx, results: dict) -> str:
	ours, native = ctx.ours, ctx.native
	m = shop.machine()
	head = [
		f"Run {ctx.started:%Y-%m-%d %H:%M %Z} on {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM,"
		f" MariaDB and Redis on the same machine; the whole run took {ctx.elapsed() / 60:.1f} min.",
		f"Sites: `{ours}` (erpnext, posawesome, referral_loyalty) and `{native}` (erpnext, posawesome),"
		f" the same shop on both ({ctx.info[ours]['customers']:,} customers before the run).",
		"",
		"| Measure | Ours (referral_loyalty) | POS Awesome native | Ratio | Target | Met? |",
		"|---|---|---|---|---|---|",
	]
	body = [
		"| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in render_rows(ctx, results)
	]
	return "\n".join(head + body + notes(ctx, results))


def notes(ctx, results: dict) -> list[str]:
	out = [""]
	a, b = results.get("a") or {}, results.get("b") or {}
	if "coupons" in a:
		out.append(
			"- (a) Both sites give the new customer a code of its own (ours: the POS Profile flag; native: POS"
			f" Awesome's company flag). Ours issues the referee's coupon ({a['coupons'].get(ctx.ours)} for the"
			" new customer) and the referrer's when the referral qualifies; POS Awesome issues both at once. The"
			f" referrer's code had {ctx.info[ctx.ours]['referees_of_code']:,} referees before the run (each one"
			" is a candidate for the duplicate mobile / e-mail check)."
		)
	if "added" in b:
		out.append(
			f"- (b) The one query the app adds to a sale: {_short(b['added'])} — {_plans(b['explain'])};"
			f" for a customer with a referral: {_plans(b['explain_hit'])}."
		)
	if b.get("month_sales"):
		out.append(
			"- (b) Part of both sites' sales: ERPNext's sum of the company's month of sales"
			' (`update_company_current_month_sales`, every submit at *Sales Update Frequency* "Each'
			' Transaction"), median of 3: '
			+ "; ".join(
				f"{'ours' if site == ctx.ours else 'native'} {fmt_ms(m['ms'])}"
				f" ({m['month_sales']:,} sales in the month, {_plans([m['plan']]) if m.get('plan') else 'no plan'})"
				for site, m in b["month_sales"].items()
			)
			+ "."
		)
	if b.get("index_cost"):
		out.append("- (b) " + index_cost_line(b["index_cost"], b["ms"][ctx.ours], "the plain sale"))
	second = b.get("second_cost")
	measured = (
		f" ({second * 100:.1f} % of (b)'s plain sale in this run, whichever site went second)"
		if second is not None and not _nan(second)
		else ""
	)
	out.append(
		"- A sample that fails (an HTTP error, an exception in-process) is counted in its row as"
		' "n failed" and left out of the median. The sites take turns going first, run after run;'
		" a time ratio is taken over blocks of two runs, one with each site first, where all four"
		" samples succeeded: the median of the blocks' ratios of sums, so that what going second"
		f" costs{measured} weighs on both sides alike. The interval after it is the 95 % bootstrap"
		" interval of that median over the blocks (2,000 draws), the resolution of the measurement:"
		" a ratio whose interval spans its target could have come out on either side of it."
	)
	out.append(
		"- Times are wall-clock on a shared machine. The two sites are measured alternately, run"
		" after run. SQL queries are counted server-side (every statement through `frappe.db.sql`,"
		" commit included) by running the same call in-process."
	)
	return out


def index_cost_line(cost: dict, sale_ms: float, sale: str) -> str:
	"""What the app's indexes on Sales Invoice add to writing a sale (worker.index_write_cost)."""
	if cost.get("error"):
		error = " ".join(cost["error"].split())[-200:]  # one line of the table's notes
		return f"The app's index on Sales Invoice on writing a sale: not measured ({error})."
	names = ", ".join(f"`{name}`" for name in cost["indexes"])
	return (
		f"The app's index on Sales Invoice ({names}) on writing a sale: a sale row inserted as a draft"
		f" and submitted in two copies of this site's Sales Invoice table ({cost['rows']:,} rows),"
		f" the second without it, {cost['pairs']} pairs: the two statements {cost['us']['with']:,.0f} µs"
		f" with it against {cost['us']['without']:,.0f} µs without, {fmt_ratio(cost, 'ratio')},"
		f" {cost['added_us']:+,.0f} µs a sale (median of the blocks of two pairs, a pair's worth),"
		f" {_div(cost['added_us'], 10 * sale_ms):.3f} % of {sale} ({fmt_ms(sale_ms)}); the two commits {cost['commit_us']['with']:,.0f} µs against"
		f" {cost['commit_us']['without']:,.0f} µs."
	)


def _scan(p: dict) -> str:
	"""A statement that reads a whole watched table, with the rows the planner expected there."""
	tables = ", ".join(
		f"{s['table']}: ALL, {s.get('rows')} rows" for s in p["plan"] if s.get("table") in p["full_scans"]
	)
	return f"`{p['shape'][:120]}` ({tables})"


def _all_indexed(b: dict) -> bool:
	plans = b["explain"] + b["explain_hit"]
	return bool(b["explain"]) and all(_indexed(e["plan"]) for e in plans)


def _indexed(plan) -> bool:
	return any(step.get("key") or "const tables" in str(step.get("extra") or "") for step in plan)


def _short(queries) -> str:
	return "; ".join("`" + re.sub(r"'[^']*'", "?", q).replace("`", "")[:140] + "`" for q in queries) or "none"


def _plans(explains) -> str:
	out = []
	for e in explains:
		for step in e["plan"]:
			if step.get("key"):
				out.append(f"EXPLAIN: {step.get('type')} on index `{step['key']}`")
			elif "const tables" in str(step.get("extra") or ""):
				out.append("EXPLAIN: answered from the unique index `referee` while planning (no row)")
			else:
				out.append(f"EXPLAIN: {step.get('type')}, {step.get('extra') or 'no index'}")
	return "; ".join(out) or "-"


# --- the run --------------------------------------------------------------------------------


class Context:
	def __init__(self, args):
		self.ours, self.native = args.site, args.native
		self.runs = args.runs
		self.inproc_runs = args.inproc_runs
		self.port = args.port
		self.gunicorn_workers = 4
		self.rq_workers = 2
		self.tills = [int(n) for n in args.tills.split(",")]
		self.sales_per_till = args.sales_per_till
		self.cap = args.cap
		self.customers = args.customers
		self.native_codes = args.native_codes
		self.rounds = args.rounds
		self.submit_runs = args.submit_runs
		self.started = datetime.now().astimezone()
		self._t0 = time.monotonic()
		self.workers: dict[str, Worker] = {}
		self.info: dict[str, dict] = {}
		self.tills_warmed: set[str] = set()  # sites whose tills the running server has warmed up

	def elapsed(self) -> float:
		return time.monotonic() - self._t0


def guarded(results: dict, key: str, fn) -> None:
	"""``results[key] = fn()``; a measure that fails as a whole is recorded, and the run goes on."""
	try:
		results[key] = fn()
	except Exception:
		log(f"measure ({key}) failed:\n{traceback.format_exc()}")
		results[key] = {"measure_error": traceback.format_exc()[-3000:]}


def run(ctx, only: str, logs: Path) -> dict:
	results: dict = {}
	if set(only) & set("ace"):
		with Gunicorn(ctx.port, ctx.gunicorn_workers, logs / "bench-gunicorn.log") as server:
			server.wait_ready([ctx.ours, ctx.native])
			if "a" in only:
				guarded(results, "a", lambda: measures.measure_create(ctx))
			if "c" in only:
				guarded(results, "c", lambda: measures.measure_coupons(ctx))
			if "e" in only:
				with RQWorkers(ctx.rq_workers, logs / "bench-rq-worker.log") as rq:
					left = rq.drain()
					log(
						f"{ctx.rq_workers} RQ workers running{f' ({left} jobs still queued)' if left else ''}"
					)
					for tills in ctx.tills:
						guarded(results, f"e{tills}", lambda tills=tills: measures.measure_tills(ctx, tills))
				log("RQ workers stopped")
		log("gunicorn stopped")
	if "b" in only:
		guarded(results, "b", lambda: measures.measure_submit(ctx))
	if "d" in only:
		guarded(results, "d", lambda: measures.measure_backfill(ctx))
	if "z" in only:
		guarded(results, "z", lambda: measures.measure_self(ctx))
	if set(only) & set("abc"):
		results["plans"] = {"plans": measures.explain_app_statements(ctx, results)}
	return results


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True, help="the site with referral_loyalty")
	parser.add_argument("--native", required=True, help="its twin with POS Awesome only")
	parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 60)))
	parser.add_argument("--submit-runs", type=int, default=int(os.environ.get("BENCH_SUBMIT_RUNS", 60)))
	parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
	parser.add_argument("--inproc-runs", type=int, default=7)
	parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
	parser.add_argument("--native-codes", type=int, default=1000)
	parser.add_argument("--port", type=int, default=8020)
	parser.add_argument("--tills", default="8,16", help="how many tills sell at once in (e), one run each")
	parser.add_argument("--sales-per-till", type=int, default=5)
	parser.add_argument("--cap", type=int, default=5)
	parser.add_argument(
		"--only",
		default="abcde",
		help="a subset of the measures, e.g. ab; z (not in the default): the native site against itself",
	)
	args = parser.parse_args()
	for site in (args.site, args.native):
		if site in ("test_referral.localhost", "referral.localhost"):
			sys.exit(f"{site} is not a benchmark site")

	ctx = Context(args)
	logs = Path(shop.sites_path()).parent / "logs"
	try:
		for site in (ctx.ours, ctx.native):
			ctx.workers[site] = Worker(site, logs / "bench-worker.log")
			ctx.info[site] = ctx.workers[site].call("info")
		if not ctx.info[ctx.ours]["ours"] or ctx.info[ctx.native]["ours"]:
			sys.exit("--site must have referral_loyalty and --native must not")
		results = run(ctx, args.only, logs)
	finally:
		for worker in ctx.workers.values():
			worker.close()
	details = logs / f"bench-results-{ctx.started:%Y%m%d-%H%M%S}.json"
	details.write_text(
		json.dumps(
			{"run": {"started": str(ctx.started), **vars(args)}, "info": ctx.info, **results},
			default=str,
			indent=1,
		)
	)
	log(f"every figure, the statements the app sends and their EXPLAIN plans: {details}")
	print(render(ctx, results))


if __name__ == "__main__":
	main()
