"""The till's speed, side by side with POS Awesome: every measure on the two benchmark sites in one
run, printed as one Markdown table (run by benchmarks/run.sh after the set-up).

	env/bin/python apps/referral_loyalty/benchmarks/table.py --site rl_bench.localhost --native rl_bench_native.localhost

- HTTP measures go to a gunicorn this script starts on 127.0.0.1 (both sites, chosen by the Host
  header) and stops at the end; each till logs in as Administrator like a browser session.
- In-process measures (SQL statement counts, submit times) run in one worker.py per site; the
  script alternates its calls between the two sites so both are measured under the same load.
- The backfill is the existing benchmarks/backfill.py, run on our site.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shop

CREATE_CUSTOMER = "/api/method/posawesome.posawesome.api.customers.create_customer"
GIFT_COUPONS = "/api/method/posawesome.posawesome.api.offers.get_active_gift_coupons"
SALES_INVOICE = "/api/resource/Sales Invoice"


def log(message: str) -> None:
	print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values):
	return statistics.median(values) if values else float("nan")


def percentile(values, q: float):
	ordered = sorted(values)
	if not ordered:
		return float("nan")
	k = (len(ordered) - 1) * q
	low, high = int(k), min(int(k) + 1, len(ordered) - 1)
	return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- processes ------------------------------------------------------------------------------


class Worker:
	"""worker.py on one site: one JSON command a line in, one JSON answer a line out."""

	def __init__(self, site: str, log_path: Path):
		self.site = site
		self._log = open(log_path, "a")
		self.proc = subprocess.Popen(
			[sys.executable, str(HERE / "worker.py"), "--site", site],
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			stderr=self._log,
			text=True,
			cwd=shop.sites_path(),
		)
		ready = self.proc.stdout.readline()
		if not ready.startswith("READY"):
			raise RuntimeError(f"worker for {site} did not start (see {log_path})")

	def call(self, op: str, **args):
		self.proc.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
		self.proc.stdin.flush()
		answer = json.loads(self.proc.stdout.readline())
		if "error" in answer:
			raise RuntimeError(f"{self.site} {op}: {answer['error']}")
		return answer["ok"]

	def close(self) -> None:
		if self.proc.poll() is None:
			self.proc.stdin.close()
			try:
				self.proc.wait(timeout=30)
			except subprocess.TimeoutExpired:
				self.proc.kill()
		self._log.close()


class Gunicorn:
	"""frappe served by gunicorn from the bench's sites folder (4 sync workers, preloaded)."""

	def __init__(self, port: int, workers: int, log_path: Path):
		self.port = port
		self.workers = workers
		self.log_path = log_path
		self.proc = None

	def __enter__(self):
		with socket.socket() as probe:
			if probe.connect_ex(("127.0.0.1", self.port)) == 0:
				raise RuntimeError(f"port {self.port} is in use: stop what listens there first")
		gunicorn = Path(sys.executable).with_name("gunicorn")
		self._log = open(self.log_path, "a")
		self.proc = subprocess.Popen(
			[
				str(gunicorn),
				"-b",
				f"127.0.0.1:{self.port}",
				"-w",
				str(self.workers),
				"--threads",
				"1",
				"-t",
				"120",
				"frappe.app:application",
				"--preload",
			],
			cwd=shop.sites_path(),
			stdout=self._log,
			stderr=self._log,
			start_new_session=True,
		)
		return self

	def wait_ready(self, sites, timeout: float = 90) -> None:
		import requests

		deadline = time.monotonic() + timeout
		pending = set(sites)
		while pending and time.monotonic() < deadline:
			if self.proc.poll() is not None:
				raise RuntimeError(f"gunicorn exited (see {self.log_path})")
			for site in list(pending):
				try:
					r = requests.get(
						f"http://127.0.0.1:{self.port}/api/method/ping", headers={"Host": site}, timeout=5
					)
					if r.status_code == 200:
						pending.discard(site)
				except requests.RequestException:
					pass
			time.sleep(0.5)
		if pending:
			raise RuntimeError(f"gunicorn does not serve {pending} (see {self.log_path})")

	def __exit__(self, *exc):
		if self.proc and self.proc.poll() is None:
			os.killpg(self.proc.pid, signal.SIGTERM)  # the group this script started: master and workers
			try:
				self.proc.wait(timeout=30)
			except subprocess.TimeoutExpired:
				os.killpg(self.proc.pid, signal.SIGKILL)
				self.proc.wait()
		self._log.close()
		return False


# --- HTTP -----------------------------------------------------------------------------------


class Till:
	"""One logged-in browser session on one site."""

	def __init__(self, port: int, site: str):
		import requests

		self.base = f"http://127.0.0.1:{port}"
		self.session = requests.Session()
		self.session.headers["Host"] = site
		r = self.session.post(f"{self.base}/api/method/login", data={"usr": "Administrator", "pwd": "admin"})
		r.raise_for_status()

	def post(self, path: str, **kwargs):
		started = time.perf_counter()
		r = self.session.post(f"{self.base}{path}", timeout=120, **kwargs)
		return (time.perf_counter() - started) * 1000, r


def create_payload(info: dict, n: int, tag: str) -> dict:
	return {
		"customer_name": f"Bench POS {tag} {n}",
		"company": info["company"],
		"pos_profile_doc": info["pos_profile_doc"],
		"referral_code": info["referral_code"],
		"mobile_no": shop.mobile(1, n),
		"customer_group": info["customer_group"],
		"territory": info["territory"],
		"customer_type": "Individual",
		"method": "create",
	}


def sale_payload(customer: str, cash_account: str) -> dict:
	"""A POS sale as the till sends it, submitted in the same call (the payment row carries its
	account, as POS Awesome's does: inserting with docstatus 1 skips the before_save that fills it)."""
	return {
		"customer": customer,
		"company": shop.COMPANY,
		"is_pos": 1,
		"pos_profile": shop.PROFILE,
		"update_stock": 0,
		"currency": "USD",
		"selling_price_list": "Standard Selling",
		"items": [{"item_code": shop.ITEM, "qty": 1, "rate": shop.PRICE}],
		"payments": [
			{"mode_of_payment": "Cash", "account": cash_account, "amount": shop.PRICE, "default": 1}
		],
		"docstatus": 1,
	}


# --- measures -------------------------------------------------------------------------------


def alternate(sites, runs: int, fn):
	"""``fn(site, i)`` for each run on each site, the site going first alternating each run."""
	results = {site: [] for site in sites}
	for i in range(runs):
		order = sites if i % 2 == 0 else list(reversed(sites))
		for site in order:
			results[site].append(fn(site, i))
	return results


def paired_ratio(ours: list[float], native: list[float]) -> float:
	"""Median of the ratios of the runs made back to back (run i on both sites): a slow spell of the
	shared machine hits both sides of a pair, not one site's median."""
	return median([o / n for o, n in zip(ours, native, strict=True)])


def measure_create(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	tag = str(int(time.time()))[-6:]
	tills = {site: Till(ctx.port, site) for site in (ours, native)}

	def http(site, i):
		ms, r = tills[site].post(CREATE_CUSTOMER, data=create_payload(ctx.info[site], i, tag + site[:2]))
		if r.status_code != 200:
			raise RuntimeError(f"create_customer on {site}: HTTP {r.status_code} {r.text[:500]}")
		message = r.json()["message"]
		if site == ours and (message.get("rl_referral_outcome") or {}).get("status") != "Pending":
			raise RuntimeError(f"create_customer on {site}: no Pending referral: {message}")
		return ms

	log("(a) create_customer over HTTP: warm-up")
	alternate([ours, native], 2 * ctx.gunicorn_workers, lambda s, i: http(s, 1000 + i))
	log(f"(a) create_customer over HTTP: {ctx.runs} runs per site")
	times = alternate([ours, native], ctx.runs, http)

	log("(a) create_customer in-process: query counts")
	code = {site: ctx.info[site]["referral_code"] for site in (ours, native)}
	alternate([ours, native], 2, lambda s, i: ctx.workers[s].call("create_customer", referral_code=code[s]))
	inproc = alternate(
		[ours, native],
		ctx.inproc_runs,
		lambda s, i: ctx.workers[s].call("create_customer", referral_code=code[s]),
	)
	detail = ctx.workers[ours].call("create_customer", referral_code=code[ours], attribute=True)
	return {
		"http_ms": {s: median(v) for s, v in times.items()},
		"http_ratio": paired_ratio(times[ours], times[native]),
		"queries": {s: median([r["queries"] for r in v]) for s, v in inproc.items()},
		"inproc_ms": {s: median([r["ms"] for r in v]) for s, v in inproc.items()},
		"coupons": {s: v[-1]["coupons"] for s, v in inproc.items()},
		"from_app": detail["from_app"],
	}


def measure_coupons(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	tills = {site: Till(ctx.port, site) for site in (ours, native)}
	data = {site: {"customer": ctx.info[site]["coupon_holder"], "company": shop.COMPANY} for site in tills}

	def http(site, i):
		ms, r = tills[site].post(GIFT_COUPONS, data=data[site])
		if r.status_code != 200 or len(r.json()["message"]) != shop.COUPONS:
			raise RuntimeError(f"get_active_gift_coupons on {site}: HTTP {r.status_code} {r.text[:300]}")
		return ms

	log("(c) coupon auto-fetch over HTTP")
	alternate([ours, native], 2 * ctx.gunicorn_workers, http)
	times = alternate([ours, native], ctx.runs, http)
	alternate([ours, native], 2, lambda s, i: ctx.workers[s].call("get_active_gift_coupons"))
	inproc = alternate(
		[ours, native], ctx.inproc_runs, lambda s, i: ctx.workers[s].call("get_active_gift_coupons")
	)
	detail = ctx.workers[ours].call("get_active_gift_coupons", attribute=True)
	return {
		"http_ms": {s: median(v) for s, v in times.items()},
		"http_ratio": paired_ratio(times[ours], times[native]),
		"queries": {s: median([r["queries"] for r in v]) for s, v in inproc.items()},
		"inproc_ms": {s: median([r["ms"] for r in v]) for s, v in inproc.items()},
		"from_app": detail["from_app"],
	}


def measure_submit(ctx) -> dict:
	ours, native = ctx.ours, ctx.native
	warm = 3
	log(f"(b) preparing {ctx.submit_runs + warm + 1} draft POS sales per site")
	for site in (ours, native):
		ctx.workers[site].call("prepare_sales", kind="plain", count=ctx.submit_runs + warm + 1)
	alternate([ours, native], warm, lambda s, i: ctx.workers[s].call("submit", kind="plain"))
	log(f"(b) submitting {ctx.submit_runs} sales per site, no referral")
	plain = alternate(
		[ours, native], ctx.submit_runs, lambda s, i: ctx.workers[s].call("submit", kind="plain")
	)
	detail = ctx.workers[ours].call("submit", kind="plain", attribute=True)
	ctx.workers[native].call("submit", kind="plain")  # keep both queues even

	log(f"(b) preparing {ctx.runs + 1} first sales of new referees per site")
	for site in (ours, native):
		ctx.workers[site].call("prepare_sales", kind="referee", count=ctx.runs + 1)
	log("(b) submitting them (on our site the referral qualifies after the commit)")
	first = alternate([ours, native], ctx.runs, lambda s, i: ctx.workers[s].call("submit", kind="referee"))
	referee = first[ours]
	referee_detail = ctx.workers[ours].call("submit", kind="referee", attribute=True)
	ctx.workers[native].call("submit", kind="referee")
	statuses = [r["status"]["status"] if r.get("status") else None for r in referee]
	return {
		"ms": {s: median([r["ms"] for r in v]) for s, v in plain.items()},
		"ratio": paired_ratio([r["ms"] for r in plain[ours]], [r["ms"] for r in plain[native]]),
		"queries": {s: median([r["queries"] for r in v]) for s, v in plain.items()},
		"hook_ms": median([r["hook_ms"] for r in plain[ours]]),
		"added": detail["from_app"],
		"explain": detail["explain"],
		"explain_hit": detail["explain_hit"],
		"referee_ms": median([r["ms"] for r in referee]),
		"referee_native_ms": median([r["ms"] for r in first[native]]),
		"referee_native_queries": median([r["queries"] for r in first[native]]),
		"referee_ratio": paired_ratio([r["ms"] for r in referee], [r["ms"] for r in first[native]]),
		"referee_submit_queries": median([r["submit_queries"] for r in referee]),
		"referee_commit_queries": median([r["commit_queries"] for r in referee]),
		"referee_commit_ms": median([r["commit_ms"] for r in referee]),
		"referee_qualified": sum(1 for s in statuses if s == "Qualified"),
		"referee_runs": len(referee),
		"referee_after_commit": referee_detail["from_app_after_commit"],
	}


def run_tills(ctx, site: str, customers: list[str], measure: bool = True) -> dict:
	"""``ctx.tills`` threads, each a logged-in till selling to its share of ``customers`` at once."""
	referees = customers
	cash_account = ctx.info[site]["cash_account"]
	shares = [referees[t :: ctx.tills] for t in range(ctx.tills)]
	tills = [Till(ctx.port, site) for _t in range(ctx.tills)]
	latencies, failures = [], []
	lock = threading.Lock()
	barrier = threading.Barrier(ctx.tills + 1)

	def till(t: int):
		barrier.wait()
		for customer in shares[t]:
			try:
				ms, r = tills[t].post(SALES_INVOICE, json=sale_payload(customer, cash_account))
				ok = r.status_code == 200 and r.json()["data"]["docstatus"] == 1
				error = None if ok else f"HTTP {r.status_code} {r.text[:300]}"
			except Exception as e:
				ms, error = float("nan"), f"{type(e).__name__}: {e}"
			with lock:
				if error:
					failures.append(error)
				else:
					latencies.append(ms)

	threads = [threading.Thread(target=till, args=(t,)) for t in range(ctx.tills)]
	for thread in threads:
		thread.start()
	barrier.wait()
	started = time.perf_counter()
	for thread in threads:
		thread.join()
	wall = time.perf_counter() - started
	if not measure:
		if failures:
			raise RuntimeError(f"warm-up sales failed on {site}: {failures[:2]}")
		return {}
	return {
		"sales": len(referees),
		"ok": len(latencies),
		"failed": len(failures),
		"failures": failures[:3],
		"wall_s": wall,
		"per_s": len(latencies) / wall if wall else float("nan"),
		"latencies": latencies,
	}


def measure_tills(ctx) -> dict:
	"""``ctx.rounds`` rounds on each site, each with a fresh referrer and referees (the cap is per
	code): throughput median of the rounds, latencies pooled."""
	out = {}
	count = ctx.tills * ctx.sales_per_till
	for site in (ctx.ours, ctx.native):
		log(f"(e) {site}: warm-up, {2 * ctx.tills} sales to the walk-in customer")
		run_tills(ctx, site, [ctx.info[site]["walk_in"]] * 2 * ctx.tills, measure=False)
		rounds = []
		for n in range(ctx.rounds):
			load = ctx.workers[site].call("till_load", referees=count, cap=ctx.cap)
			log(
				f"(e) {site}, round {n + 1}/{ctx.rounds}: {ctx.tills} tills x {ctx.sales_per_till} sales"
				f" to {count} referees of one code{f' capped at {ctx.cap}' if site == ctx.ours else ''}"
			)
			result = run_tills(ctx, site, load["referees"])
			result["tally"] = ctx.workers[site].call(
				"tally", referrer=load["referrer"], referees=load["referees"]
			)
			rounds.append(result)
		latencies = [ms for r in rounds for ms in r["latencies"]]
		out[site] = {
			"rounds": [{k: v for k, v in r.items() if k != "latencies"} for r in rounds],
			"sales": sum(r["sales"] for r in rounds),
			"failed": sum(r["failed"] for r in rounds),
			"submitted": sum(r["tally"]["submitted"] for r in rounds),
			"per_s": median([r["per_s"] for r in rounds]),
			"p50": percentile(latencies, 0.5),
			"p95": percentile(latencies, 0.95),
		}
	return out


def measure_backfill(ctx) -> dict:
	"""benchmarks/backfill.py (it creates the customers, backfills, re-runs, cleans up) ``ctx.rounds``
	times on our site; POS Awesome's one-by-one ``create_referral_code`` on the native one."""
	rounds = []
	for n in range(ctx.rounds):
		log(
			f"(d) backfill benchmark (benchmarks/backfill.py) on {ctx.ours}, {ctx.customers:,} customers,"
			f" round {n + 1}/{ctx.rounds}"
		)
		proc = subprocess.run(
			[
				sys.executable,
				str(HERE / "backfill.py"),
				"--site",
				ctx.ours,
				"--customers",
				str(ctx.customers),
			],
			capture_output=True,
			text=True,
			cwd=shop.sites_path(),
			timeout=1800,
		)
		text = proc.stdout
		found = re.search(r"backfill: (\d+) codes for (\d+) customers in ([\d.]+)s = ([\d,]+) codes/s", text)
		rerun = re.search(r"re-run: (\d+) codes", text)
		if proc.returncode != 0 or not found:
			raise RuntimeError(f"backfill.py failed: {text[-2000:]} {proc.stderr[-2000:]}")
		rounds.append(
			{
				"codes": int(found.group(1)),
				"seconds": float(found.group(3)),
				"per_s": float(found.group(4).replace(",", "")),
				"rerun": int(rerun.group(1)) if rerun else None,
			}
		)
	log("(d) POS Awesome's way on the native site: create_referral_code one customer at a time")
	native = [
		ctx.workers[ctx.native].call("native_codes_one_by_one", count=ctx.native_codes)
		for _n in range(ctx.rounds)
	]
	return {
		"rounds": rounds,
		"codes": median([r["codes"] for r in rounds]),
		"seconds": median([r["seconds"] for r in rounds]),
		"per_s": median([r["per_s"] for r in rounds]),
		"rerun": max(r["rerun"] or 0 for r in rounds),
		"native_per_s": median([r["per_second"] for r in native]),
	}


# --- the table ------------------------------------------------------------------------------


def fmt_ms(v: float) -> str:
	return f"{v:,.1f} ms"


def fmt_n(v: float) -> str:
	return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def yes(ok: bool) -> str:
	return "yes" if ok else "**no**"


def render(ctx, r: dict) -> str:
	ours, native = ctx.ours, ctx.native
	m = shop.machine()
	rows = []

	a = r["a"]
	ratio = a["http_ratio"]
	rows.append(
		(
			f"(a) Create a referred customer at the POS: HTTP `create_customer`, median of {ctx.runs}",
			fmt_ms(a["http_ms"][ours]),
			fmt_ms(a["http_ms"][native]),
			f"{ratio:.2f}×",
			"≤ 1.15×",
			yes(ratio <= 1.15),
		)
	)
	added = a["queries"][ours] - a["queries"][native]
	rows.append(
		(
			f"(a) … SQL queries per call, in-process (commit included), median of {ctx.inproc_runs}",
			fmt_n(a["queries"][ours]),
			fmt_n(a["queries"][native]),
			f"+{fmt_n(added)}",
			"≤ +12",
			yes(added <= 12),
		)
	)
	rows.append(
		(
			"(a) … time in-process (call + commit), median",
			fmt_ms(a["inproc_ms"][ours]),
			fmt_ms(a["inproc_ms"][native]),
			f"{a['inproc_ms'][ours] / a['inproc_ms'][native]:.2f}×",
			"—",
			"—",
		)
	)

	b = r["b"]
	added = b["queries"][ours] - b["queries"][native]
	indexed = bool(b["explain"]) and all(_indexed(e["plan"]) for e in b["explain"] + b["explain_hit"])
	rows.append(
		(
			f"(b) Submit a POS sale (Sales Invoice, is_pos), customer with no referral: SQL queries, median of {ctx.submit_runs}",
			fmt_n(b["queries"][ours]),
			fmt_n(b["queries"][native]),
			f"+{fmt_n(added)}",
			"≤ +1, indexed",
			yes(added <= 1 and indexed),
		)
	)
	ratio = b["ratio"]
	rows.append(
		(
			f"(b) … time (submit + commit), in-process, median of {ctx.submit_runs}",
			fmt_ms(b["ms"][ours]),
			fmt_ms(b["ms"][native]),
			f"{ratio:.3f}×",
			"≤ 1.02×",
			yes(ratio <= 1.02),
		)
	)
	share = b["hook_ms"] / b["ms"][ours] * 100
	rows.append(
		(
			"(b) … of which inside referral_loyalty's invoice hook, median",
			f"{b['hook_ms']:.2f} ms ({share:.2f} %)",
			"—",
			"—",
			"≤ 2 %",
			yes(share <= 2),
		)
	)
	total = b["referee_submit_queries"] + b["referee_commit_queries"]
	rows.append(
		(
			"(b) First sale of a new referee (ours: the pending referral qualifies): SQL queries, sale + after-commit qualification",
			f"{fmt_n(b['referee_submit_queries'])} + {fmt_n(b['referee_commit_queries'])}",
			fmt_n(b["referee_native_queries"]),
			f"+{fmt_n(total - b['referee_native_queries'])}",
			"—",
			"—",
		)
	)
	rows.append(
		(
			f"(b) … time incl. the qualification after the commit ({fmt_ms(b['referee_commit_ms'])} of it), median of {b['referee_runs']}",
			fmt_ms(b["referee_ms"]),
			fmt_ms(b["referee_native_ms"]),
			f"{b['referee_ratio']:.2f}×",
			"every one qualifies",
			yes(b["referee_qualified"] == b["referee_runs"])
			+ f" ({b['referee_qualified']}/{b['referee_runs']})",
		)
	)

	c = r["c"]
	rows.append(
		(
			f"(c) Coupon auto-fetch, customer with {shop.COUPONS} gift coupons: HTTP `get_active_gift_coupons`, median of {ctx.runs}",
			fmt_ms(c["http_ms"][ours]),
			fmt_ms(c["http_ms"][native]),
			f"{c['http_ratio']:.2f}×",
			"—",
			"—",
		)
	)
	rows.append(
		(
			"(c) … SQL queries, in-process",
			fmt_n(c["queries"][ours]),
			fmt_n(c["queries"][native]),
			f"+{fmt_n(c['queries'][ours] - c['queries'][native])}",
			"—",
			"—",
		)
	)

	d = r["d"]
	rows.append(
		(
			f"(d) Backfill codes for {ctx.customers:,} new customers (with the shop's own: {d['codes']:,.0f} codes"
			f" in {d['seconds']:.1f} s), median of {len(d['rounds'])} runs",
			f"{d['per_s']:,.0f} codes/s",
			f"{d['native_per_s']:,.0f} codes/s (no backfill: its `create_referral_code`, one customer at a time,"
			f" on {ctx.native_codes:,})",
			f"{d['per_s'] / d['native_per_s']:.0f}×",
			"≥ 1,000 codes/s",
			yes(d["per_s"] >= 1000),
		)
	)
	rows.append(("(d) … a second run creates", f"{d['rerun']} codes", "—", "—", "0", yes(d["rerun"] == 0)))

	e = r["e"]
	eo, en = e[ours], e[native]
	qualified = [x["tally"]["qualified"] for x in eo["rounds"]]
	pending = sum(x["tally"]["pending"] for x in eo["rounds"])
	statuses: dict[str, int] = {}
	for x in eo["rounds"]:
		for k, v in x["tally"]["by_status"].items():
			statuses[k] = statuses.get(k, 0) + v
	detail = ", ".join(f"{v} {k}" for k, v in sorted(statuses.items()))
	coupons_ours = sum(x["tally"]["referrer_coupons"] for x in eo["rounds"])
	coupons_native = sum(x["tally"]["referrer_coupons"] for x in en["rounds"])
	rounds = len(eo["rounds"])
	rows.append(
		(
			f"(e) {ctx.tills} concurrent tills over HTTP (gunicorn, {ctx.gunicorn_workers} workers), {ctx.tills}×{ctx.sales_per_till}"
			f" first sales of referees of one code capped at {ctx.cap}, {rounds} rounds: qualified per round, read back",
			f"{' / '.join(map(str, qualified))} (in all: {detail}; {coupons_ours} referrer coupons)",
			f"no cap (POS Awesome gave {coupons_native} referrer coupons for {en['sales']} referees)",
			"—",
			f"= cap ({ctx.cap})",
			yes(all(q == ctx.cap for q in qualified) and pending == 0),
		)
	)
	rows.append(
		(
			"(e) … failed sales",
			f"{eo['failed']} of {eo['sales']}",
			f"{en['failed']} of {en['sales']}",
			"—",
			"0",
			yes(eo["failed"] == 0 and eo["submitted"] == eo["sales"]),
		)
	)
	rows.append(
		(
			"(e) … throughput, median of the rounds",
			f"{eo['per_s']:.2f} sales/s",
			f"{en['per_s']:.2f} sales/s",
			f"{eo['per_s'] / en['per_s']:.2f}×",
			"—",
			"—",
		)
	)
	rows.append(
		(
			"(e) … latency per sale p50 / p95",
			f"{eo['p50']:,.0f} / {eo['p95']:,.0f} ms",
			f"{en['p50']:,.0f} / {en['p95']:,.0f} ms",
			f"{eo['p50'] / en['p50']:.2f}× / {eo['p95'] / en['p95']:.2f}×",
			"—",
			"—",
		)
	)

	head = [
		f"Run {ctx.started:%Y-%m-%d %H:%M %Z} on {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM,"
		f" MariaDB and Redis on the same machine; the whole run took {ctx.elapsed() / 60:.1f} min.",
		f"Sites: `{ours}` (erpnext, posawesome, referral_loyalty) and `{native}` (erpnext, posawesome),"
		f" the same shop on both ({ctx.info[ours]['customers']:,} customers before the run).",
		"",
		"| Measure | Ours (referral_loyalty) | POS Awesome native | Ratio | Target | Met? |",
		"|---|---|---|---|---|---|",
	]
	body = ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
	notes = [
		"",
		"- (a) Both sites give the new customer a code of its own (ours: the POS Profile flag; native: POS"
		f" Awesome's company flag). Ours issues the referee's coupon ({a['coupons'][ours]} for the new"
		" customer) and the referrer's when the referral qualifies; POS Awesome issues both at once. The"
		f" referrer's code had {ctx.info[ours]['referees_of_code']:,} referees before the run (each one"
		" is a candidate for the duplicate mobile / e-mail check).",
		f"- (b) The one query the app adds to a sale: {_short(b['added'])} — {_plans(b['explain'])};"
		f" for a customer with a referral: {_plans(b['explain_hit'])}.",
		"- Times are wall-clock on a shared 2-core machine. The two sites are measured alternately, run"
		" after run; a time ratio is the median of the ratios of those back-to-back pairs. SQL queries"
		" are counted server-side (every statement through `frappe.db.sql`, commit included) by running"
		" the same call in-process.",
	]
	return "\n".join(head + body + notes)


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


class Context:
	def __init__(self, args):
		self.ours, self.native = args.site, args.native
		self.runs = args.runs
		self.inproc_runs = args.inproc_runs
		self.port = args.port
		self.gunicorn_workers = 4
		self.tills = args.tills
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

	def elapsed(self) -> float:
		return time.monotonic() - self._t0


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True, help="the site with referral_loyalty")
	parser.add_argument("--native", required=True, help="its twin with POS Awesome only")
	parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 30)))
	parser.add_argument("--submit-runs", type=int, default=int(os.environ.get("BENCH_SUBMIT_RUNS", 60)))
	parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
	parser.add_argument("--inproc-runs", type=int, default=7)
	parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
	parser.add_argument("--native-codes", type=int, default=1000)
	parser.add_argument("--port", type=int, default=8020)
	parser.add_argument("--tills", type=int, default=8)
	parser.add_argument("--sales-per-till", type=int, default=5)
	parser.add_argument("--cap", type=int, default=5)
	parser.add_argument("--only", default="abcde", help="a subset of the measures, e.g. ab")
	args = parser.parse_args()
	for site in (args.site, args.native):
		if site in ("test_referral.localhost", "referral.localhost"):
			sys.exit(f"{site} is not a benchmark site")

	ctx = Context(args)
	logs = Path(shop.sites_path()).parent / "logs"
	results = {}
	try:
		for site in (ctx.ours, ctx.native):
			ctx.workers[site] = Worker(site, logs / "bench-worker.log")
			ctx.info[site] = ctx.workers[site].call("info")
		if not ctx.info[ctx.ours]["ours"] or ctx.info[ctx.native]["ours"]:
			sys.exit("--site must have referral_loyalty and --native must not")
		if set(args.only) & set("ace"):
			with Gunicorn(ctx.port, ctx.gunicorn_workers, logs / "bench-gunicorn.log") as server:
				server.wait_ready([ctx.ours, ctx.native])
				if "a" in args.only:
					results["a"] = measure_create(ctx)
				if "c" in args.only:
					results["c"] = measure_coupons(ctx)
				if "e" in args.only:
					results["e"] = measure_tills(ctx)
			log("gunicorn stopped")
		if "b" in args.only:
			results["b"] = measure_submit(ctx)
		if "d" in args.only:
			results["d"] = measure_backfill(ctx)
	finally:
		for worker in ctx.workers.values():
			worker.close()
	details = logs / f"bench-results-{ctx.started:%Y%m%d-%H%M%S}.json"
	details.write_text(json.dumps(results, default=str, indent=1))
	log(f"every figure and the statements the app sends: {details}")
	if set(args.only) == set("abcde"):
		print(render(ctx, results))


if __name__ == "__main__":
	main()
