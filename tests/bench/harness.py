"""Plumbing for the benchmark: app servers, signed-in HTTP clients, statistics.

Everything here talks to 127.0.0.1 only, and every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
WORK_DIR = Path(os.environ.get("BENCH_DIR", "/tmp"))


class BenchError(Exception):
    """A step of the benchmark could not be done (not a missed target)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def manage(*args: str, timeout: float = 180, env: dict[str, str] | None = None) -> str:
    """Run manage.py with the benchmark's settings; its output, or BenchError."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def spawn(command: list[str], log_path: Path, env: dict[str, str] | None = None):
    """A server process in its own session (stopped as a group), output to its log."""
    with open(log_path, "ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


# --- App servers ------------------------------------------------------------------------------
@dataclass
class Server:
    """gunicorn (gthread) serving the app on loopback with a given sandbox latency."""

    name: str
    env: dict[str, str]
    workers: int = 2
    threads: int = 16
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return WORK_DIR / f"gunicorn-{self.name}.log"

    def start(self, timeout: float = 60) -> Server:
        command = [
            str(GUNICORN),
            "supportdesk.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
            "--backlog",
            "256",
            # Idle keep-alive connections are closed after 2 s by default; a load client that
            # reuses one at that moment gets "connection reset by peer" (a benchmark artefact,
            # not an app error). A load balancer in front keeps them about a minute.
            "--keep-alive",
            "75",
            # gunicorn 27 opens a control socket at one fixed path per user: several servers
            # at once (ours, or anyone's on this machine) would fight over it.
            "--no-control-socket",
        ]
        self.process = spawn(command, self.log_path, self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn {self.name} exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn {self.name} did not answer /healthz:\n{self.log_tail()}")

    def stop(self, timeout: float = 40) -> None:
        """Graceful stop (requests in flight finish), then a kill of the whole group."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --- Signed-in clients ------------------------------------------------------------------------
def totp(key_hex: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 code (SHA-1), as django-otp's TOTPDevice checks it."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


class Agent:
    """One browser-like session: cookies, CSRF token, plain HTTP to one server."""

    def __init__(self, server: Server, *, timeout: float = 30) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def on(self, server: Server) -> Agent:
        """The same signed-in session on another server (sessions live in the shared
        database; signing in again would spend seconds of password hashing per agent)."""
        other = Agent(server)
        other.http.cookies = httpx.Cookies(self.http.cookies)
        return other

    @property
    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken") or ""

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.post(
            path,
            data={**data, "csrfmiddlewaretoken": self.csrf},
            headers={"X-CSRFToken": self.csrf, **(headers or {})},
        )

    def login(self, username: str, password: str, *, then: str = "/", totp_key: str = "") -> None:
        """Sign in through the real login form (and the second factor, if asked)."""
        self.get("/accounts/login/").raise_for_status()
        response = self.post(
            "/accounts/login/", {"username": username, "password": password, "next": then}
        )
        if response.status_code != 302:
            raise BenchError(f"login as {username} failed: HTTP {response.status_code}")
        response = self.get(then)
        location = response.headers.get("location", "")
        if response.status_code == 302 and "mfa" in location:
            if not totp_key:
                raise BenchError(f"{username} is asked for a second factor at {location}")
            page = self.get(location)
            if "setup" in str(page.url) or page.status_code != 200:
                raise BenchError(f"{username}: unexpected second-factor page {location}")
            verify = self.post(location, {"token": totp(totp_key), "next": then})
            if verify.status_code != 302:
                raise BenchError(f"{username}: second factor refused (HTTP {verify.status_code})")
            response = self.get(then)
        if response.status_code != 200:
            raise BenchError(f"{username} cannot open {then} after login: {response.status_code}")


_KEY = re.compile(r'name="options-submission_key" value="([^"]+)"')
_CAMPAIGN = re.compile(r'<option value="(\d+)"[^>]*selected')


def form_fields(html: str) -> tuple[str, str]:
    """The submission key and the preselected campaign of a rendered create form."""
    key, campaign = _KEY.search(html), _CAMPAIGN.search(html)
    if not key or not campaign:
        raise BenchError("the create form has no submission key or default campaign")
    return key.group(1), campaign.group(1)


def create_form(
    *,
    key: str,
    campaign: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    internal_id: str = "",
) -> dict[str, str]:
    """The whole create form as the browser posts it (htmx includes every field too)."""
    data = {
        "options-submission_key": key,
        "options-campaign": campaign,
        "options-internal_customer_id": internal_id,
        "options-override_reason": "",
        "metadata-TOTAL_FORMS": "0",
        "metadata-INITIAL_FORMS": "0",
        "metadata-MIN_NUM_FORMS": "0",
        "metadata-MAX_NUM_FORMS": "20",
    }
    contact = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "company": "",
        "address_line_1": "",
        "address_line_2": "",
        "city": "",
        "state": "",
        "zip": "",
        "country": "",
    }
    for name, value in contact.items():
        data[f"customer-{name}"] = value
        data[f"bill_to-{name}"] = ""
    return data


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:12]


def letters(n: int = 8) -> str:
    """A random word of letters (names must look like names to the matcher)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    raw = uuid.uuid4().int
    out = []
    for _ in range(n):
        raw, index = divmod(raw, 26)
        out.append(alphabet[index])
    return "".join(out).capitalize()


# --- The machine's CPU, to tell our load from anyone else's -------------------------------------
def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


class CpuMeter:
    """Share of the machine's CPU time that was busy between start and `busy_percent()`."""

    def __init__(self) -> None:
        self.start = cpu_ticks()

    def busy_percent(self) -> float:
        busy, total = (now - then for now, then in zip(cpu_ticks(), self.start, strict=True))
        return 100 * busy / total if total else float("nan")


def idle_check(seconds: float = 3) -> float:
    """How busy the machine is before the benchmark starts anything (other people's work)."""
    meter = CpuMeter()
    time.sleep(seconds)
    return meter.busy_percent()


# --- Statistics -------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def python_version() -> str:
    return sys.version.split()[0]


# --- The out-of-process RevCent stand-in (tests/bench/standin.py) -----------------------------
@dataclass
class StandIn:
    """The sandbox in a process of its own, answering at a fixed latency (or range)."""

    latency: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v2"

    def start(self, timeout: float = 30) -> StandIn:
        self.process = spawn(
            [str(PYTHON), "-m", "tests.bench.standin", str(self.port), self.latency],
            WORK_DIR / f"standin-{self.port}.log",
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError("the RevCent stand-in exited at start")
            with contextlib.suppress(httpx.HTTPError):
                self.handled()
                return self
            time.sleep(0.2)
        raise BenchError("the RevCent stand-in did not start")

    def handled(self) -> tuple[int, float]:
        """(calls served, ms spent serving them) so far."""
        data = httpx.get(f"http://{HOST}:{self.port}/__bench/handled", timeout=5).json()
        return int(data["count"]), float(data["ms"])

    def rounds(self) -> int:
        """Upstream waits served one after another so far (see standin.py)."""
        data = httpx.get(f"http://{HOST}:{self.port}/__bench/handled", timeout=5).json()
        return int(data["rounds"])

    def calls(self) -> list[tuple[str, float, float]]:
        """Every call held since the last time this was asked, and forgets them: its
        api_call_id, when it arrived and when it left (the stand-in's clock, seconds)."""
        data = httpx.get(f"http://{HOST}:{self.port}/__bench/calls", timeout=30).json()
        return [(str(call_id), float(came), float(left)) for call_id, came, left in data["calls"]]

    def roots(self) -> list[int]:
        """This process and its own PostgreSQL server (run.sh's BENCH_STANDIN_PGDATA), whose
        CPU is RevCent's work, not the app's."""
        pgdata = os.environ.get("BENCH_STANDIN_PGDATA", "")
        own = [self.process.pid] if self.process is not None else []
        return own + (_pids_from(f"{pgdata}/postmaster.pid") if pgdata else [])

    def server_env(self) -> dict[str, str]:
        """What makes an app server talk to this stand-in as to RevCent."""
        return {
            "REVCENT_API_KEY": "bench-stand-in",
            "REVCENT_BASE_URL": self.base_url,
            "MERCHANT_NAME": "Bench merchant",  # required with an API key
        }

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- CPU of the serving processes: app servers, PostgreSQL, Redis ------------------------------
def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, own CPU ticks, reaped children's CPU ticks) of a process, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the name: state ppid … utime(12) stime(13) cutime(14) cstime(15), 0-based here.
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _pids_from(path: str) -> list[int]:
    try:
        return [int(Path(path).read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


def serving_kinds(servers: list[Server]) -> dict[str, list[int]]:
    """gunicorn masters, and this run's postmaster and Redis (from .ci/services.sh's files)."""
    services = os.environ.get("SERVICES_DIR", "")
    return {
        "gunicorn": [srv.process.pid for srv in servers if srv.process is not None],
        "PostgreSQL": _pids_from(f"{services}/pg/postmaster.pid") if services else [],
        "Redis": _pids_from(f"{services}/redis.pid") if services else [],
    }


def serving_roots(servers: list[Server]) -> list[int]:
    """Every serving process's root: serving_kinds, all kinds together."""
    return [pid for pids in serving_kinds(servers).values() for pid in pids]


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU time of these processes and all their descendants, live or already reaped."""
    table: dict[int, tuple[int, int, int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(int(entry))) is not None:
            table[int(entry)] = found
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    ticks, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        _, own, reaped = table[pid]
        ticks += own + reaped
        todo += children.get(pid, [])
    return ticks / os.sysconf("SC_CLK_TCK")
