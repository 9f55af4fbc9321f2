"""Many solved notebooks at once, as on a crowded hub: how often does a correct solution get ✗?

``python -m helpers.classroom.crowd --at-once 4 --rounds 1 notebooks/0[1-3]*.ipynb`` runs each
notebook with its reference solutions pasted in (:mod:`helpers.classroom.solved`), ``--at-once``
of them at a time, each in its own fresh kernel, and prints every check that did not pass, the
false-✗ rate (a correct solution judged ✗: every ✗ here is one), and per notebook the wall time,
the CPU seconds and the peak memory of its kernel and the processes it started (lab servers
included). The executed notebooks and a JSON summary go to ``--out`` (build/crowd/ by default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["CpuQuota", "run_one", "run_crowd", "main"]

ROOT = Path(__file__).resolve().parents[2]


def _tree(pid: int):
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def _rss(processes) -> int:
    import psutil

    total = 0
    for p in processes:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_one(path: Path | str, out: Path | str, timeout: int = 300) -> dict:
    """Run one solved notebook in a fresh kernel; save it under ``out``; return what it measured.

    The dict has the notebook's name, ``seconds`` (wall), ``cpu_seconds`` and ``peak_rss`` (bytes)
    of the kernel's process tree, ``error`` (a cell that raised, or None) and ``verdicts``
    (index, title, status, text of every check cell).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from helpers.classroom.solved import solve, verdicts

    path = Path(path).resolve()
    nb = solve(path)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    peak, cpu, last, restarts = 0, 0.0, {}, 0

    def sample(cell=None, cell_index=None, execute_reply=None) -> None:
        nonlocal peak, cpu
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is None:
            return
        tree = _tree(process.pid)
        peak = max(peak, _rss(tree))
        for p in tree:  # the last CPU reading of each process, kept after it ends
            last[p.pid] = _cpu_seconds([p]) or last.get(p.pid, 0.0)
        cpu = sum(last.values())

    client.on_cell_executed = sample
    error = None
    start = time.perf_counter()
    try:
        try:
            client.execute()
        except RuntimeError as exc:  # "Kernel died before replying to kernel_info": a start-up race
            if "kernel_info" not in str(exc) or any(c.get("outputs") for c in nb.cells):
                raise
            restarts += 1
            client.execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else type(exc).__name__
    except Exception as exc:  # a timeout or a dead kernel: say so, keep what ran
        error = f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / path.name)
    return {
        "notebook": path.name,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss": peak,
        "error": error,
        "kernel_restarts": restarts,
        "verdicts": [v.__dict__ for v in verdicts(nb)],
    }


class CpuQuota:
    """A cgroup that lets the processes put in it use at most ``cores`` CPUs (a hub's CPU limit).

    Linux only, as root: cgroup v2 (``cpu.max``) or v1 (``cpu.cfs_quota_us``). Used as a context
    manager; :meth:`add` puts a process in (its children follow).
    """

    def __init__(self, cores: float):
        if not cores > 0:
            raise ValueError(f"cores must be above 0, not {cores!r}")
        period = 100_000
        quota = max(1000, int(cores * period))
        name = f"course-crowd-{os.getpid()}-{time.monotonic_ns()}"
        v2 = Path("/sys/fs/cgroup")
        controllers = v2 / "cgroup.controllers"
        if controllers.is_file() and "cpu" in controllers.read_text(encoding="utf-8").split():
            self.path = v2 / name
            self.path.mkdir()
            (self.path / "cpu.max").write_text(f"{quota} {period}", encoding="utf-8")
        else:
            self.path = v2 / "cpu" / name
            self.path.mkdir()
            (self.path / "cpu.cfs_period_us").write_text(str(period), encoding="utf-8")
            (self.path / "cpu.cfs_quota_us").write_text(str(quota), encoding="utf-8")

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid), encoding="utf-8")

    def __enter__(self) -> CpuQuota:
        return self

    def __exit__(self, *exc) -> None:
        for _ in range(50):  # the processes in it have ended; the kernel removes it once empty
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _one_in_a_process(path: Path, out: Path, timeout: int, cpu_quota: float | None = None) -> dict:
    result = out / f"{path.stem}.json"
    argv = [
        sys.executable,
        "-m",
        "helpers.classroom.crowd",
        "--one",
        str(path),
        "--out",
        str(out),
        "--timeout",
        str(timeout),
    ]
    if cpu_quota:
        with CpuQuota(cpu_quota) as quota:
            # The runner joins the cgroup before it starts, so the kernel it starts is in it too.
            subprocess.run(
                argv,
                check=False,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                preexec_fn=lambda: quota.add(os.getpid()),
            )
    else:
        subprocess.run(argv, check=False, cwd=ROOT, stdout=subprocess.DEVNULL)
    if not result.is_file():
        return {
            "notebook": path.name,
            "seconds": 0,
            "cpu_seconds": 0,
            "peak_rss": 0,
            "error": "the runner died",
            "verdicts": [],
        }
    return json.loads(result.read_text(encoding="utf-8"))


def _burners(count: int) -> list[subprocess.Popen]:
    """``count`` processes that spin on the CPU: a hub whose cores are all taken."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run_crowd(
    paths,
    at_once: int = 4,
    rounds: int = 1,
    out: Path | str = ROOT / "build" / "crowd",
    timeout: int = 300,
    burn: int = 0,
    cpu_quota: float | None = None,
) -> dict:
    """Run every notebook in ``paths`` ``rounds`` times, ``at_once`` at a time; return the summary.

    ``burn`` processes spin on the CPU meanwhile, so the kernels get only a share of the cores;
    ``cpu_quota`` (cores, e.g. 0.25) caps each notebook's kernel, as a hub's per-student CPU limit does.
    """
    if at_once < 1 or rounds < 1 or burn < 0:
        raise ValueError("at_once and rounds must be at least 1, burn at least 0")
    paths = [Path(p).resolve() for p in paths]
    if not paths:
        raise ValueError("no notebooks given")
    out = Path(out)
    jobs = [(p, out / f"round{r + 1}") for r in range(rounds) for p in paths]
    start = time.perf_counter()
    burners = _burners(burn)
    try:
        with ThreadPoolExecutor(at_once) as pool:
            results = list(pool.map(lambda job: _one_in_a_process(job[0], job[1], timeout, cpu_quota), jobs))
    finally:
        for b in burners:
            b.kill()
            b.wait()
    checks = [v for r in results for v in r["verdicts"]]
    failed = [(r["notebook"], v) for r in results for v in r["verdicts"] if v["status"] != "passed"]
    summary = {
        "at_once": at_once,
        "rounds": rounds,
        "burn": burn,
        "cpu_quota": cpu_quota,
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - start, 1),
        "checks": len(checks),
        "not_passed": len(failed),
        "false_fail_rate": round(len(failed) / len(checks), 4) if checks else None,
        "results": results,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    return summary


def _report(summary: dict) -> str:
    lines = [
        f"{len(summary['results'])} notebook runs, {summary['at_once']} at once on "
        f"{summary['cpus']} CPUs beside {summary['burn']} CPU burners, "
        f"{summary['cpu_quota'] or 'no'} CPU quota per notebook, in {summary['seconds']} s"
    ]
    for r in summary["results"]:
        lines.append(
            f"  {r['notebook']:32} {r['seconds']:7.1f} s wall {r['cpu_seconds']:7.1f} s CPU "
            f"{r['peak_rss'] / 2**20:6.0f} MiB" + (f"  ERROR {r['error']}" if r["error"] else "")
        )
        for v in r["verdicts"]:
            if v["status"] != "passed":
                lines.append(
                    f"    ✗ cell {v['index']} {v['title']}: {v['status']}\n      "
                    + v["text"].replace("\n", "\n      ")[:1500]
                )
    lines.append(
        f"checks: {summary['checks']}, not passed: {summary['not_passed']} "
        f"(false-✗ rate {summary['false_fail_rate']})"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--at-once", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "build" / "crowd"))
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--burn", type=int, default=0, help="processes spinning on the CPU meanwhile")
    parser.add_argument(
        "--cpu-quota",
        type=float,
        default=None,
        help="cores each notebook may use (a cgroup; Linux, root), e.g. 0.25",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        result = run_one(args.one, args.out, args.timeout)
        (Path(args.out) / f"{Path(args.one).stem}.json").write_text(
            json.dumps(result, ensure_ascii=False), encoding="utf-8"
        )
        return 0
    paths = args.notebooks or sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    summary = run_crowd(paths, args.at_once, args.rounds, args.out, args.timeout, args.burn, args.cpu_quota)
    print(_report(summary))
    return 0 if summary["not_passed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
