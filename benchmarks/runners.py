"""What the benchmark table runs its measures with: the per-site worker.py subprocesses, gunicorn and
the RQ workers on 127.0.0.1, logged-in HTTP tills, and the helpers that alternate calls between the
two sites and keep every sample, failed ones included.

A failed sample never ends a run: ``alternate`` keeps it as a failure (with its error) and the
medians and ratios are taken over the good ones.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shop

CREATE_CUSTOMER = "/api/method/posawesome.posawesome.api.customers.create_customer"
GIFT_COUPONS = "/api/method/posawesome.posawesome.api.offers.get_active_gift_coupons"
SALES_INVOICE = "/api/resource/Sales Invoice"


def log(message: str) -> None:
	print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values) -> float:
	values = [v for v in values if v is not None]
	return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
	ordered = sorted(values)
	if not ordered:
		return float("nan")
	k = (len(ordered) - 1) * q
	low, high = int(k), min(int(k) + 1, len(ordered) - 1)
	return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- samples --------------------------------------------------------------------------------


@dataclass
class Samples:
	"""The runs of one measure on one site, in order: a value, or None where the run failed."""

	runs: list = field(default_factory=list)
	errors: list[str] = field(default_factory=list)

	@property
	def good(self) -> list:
		return [v for v in self.runs if v is not None]

	@property
	def failed(self) -> int:
		return sum(1 for v in self.runs if v is None)

	def median(self, key: str | None = None) -> float:
		return median([v[key] if key else v for v in self.good])

	def last(self) -> dict:
		return self.good[-1] if self.good else {}

	def summary(self) -> dict:
		return {"runs": len(self.runs), "failed": self.failed, "errors": self.errors[:3]}


def alternate(sites: list[str], runs: int, fn) -> dict[str, Samples]:
	"""``fn(site, i)`` for each run on each site, the site going first alternating each run; a run
	that raises is kept as a failure."""
	results = {site: Samples() for site in sites}
	for i in range(runs):
		order = sites if i % 2 == 0 else list(reversed(sites))
		for site in order:
			try:
				value = fn(site, i)
			except Exception as e:
				value = None
				results[site].errors.append(f"{type(e).__name__}: {str(e)[:400]}")
			results[site].runs.append(value)
	return results


def _blocks(ours: Samples, native: Samples, key: str | None) -> list[tuple[float, float]]:
	"""Runs 2k and 2k+1 taken together, the sums of each side's two runs; a block with a failed
	run is left out. ``alternate`` puts one site first in run 2k and the other first in run 2k+1,
	so whatever going second in a pair costs weighs on both sides of a block alike
	(``second_cost`` says how much: 3 to 11 % of a sale in the runs measured on 2-core machines). One
	run's ratio alone swings with the order, and the median of such ratios lands anywhere between
	the two orders'."""

	def value(run):
		return run[key] if key else run

	blocks = []
	runs = list(zip(ours.runs, native.runs, strict=True))
	for k in range(0, len(runs) - 1, 2):
		(o1, n1), (o2, n2) = runs[k], runs[k + 1]
		if None not in (o1, n1, o2, n2):
			blocks.append((value(o1) + value(o2), value(n1) + value(n2)))
	return blocks


def _ratios(ours: Samples, native: Samples, key: str | None) -> list[float]:
	return [o / n for o, n in _blocks(ours, native, key)]


def paired_difference(ours: Samples, native: Samples, key: str | None = None) -> float:
	"""What one side adds to the other, in the unit of ``key``: the median over the blocks of two
	runs (``_blocks``) of the difference of their sums, halved (a run's worth)."""
	return median([(o - n) / 2 for o, n in _blocks(ours, native, key)])


def paired_ratio(ours: Samples, native: Samples, key: str | None = None) -> float:
	"""The median over the blocks of two runs (``_blocks``, one with each site first) of the ratio
	of their sums: a slow spell of the shared machine hits both sides of a block, not one site's
	median, and so does the cost of going second."""
	return median(_ratios(ours, native, key))


def second_cost(ours: Samples, native: Samples, key: str | None = None) -> float:
	"""What going second in a pair cost, as a share of a run: from the median ratio of the pairs
	where ours went first (``alternate``'s even runs) and of those where the other site did, the
	square root of their quotient, less one. The blocks cancel it; this says how much there was."""
	pairs = [
		(i, (o[key] if key else o) / (n[key] if key else n))
		for i, (o, n) in enumerate(zip(ours.runs, native.runs, strict=True))
		if o is not None and n is not None
	]
	ours_first = [r for i, r in pairs if i % 2 == 0]
	other_first = [r for i, r in pairs if i % 2 == 1]
	if not ours_first or not other_first:
		return float("nan")
	return (median(other_first) / median(ours_first)) ** 0.5 - 1


def paired_interval(
	ours: Samples, native: Samples, key: str | None = None, resamples: int = 2000
) -> tuple[float, float]:
	"""95 % bootstrap interval of ``paired_ratio``: the median of the blocks drawn again with
	replacement, ``resamples`` times (a fixed seed: the same samples give the same interval). It
	is the resolution of one measurement on this machine, which a target closer to parity than
	that cannot be told from."""
	ratios = _ratios(ours, native, key)
	if len(ratios) < 2:
		return (float("nan"), float("nan"))
	draw = random.Random(0)
	medians = sorted(statistics.median(draw.choices(ratios, k=len(ratios))) for _ in range(resamples))
	return (medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1])


def index_cost(worker: Worker) -> dict:
	"""worker.index_write_cost on ``worker``'s site, summed up: the statements' µs of a sale's
	insert and submit with the app's indexes on Sales Invoice and without them (medians), the
	paired ratio with its interval, the median of the pairs' differences, and the commits' µs
	apart. A failure is returned as ``{"error": …}`` for the table to print, never raised."""
	try:
		raw = worker.call("index_write_cost")
	except Exception as e:
		return {"error": f"{type(e).__name__}: {str(e)[-400:]}"}
	with_app, without = (Samples(runs=raw[key]) for key in ("with", "without"))
	return {
		"indexes": raw["indexes"],
		"rows": raw["rows"],
		"copy_s": raw["copy_s"],
		"pairs": len(with_app.runs),
		"us": {"with": with_app.median("us"), "without": without.median("us")},
		"commit_us": {"with": with_app.median("commit_us"), "without": without.median("commit_us")},
		"ratio": paired_ratio(with_app, without, "us"),
		"ratio_ci": paired_interval(with_app, without, "us"),
		"added_us": paired_difference(with_app, without, "us"),
	}


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
		if self.proc.poll() is not None:
			raise RuntimeError(f"the worker for {self.site} has exited")
		self.proc.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
		self.proc.stdin.flush()
		line = self.proc.stdout.readline()
		if not line:
			raise RuntimeError(f"the worker for {self.site} has exited during {op}")
		answer = json.loads(line)
		if "error" in answer:
			raise RuntimeError(f"{self.site} {op}: {answer['error'][-1500:]}")
		return answer["ok"]

	def close(self) -> None:
		if self.proc.poll() is None:
			self.proc.stdin.close()
			try:
				self.proc.wait(timeout=30)
			except subprocess.TimeoutExpired:
				self.proc.kill()
		self._log.close()


class _ProcessGroup:
	"""A server this script starts in a process group of its own and stops by that group."""

	name = "process"
	stop_signal = signal.SIGTERM
	stop_timeout = 30.0  # seconds, then SIGKILL

	def __init__(self, log_path: Path):
		self.log_path = log_path
		self.procs: list[subprocess.Popen] = []
		self._log = None

	def _start(self, argv: list[str]) -> None:
		if self._log is None:
			self._log = open(self.log_path, "a")
		self.procs.append(
			subprocess.Popen(
				argv,
				cwd=shop.sites_path(),
				stdout=self._log,
				stderr=self._log,
				stdin=subprocess.DEVNULL,
				start_new_session=True,
			)
		)

	def check(self) -> None:
		for proc in self.procs:
			if proc.poll() is not None:
				raise RuntimeError(f"{self.name} exited (see {self.log_path})")

	def __exit__(self, *exc):
		for proc in self.procs:
			if proc.poll() is None:
				os.killpg(proc.pid, self.stop_signal)  # the group this script started
		for proc in self.procs:
			try:
				proc.wait(timeout=self.stop_timeout)
			except subprocess.TimeoutExpired:
				os.killpg(proc.pid, signal.SIGKILL)
				proc.wait()
		if self._log:
			self._log.close()
		return False


class Gunicorn(_ProcessGroup):
	"""frappe served by gunicorn from the bench's sites folder (sync workers, preloaded);
	``statics``: it serves /assets and /files too, as nginx does in production (for a browser)."""

	name = "gunicorn"
	# Quick shutdown: no request is in flight once a measure has ended. On SIGTERM its arbiter
	# waits for its workers and logs each one's end from a signal handler, which can deadlock on
	# its own log stream (seen once: 30 s lost until SIGKILL).
	stop_signal = signal.SIGINT
	stop_timeout = 10.0

	def __init__(self, port: int, workers: int, log_path: Path, statics: bool = False):
		super().__init__(log_path)
		self.port = port
		self.workers = workers
		self.statics = statics

	def __enter__(self):
		with socket.socket() as probe:
			if probe.connect_ex(("127.0.0.1", self.port)) == 0:
				raise RuntimeError(f"port {self.port} is in use: stop what listens there first")
		gunicorn = Path(sys.executable).with_name("gunicorn")
		self._start(
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
				"frappe.app:application_with_statics()" if self.statics else "frappe.app:application",
				"--preload",
			]
		)
		return self

	def wait_ready(self, sites, timeout: float = 90) -> None:
		import requests

		deadline = time.monotonic() + timeout
		pending = set(sites)
		while pending and time.monotonic() < deadline:
			self.check()
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


class RQWorkers(_ProcessGroup):
	"""``count`` RQ workers of the bench (``bench worker``: every queue, every site of the bench), so
	the jobs the sales enqueue run while the tills sell, as in production."""

	name = "bench worker"

	def __init__(self, count: int, log_path: Path):
		super().__init__(log_path)
		self.count = count

	def __enter__(self):
		for _n in range(self.count):
			# what `bench worker` runs (every queue), from the sites folder
			self._start([sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker"])
		time.sleep(3)
		self.check()
		return self

	def drain(self, timeout: float = 60) -> int:
		"""Wait until no job is queued or running (the backlog earlier measures left); the jobs
		still there after ``timeout``."""
		import rq
		from redis import Redis

		config = json.loads((Path(shop.sites_path()) / "common_site_config.json").read_text())
		connection = Redis.from_url(config.get("redis_queue") or "redis://127.0.0.1:6379")
		deadline = time.monotonic() + timeout
		while True:
			self.check()
			left = sum(q.count + q.started_job_registry.count for q in rq.Queue.all(connection=connection))
			if not left or time.monotonic() > deadline:
				return left
			time.sleep(1)


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
