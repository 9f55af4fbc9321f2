"""The course on Windows and macOS: their branches, run here by standing in for what differs.

Nothing in CI runs Windows or macOS. Each test below takes one place where the course
behaves differently there (an open-file limit, a stack's reservation, psutil's fields,
a proactor instead of a selector, a pipe's end, text encodings), makes this process
look like that system (``sys.platform``, ``os.name``, a module that is missing there,
a stand-in for a Windows API), and asserts what the course then does, with real values.
"""

from __future__ import annotations

import ast
import asyncio
import ctypes
import errno
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers import bench, builds, checks, lab, memory, platforms, server
from helpers.exercises import nb03, nb12, nb16
from helpers.memory import MemorySnapshot

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

try:
    import resource  # this machine's, for the tests of real limits (none on Windows)
except ImportError:
    resource = None
needs_resource = pytest.mark.skipif(resource is None, reason="no resource module (Windows): nothing to raise")


# ---------------------------------------------------------------- open-file limits (macOS: 256)


@pytest.fixture
def soft_limit():
    """Set this process's soft open-file limit for a test (as macOS starts it: 256); put it back after."""
    before = resource.getrlimit(resource.RLIMIT_NOFILE)

    def set_soft(value: int) -> None:
        if before[1] != resource.RLIM_INFINITY and before[1] < platforms.WANTED_OPEN_FILES:
            pytest.skip(f"the hard limit here ({before[1]}) is below {platforms.WANTED_OPEN_FILES}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (value, before[1]))

    yield set_soft
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


@needs_resource
def test_a_macos_default_limit_is_raised_to_4096(soft_limit):
    soft_limit(256)  # a process started from a macOS Terminal
    assert platforms.open_file_limit() == 256
    assert platforms.raise_open_file_limit() == 4096
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == 4096


@needs_resource
def test_a_higher_limit_is_never_lowered(soft_limit):
    soft_limit(8192)
    assert platforms.raise_open_file_limit() == 8192


class FakeResource:
    """A stand-in :mod:`resource`: a soft and a hard limit, and whether setrlimit is refused."""

    RLIMIT_NOFILE = 7
    RLIM_INFINITY = -1

    def __init__(self, soft: int, hard: int, refuse: bool = False):
        self.limits, self.refuse, self.calls = (soft, hard), refuse, []

    def getrlimit(self, which):
        assert which == self.RLIMIT_NOFILE
        return self.limits

    def setrlimit(self, which, limits):
        self.calls.append(limits)
        if self.refuse:
            raise ValueError("not allowed to raise maximum limit")  # what CPython raises for EPERM/EINVAL
        self.limits = limits


@pytest.mark.parametrize(
    ("soft", "hard", "refuse", "now", "calls"),
    [
        (256, FakeResource.RLIM_INFINITY, False, 4096, [(4096, FakeResource.RLIM_INFINITY)]),  # macOS
        (256, 1000, False, 1000, [(1000, 1000)]),  # a low hard limit: up to it, no further
        (256, 65536, True, 256, [(4096, 65536)]),  # refused: unchanged, no error
        (1024, 1024, False, 1024, []),  # nothing to gain: not asked
        (FakeResource.RLIM_INFINITY, FakeResource.RLIM_INFINITY, False, None, []),  # unlimited already
    ],
)
def test_the_limit_goes_as_high_as_allowed(monkeypatch, soft, hard, refuse, now, calls):
    fake = FakeResource(soft, hard, refuse)
    monkeypatch.setattr(platforms, "_resource", lambda: fake)
    assert platforms.raise_open_file_limit() == now
    assert fake.calls == calls


def test_windows_has_no_open_file_limit_for_sockets(monkeypatch):
    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` fails, as on Windows
    monkeypatch.setattr(sys, "platform", "win32")
    assert platforms.open_file_limit() is None
    assert platforms.raise_open_file_limit() is None
    with pytest.raises(ValueError, match="want must be an int >= 1"):
        platforms.raise_open_file_limit(0)


@needs_resource
@pytest.mark.skipif(not hasattr(psutil.Process, "rlimit"), reason="psutil reads another process's limits")
def test_the_lab_server_raises_its_own_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < platforms.WANTED_OPEN_FILES:
        pytest.skip(f"the hard limit here ({hard}) is below {platforms.WANTED_OPEN_FILES}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.server", "--exit-on-stdin-eof"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)),  # born as on macOS
    )
    try:
        assert proc.stdout.readline().startswith(b"http://127.0.0.1:")
        assert psutil.Process(proc.pid).rlimit(psutil.RLIMIT_NOFILE) == (4096, hard)
    finally:
        proc.stdin.close()  # EOF: the server stops
        proc.wait(10)
        proc.stdout.close()


@needs_resource
def test_start_server_raises_the_kernels_limit(soft_limit):
    soft_limit(256)
    try:
        lab.start_server(latency=0.0)
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == 4096
    finally:
        lab.stop_server()


def test_too_many_open_files_in_exercise_13_2_names_the_limit():
    async def aiohttp_500(url, n):
        raise OSError(errno.EMFILE, "Too many open files")

    fb = asyncio.run(nb16.aiohttp_500(aiohttp_500))
    lab.stop_server()
    assert fb.status == "failed", fb.text
    assert f"this kernel may open {platforms.open_file_limit()} files, sockets included" in fb.text


# ---------------------------------------------------------------- the lab server's "exit with the kernel"


class _Stdin:
    """A stand-in ``sys.stdin`` whose ``buffer.read`` returns or raises what a pipe would."""

    def __init__(self, *reads):
        self.buffer, self._reads = self, list(reads)

    def read(self, size):
        item = self._reads.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


class _Loop:
    def __init__(self):
        self.scheduled = []

    def call_soon_threadsafe(self, callback):
        self.scheduled.append(callback)


@pytest.mark.parametrize(
    "reads",
    [
        (b"x", b""),  # the writer died: end-of-file (Linux, macOS; Windows' C runtime too)
        (b"x", BrokenPipeError(errno.EPIPE, "The pipe has been ended")),  # a read that fails instead
    ],
    ids=["eof", "broken-pipe"],
)
def test_the_server_stops_when_its_stdin_pipe_ends_either_way(monkeypatch, reads):
    exits, stop, loop = [], asyncio.Event(), _Loop()
    monkeypatch.setattr(sys, "stdin", _Stdin(*reads))
    monkeypatch.setattr(server.time, "sleep", lambda seconds: None)  # the grace period, skipped
    monkeypatch.setattr(server.os, "_exit", exits.append)
    server._watch_stdin(loop, stop)
    assert loop.scheduled == [stop.set], "asked the loop to stop"
    assert exits == [0], "and leaves anyway if the loop does not"


# ---------------------------------------------------------------- thread stacks (02, exercise 3)

WINDOWS_RESERVE = 2_031_616  # python.exe's 2,000,000-byte reservation, rounded up to 64 KiB


class _Kernel32:
    """A stand-in for Windows' kernel32: GetCurrentThreadStackLimits writes the stack's two ends."""

    def __init__(self, low=0x7FF6_1234_0000, size=WINDOWS_RESERVE):
        self.low, self.size = low, size

    def GetCurrentThreadStackLimits(self, low, high):  # noqa: N802 (the Windows API's name)
        low._obj.value, high._obj.value = self.low, self.low + self.size  # byref() -> its c_size_t


def test_the_windows_stack_reserve_is_read_from_kernel32():
    assert nb03._windows_stack_reserve(_Kernel32()) == WINDOWS_RESERVE
    assert nb03._windows_stack_reserve(_Kernel32(size=0)) is None  # nonsense: no answer


def test_my_stack_size_on_windows_asks_kernel32(monkeypatch):
    asked = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "WinDLL", lambda name: asked.append(name) or _Kernel32(), raising=False)
    assert nb03._my_stack_size() == WINDOWS_RESERVE
    assert asked == ["kernel32"]
    monkeypatch.setattr(ctypes, "WinDLL", lambda name: object(), raising=False)  # Windows 7: no such call
    assert nb03._my_stack_size() is None


def test_run_small_on_windows_reports_the_reservation_and_does_not_judge_it(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(nb03, "_my_stack_size", lambda: WINDOWS_RESERVE)  # what Windows keeps, whatever size
    fb = nb03.run_small(checks.load_solution("03", "run_small")["run_small"])
    assert fb.status == "passed", fb.text
    assert "Windows reserved 1.94 MiB for each of these threads (a default thread: 1.94 MiB)" in fb.text
    assert "stack sizes were not judged" in fb.text
    assert threading.stack_size() == 0


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux branch, measured for real")
def test_run_small_still_judges_the_stacks_on_linux():
    fb = nb03.run_small(checks.load_solution("03", "run_small")["run_small"])
    assert fb.status == "passed", fb.text
    assert "each thread's stack was" in fb.text and "not judged" not in fb.text


# ---------------------------------------------------------------- memory: psutil's fields per OS


def test_a_snapshot_says_committed_on_windows(monkeypatch):
    delta = MemorySnapshot(rss=1024, vms=2 * 1024**2)
    assert str(delta) == "RSS 1.00 KiB, virtual 2.00 MiB"
    monkeypatch.setattr(memory.os, "name", "nt")
    assert memory.vms_label() == "committed"
    assert str(delta) == "RSS 1.00 KiB, committed 2.00 MiB"


# ---------------------------------------------------------------- the benchmark's idle threads


@pytest.mark.parametrize(("platform", "units"), [("linux", 10_000), ("win32", 10_000), ("darwin", 2_000)])
def test_the_memory_benchmark_starts_fewer_threads_on_macos(monkeypatch, platform, units):
    monkeypatch.setattr(sys, "platform", platform)
    assert bench.default_memory_units() == units


# ---------------------------------------------------------------- sockets: errors named per OS


@pytest.mark.parametrize(
    ("error", "early"),
    [
        (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), True),  # recv with no data
        (OSError(errno.ENOTCONN, "Transport endpoint is not connected"), True),  # send before connect
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), False),
        (None, False),
    ],
)
def test_a_socket_call_made_too_early_is_recognised(error, early):
    assert nb12._too_early(error) is early


def test_a_socket_call_made_too_early_on_windows(monkeypatch):
    # CPython on Windows names Winsock's codes with the errno names: ENOTCONN is WSAENOTCONN, 10057.
    monkeypatch.setattr(errno, "ENOTCONN", 10057)
    error = OSError(
        10057, "A request to send or receive data was disallowed because the socket is not connected"
    )
    assert nb12._too_early(error)
    assert nb12._too_early(BlockingIOError(10035, "A non-blocking socket operation could not be completed"))


# ---------------------------------------------------------------- 09: the kernel's loop on Windows


def _cell(stem: str, cell_id: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
    return cell.source


class IocpProactor:
    """What a ProactorEventLoop keeps in ``loop._selector``: its proactor, with no ``get_map``."""

    def select(self, timeout=None):
        time.sleep(timeout or 0)
        return []


def _run_real_loop_cell(loop, capsys) -> str:
    exec(compile(_cell("12_tiny_loop", "tc72"), "12:tc72", "exec"), {"loop": loop})
    return capsys.readouterr().out


def test_06_real_loop_cell_on_a_selector_loop(capsys):
    loop = asyncio.SelectorEventLoop()
    try:
        shown = _run_real_loop_cell(loop, capsys)
        assert f"selector: {type(loop._selector).__name__} watching 1 file descriptors" in shown  # self-pipe
        assert "our timer is in the heap: True" in shown
    finally:
        loop.close()


def test_06_real_loop_cell_on_a_proactor_loop(capsys):
    loop = asyncio.SelectorEventLoop()
    selector, loop._selector = loop._selector, IocpProactor()  # as BaseProactorEventLoop aliases it
    try:
        shown = _run_real_loop_cell(loop, capsys)
        assert "no selector: a IocpProactor (an I/O completion port)" in shown
        assert "our timer is in the heap: True" in shown
    finally:
        loop._selector = selector
        loop.close()


def test_the_loop_idle_trace_wraps_a_proactors_wait():
    from helpers.spans import SpanRecorder
    from helpers.tracing import trace_loop_idle

    class ProactorLoop:  # the attributes BaseProactorEventLoop has
        def __init__(self):
            self._proactor = self._selector = IocpProactor()

    loop, rec = ProactorLoop(), SpanRecorder()
    with trace_loop_idle(rec, loop=loop):
        loop._selector.select(0.01)  # what _run_once calls when nothing is ready
    assert "select" not in vars(loop._proactor), "the proactor's own method is back"
    assert len(rec.spans) == 1 and rec.spans[0].duration >= 0.009


# ---------------------------------------------------------------- text: UTF-8 on every pipe and file


def test_another_interpreter_is_run_in_utf8_mode_and_read_as_utf8(tmp_path):
    """Windows pipes carry the ANSI code page (cp1252...) unless the child runs in UTF-8 mode; a byte
    that is not UTF-8 must never crash the reader."""
    seen = tmp_path / "argv.json"
    stand_in = tmp_path / "python3.14"
    stand_in.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"json.dump(sys.argv[1:4], open({str(seen)!r}, 'w', encoding='utf-8'))\n"
        "sys.stderr.buffer.write(b'Fatal: caf\\xe9 \\x81\\n')\nsys.exit(1)\n",
        encoding="utf-8",
    )
    stand_in.chmod(0o755)
    with pytest.raises(ValueError, match="did not answer as a Python 3.11\\+ interpreter would: Fatal: caf"):
        builds.probe(str(stand_in))
    assert json.loads(seen.read_text(encoding="utf-8")) == ["-I", "-X", "utf8"]


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            yield name, node, {k.arg for k in node.keywords}


def _text_opens_without_encoding(tree: ast.AST) -> list[str]:
    """Text-mode open(), read_text(), write_text() calls that name no encoding (cp1252 on Windows)."""
    bad = []
    for name, node, keywords in _calls(tree):
        if "encoding" in keywords:
            continue
        if name == "read_text" and not node.args or name == "write_text" and len(node.args) < 2:
            bad.append(f"line {node.lineno}: {name}()")
        elif name == "open" and isinstance(node.func, ast.Name):
            mode = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(mode, ast.Constant) and "b" in str(mode.value)):
                bad.append(f"line {node.lineno}: open()")
    return bad


def _code_cells(path: Path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            body = "async def cell():\n" + "\n".join("    " + line for line in lines)  # top-level await
            yield cell.id, ast.parse(body)


def test_every_text_file_of_the_course_is_opened_as_utf8():
    bad = []
    sources = sorted((ROOT / "helpers").rglob("*.py")) + sorted((ROOT / "notebooks/solutions").glob("*.py"))
    for path in sources:
        found = _text_opens_without_encoding(ast.parse(path.read_bytes()))
        bad += [f"{path.relative_to(ROOT)} {where}" for where in found]
    for path in NOTEBOOKS:
        for cell_id, tree in _code_cells(path):
            bad += [f"{path.name}:{cell_id} {where}" for where in _text_opens_without_encoding(tree)]
    assert not bad, (
        "say encoding='utf-8' (Windows' default is its ANSI code page before 3.15):\n" + "\n".join(bad)
    )


def test_the_helpers_read_every_subprocess_as_utf8():
    """text=True decodes with the locale's encoding (cp1252 on Windows): the helpers name UTF-8.

    Notebook cells may keep text=True where the child prints ASCII only (JSON, "ready", one error line)."""
    bad = []
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for name, node, keywords in _calls(ast.parse(path.read_bytes())):
            if name in ("run", "Popen", "check_output") and keywords & {"text", "universal_newlines"}:
                if "encoding" not in keywords:
                    bad.append(f"{path.relative_to(ROOT)} line {node.lineno}: {name}(text=...)")
    assert not bad, "\n".join(bad)


def test_setup_cells_say_how_to_start_the_course_without_make():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        (setup,) = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
        assert "`python3 course.py lab`" in setup.source and "`py course.py lab`" in setup.source, path.name
        assert "make lab" not in setup.source, path.name
