"""Ten students on one hub run notebooks 01 and 03 at the same time, with the reference solutions in.

The hub (classroom/jupyterhub_config.py) starts every student's JupyterLab as their own Unix user;
nbgitpuller, through the hub, pulls the course into each home; each student's own kernel runs both
notebooks at once (twenty kernels on this machine's cores). Every check must say ✓ under that load,
every student's kernels must talk only to their own lab servers, and once the hub stops the
servers no student process may be left. The figures (memory per student, CPU per notebook, wall
times) go to build/classroom/hub-run.json and the test's output.
"""

import asyncio
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from helpers.classroom import hub as classroom
from helpers.classroom.remote import run_notebook
from helpers.classroom.solved import solve, verdicts
from tests.classroom.upstream import Upstream
from tests.notebook_run import FORBIDDEN

pytestmark = pytest.mark.classroom

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = int(os.environ.get("COURSE_HUB_TEST_STUDENTS", "10"))
NOTEBOOKS = ("01_for_loop.ipynb", "03_threads_underneath.ipynb")
REPORT = ROOT / "build" / "classroom" / "hub-run.json"


def _kind(command: str) -> str:
    for needle, kind in (
        ("jupyterhub-singleuser", "JupyterLab server"),
        ("ipykernel", "kernel"),
        ("helpers.server", "lab server"),
    ):
        if needle in command:
            return kind
    return "other"


def judge_connections(before, connections, after):
    """Whose lab server each kernel connection went to, from one sample.

    ``before`` and ``after``: {port: set of owners} of the lab servers listening just before and
    just after ``connections`` was read, a list of (the kernel's owner, the loopback port it is
    connected to). A connection is another student's only when that port had the same one other
    owner in both readings (a server may end and its port go to a new one between them); it is the
    kernel owner's own when their server listened on it in either. Returns (foreign: a list of
    (who, whose, port), own: how many).
    """
    foreign, own = [], 0
    for who, port in connections:
        if who in before.get(port, set()) | after.get(port, set()):
            own += 1
        elif before.get(port) and before.get(port) == after.get(port):
            foreign.append((who, ", ".join(sorted(before[port])), port))
    return foreign, own


def test_judge_connections():
    before = {41000: {"ann"}, 42000: {"bob"}, 43000: {"cat"}}
    after = {41000: {"ann"}, 42000: {"bob"}, 44000: {"ann"}}
    connections = [
        ("ann", 41000),  # her own server
        ("ann", 44000),  # her own server, started while the kernels were read
        ("ann", 42000),  # bob's server, in both readings: foreign
        ("ann", 43000),  # cat's server ended meanwhile; the port may be anyone's now: not judged
        ("ann", 8888),  # not a lab server (her JupyterLab): not judged
    ]
    assert judge_connections(before, connections, after) == ([("ann", "bob", 42000)], 2)


class Sampler(threading.Thread):
    """Every second: each student's memory (all their processes), their lab servers' ports, and
    which lab server each kernel's connections on loopback went to."""

    def __init__(self, names):
        super().__init__(daemon=True)
        self.names, self.stop = names, threading.Event()
        self.peak_rss = dict.fromkeys(names, 0)
        self.peak_by_kind: dict[str, int] = {}  # the largest one process of each kind reached
        self.cpu: dict[int, tuple[str, float]] = {}
        self.servers: dict[int, tuple[str, frozenset]] = {}  # pid -> (owner, listening ports)
        self.at_once: dict[int, set] = {}  # a port two students' servers listened on in one sample
        self.foreign: set[tuple[str, str, int]] = set()  # (kernel's owner, server's owner, port)
        self.own = 0  # kernel connections seen to the kernel owner's own lab server

    def run(self):
        while not self.stop.wait(1.0):
            self.sample()

    def listening(self, processes):
        """{port: owners} of the lab servers among ``processes`` (name, psutil.Process) now."""
        ports: dict[int, set] = {}
        for name, p in processes:
            try:
                if "helpers.server" not in " ".join(p.cmdline()):
                    continue
                mine = frozenset(
                    c.laddr.port for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN
                )
            except psutil.Error:
                continue
            old = self.servers.get(p.pid, (name, frozenset()))[1]
            self.servers[p.pid] = (name, old | mine)
            for port in mine:
                ports.setdefault(port, set()).add(name)
        return ports

    def sample(self):
        processes = [(name, p) for name in self.names for p in classroom.processes_of([name])]
        before = self.listening(processes)
        connections = []
        for name in self.names:
            rss = 0
            for owner, p in processes:
                if owner != name:
                    continue
                try:
                    with p.oneshot():
                        mine = p.memory_info().rss
                        rss += mine
                        kind = _kind(" ".join(p.cmdline()))
                        self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), mine)
                        t = p.cpu_times()
                        self.cpu[p.pid] = (name, t.user + t.system + t.children_user + t.children_system)
                        if kind == "kernel":
                            connections += [
                                (name, c.raddr.port)
                                for c in p.net_connections("tcp")
                                if c.raddr
                                and c.raddr.ip in ("127.0.0.1", "::1")
                                and c.status == psutil.CONN_ESTABLISHED
                            ]
                except psutil.Error:
                    pass
            self.peak_rss[name] = max(self.peak_rss[name], rss)
        after = self.listening(processes)
        for reading in (before, after):
            self.at_once.update({port: who for port, who in reading.items() if len(who) > 1})
        foreign, own = judge_connections(before, connections, after)
        self.foreign.update(foreign)
        self.own += own


@pytest.fixture(scope="module")
def hub(layout):
    names = classroom.student_names(STUDENTS, prefix="hubtest")
    classroom.remove_students(names)  # a run killed earlier may have left them
    classroom.add_students(names)
    running = classroom.Hub(layout, names, port=classroom.free_port())
    running.start()
    yield running
    running.stop()
    left = classroom.processes_of(names)
    classroom.remove_students(names)
    assert not left, f"processes left after the hub stopped: {[(p.pid, p.info) for p in left]}"


def get_json(hub, path):
    """GET ``path`` through the hub's proxy with the admin token; the JSON answer."""
    request = urllib.request.Request(f"{hub.url}{path}", headers={"Authorization": f"token {hub.api_token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def pull(hub, name, url):
    """nbgitpuller's API, through the hub, as the student: the course into ~/course."""
    query = urllib.parse.urlencode({"repo": url, "branch": "main", "targetpath": "course"})
    request = urllib.request.Request(
        f"{hub.url}/user/{name}/git-pull/api?{query}", headers={"Authorization": f"token {hub.api_token}"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        events = [
            json.loads(line[6:])
            for line in response.read().decode().splitlines()
            if line.startswith("data: ")
        ]
    assert events and events[-1].get("phase") == "finished", f"{name}: git-pull said {events[-3:]}"


@pytest.mark.timeout(2400)
def test_ten_students_run_01_and_03_at_once_and_every_check_passes(hub):
    names = hub.students
    timings = {}
    t0 = time.perf_counter()
    for name in names:
        hub.start_server(name)
    hub.wait_ready(names, timeout=300)
    timings["servers_ready"] = time.perf_counter() - t0

    # Every student's JupyterLab: no news question, and nbgrader's teacher tools are not there.
    notification = get_json(
        hub, f"/user/{names[0]}/lab/api/settings/@jupyterlab/apputils-extension:notification"
    )
    fetch_news = notification["schema"]["properties"]["fetchNews"]["default"]  # overrides.json's value
    assert fetch_news == "false", fetch_news
    with pytest.raises(urllib.error.HTTPError) as refused:
        get_json(hub, f"/user/{names[0]}/formgrader")
    assert refused.value.code == 404

    upstream = Upstream()
    try:
        t0 = time.perf_counter()
        for name in names:
            pull(hub, name, upstream.url)
        timings["pulls"] = time.perf_counter() - t0
    finally:
        upstream.close()
    for name in names:  # the course is in the student's home, and theirs
        home = Path(os.path.expanduser(f"~{name}"))
        copy = home / "course" / "notebooks" / NOTEBOOKS[0]
        assert copy.is_file(), f"{name}: nbgitpuller did not bring {copy}"
        assert copy.stat().st_uid == home.stat().st_uid

    jobs = [(name, nb) for name in names for nb in NOTEBOOKS]
    solved = {nb: solve(ROOT / "notebooks" / nb) for nb in NOTEBOOKS}
    sampler = Sampler(names)
    sampler.start()
    walls = {}

    async def one(name, nb):
        start = time.perf_counter()
        done = await run_notebook(
            f"{hub.url}/user/{name}", hub.api_token, f"course/notebooks/{nb}", solved[nb], cell_timeout=900
        )
        walls[(name, nb)] = time.perf_counter() - start
        return done

    async def everyone():
        return await asyncio.gather(*(one(name, nb) for name, nb in jobs))

    t0 = time.perf_counter()
    try:
        executed = asyncio.run(everyone())
    finally:
        sampler.stop.set()
        sampler.join()
    timings["notebooks"] = time.perf_counter() - t0

    problems = []
    for (name, nb), done in zip(jobs, executed, strict=True):
        for index, cell in enumerate(done.cells):
            if cell.cell_type != "code":
                continue
            tags = cell.metadata.get("tags", [])
            for out in cell.outputs:
                if out["output_type"] == "error" and "raises-exception" not in tags:
                    problems.append(f"{name} {nb} cell {index}: {out['ename']}: {out['evalue']}")
                text = out.get("text") or str(out.get("data", {}).get("text/plain", ""))
                for bad in FORBIDDEN:
                    if bad in text and "shows-warning" not in tags and out["output_type"] != "error":
                        problems.append(f"{name} {nb} cell {index}: {bad!r} in its output")
        for verdict in verdicts(done):
            if verdict.status != "passed":
                problems.append(f"{name} {nb} check cell {verdict.index}: {verdict.status}:\n{verdict.text}")
        assert len(verdicts(done)) >= 2, f"{name} {nb}: its check cells did not run"

    # Every student had lab servers of their own, and their kernels talked to no one else's. A port
    # may serve two students one after the other (the system hands out free ports again), never at once.
    ports = {port for _owner, mine in sampler.servers.values() for port in mine}
    with_servers = {owner for owner, _ in sampler.servers.values()}

    per_student = sorted(sampler.peak_rss.values())
    cpu_by_student: dict[str, float] = {}
    for owner, seconds in sampler.cpu.values():
        cpu_by_student[owner] = cpu_by_student.get(owner, 0.0) + seconds
    report = {
        "students": len(names),
        "notebooks_each": list(NOTEBOOKS),
        "cpus": os.cpu_count(),
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "wall_s": {nb: sorted(round(walls[(n, nb)], 1) for n in names) for nb in NOTEBOOKS},
        "peak_rss_mib_per_student": [round(r / 2**20) for r in per_student],
        "peak_rss_mib_per_process": {k: round(v / 2**20) for k, v in sorted(sampler.peak_by_kind.items())},
        "cpu_s_per_student": sorted(round(v, 1) for v in cpu_by_student.values()),
        "lab_servers": len(sampler.servers),
        "ports": len(ports),
        "kernel_connections_to_own_server": sampler.own,
        "problems": problems,
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps({k: v for k, v in report.items() if k != "problems"}, indent=1))

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])
    assert with_servers == set(names), f"students without a lab server: {set(names) - with_servers}"
    assert not sampler.at_once, f"ports two students' lab servers listened on at once: {sampler.at_once}"
    assert not sampler.foreign, (
        f"kernels connected to another student's lab server: {sorted(sampler.foreign)}"
    )
    assert sampler.own > 0, "no kernel was seen connected to its own lab server: the check above saw nothing"

    for name in names:
        hub.stop_server(name)
    deadline = time.monotonic() + 60
    while classroom.processes_of(names) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [(p.pid, p.username(), " ".join(p.cmdline())[:80]) for p in classroom.processes_of(names)]
    assert not left, f"student processes left after the hub stopped their servers: {left}"
