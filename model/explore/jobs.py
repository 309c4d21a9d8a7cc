"""What a worker does for one configuration: build it in its own tree, then boot and measure it.

Two functions, run as two Dask tasks so that builds and benchmarks can hold
different worker resources. Both return outcomes instead of raising: a failed
build or a hung guest is a result the plan continues from. The build sends
its image back as bytes, so the benchmark can run on another machine. While
they run they watch the run's cancel event and stop their process groups
(the build's steps, QEMU) when it is set.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flexui.model.build.kraft_cache import kraft_env
from flexui.model.build.runner import plan_build
from flexui.model.build.sources import remembered_sources
from flexui.model.explore.bench_spec import BenchSpec
from flexui.model.run.qemu_command import RunSpec
from flexui.model.run.qemu_runner import run as run_qemu
from flexui.model.workdir.job_trees import TreeSource, make_tree, remove_tree
from flexui.model.workdir.rewriting import build_in_workdir

CANCEL_POLL = 0.2


@dataclass(frozen=True)
class BuildJob:
    key: str  # the configuration's DesignPoint key
    run_id: str
    source: TreeSource
    trees: Path  # where this host's build trees go
    files: dict[str, str]  # .config, kraft.yaml, flexui.mk for this configuration
    commands: list[list[str]] | None = None  # None: the FlexOS build sequence
    image_name: str = ""


@dataclass
class BuildOutcome:
    key: str
    ok: bool
    images: dict[str, bytes] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    host: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class BenchJob:
    key: str
    run_id: str
    mechanism: str
    spec: BenchSpec
    metric: str
    accel: str = "auto"


@dataclass
class BenchOutcome:
    key: str
    ok: bool
    values: list[float] = field(default_factory=list)
    error: str = ""
    accel: str = ""
    boot_seconds: list[float] = field(default_factory=list)
    build: BuildOutcome | None = None
    host: str = ""
    cpu: str = ""
    cancelled: bool = False

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0


# -- talking to the run ---------------------------------------------------------------
def _cancel_watch(run_id: str) -> tuple[threading.Event, threading.Event]:
    """(cancel, done): `cancel` is set when the run's Dask event is, until `done` is set."""
    cancel, done = threading.Event(), threading.Event()
    try:
        from distributed import Event, get_client

        event = Event(f"flexui-cancel-{run_id}", client=get_client())
    except (ImportError, ValueError):
        return cancel, done  # called outside a Dask worker (tests of the job itself)

    def watch() -> None:
        while not done.is_set():
            try:
                if event.is_set():
                    cancel.set()
                    return
            except Exception:  # the scheduler went away: the run is over
                cancel.set()
                return
            done.wait(CANCEL_POLL)

    threading.Thread(target=watch, daemon=True).start()
    return cancel, done


def report(run_id: str, key: str, phase: str) -> None:
    """Tell the driver which phase a job is in (building, booting, measuring)."""
    try:
        from distributed import Queue, get_client

        Queue(f"flexui-status-{run_id}", client=get_client()).put((key, phase))
    except (ImportError, ValueError):
        pass


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# -- the two tasks --------------------------------------------------------------------
def build_job(job: BuildJob) -> BuildOutcome:
    """The same build as `flexui --build` in the user's work directory, but in the job's own tree.

    The tree is a work directory of its own (UK_WORKDIR), so kraft's package
    cache and the source archives are the user's work directory's: what it
    was set up with (`workdir kraft-cache`, `--build --sources DIR`) is what
    every job builds with.
    """
    report(job.run_id, job.key, "building")
    start = time.monotonic()
    cancel, done = _cancel_watch(job.run_id)
    tree = Path(job.trees) / f"{job.run_id}-{abs(hash(job.key)):x}-{os.getpid()}"
    outcome = BuildOutcome(job.key, ok=False, host=platform.node())
    try:
        app_dir = make_tree(job.source, tree, job.files)
        plan = plan_build(app_dir, commands=job.commands, image_names=[job.image_name] if job.image_name else None,
                          workdir=tree, extra_env=kraft_env(job.source.workdir))
        result = build_in_workdir(plan, cancel=cancel, force=True,
                                  sources_dir=remembered_sources(job.source.workdir))
        outcome.cancelled = result.cancelled
        outcome.errors = list(result.first_errors)
        if result.ok:
            for image in result.images:
                outcome.images[image.name] = image.read_bytes()
                for comp in sorted(image.parent.glob(f"{image.name}.comp[0-9]*")):
                    outcome.images[comp.name] = comp.read_bytes()
            outcome.ok = True
    except (OSError, subprocess.CalledProcessError) as e:
        outcome.errors.append(f"could not make the build tree: {getattr(e, 'stderr', '') or e}".strip())
    finally:
        done.set()
        remove_tree(job.source, tree)
    outcome.duration = time.monotonic() - start
    return outcome


def bench_job(job: BenchJob, built: BuildOutcome) -> BenchOutcome:
    out = BenchOutcome(job.key, ok=False, build=built, host=platform.node(), cpu=cpu_name())
    if not built.ok:
        out.cancelled = built.cancelled
        out.error = "build cancelled" if built.cancelled else \
            "build failed: " + ("; ".join(built.errors[-2:]) or "no image")
        out.build = BuildOutcome(built.key, False, errors=built.errors, duration=built.duration, host=built.host)
        return out
    cancel, done = _cancel_watch(job.run_id)
    try:
        with tempfile.TemporaryDirectory(prefix="flexui-bench-") as tmp:
            names = sorted(built.images, key=lambda n: (".comp" in n, n))
            for name in names:
                (Path(tmp) / name).write_bytes(built.images[name])
            image = Path(tmp) / names[0]
            comps = [Path(tmp) / n for n in names if ".comp" in n]
            _measure(job, image, comps, cancel, out)
    finally:
        done.set()
    out.build = BuildOutcome(built.key, True, duration=built.duration, host=built.host)
    return out


def _run_spec(job: BenchJob, image: Path, comps: list[Path]) -> RunSpec:
    spec = job.spec
    extra = list(spec.qemu_extra)
    if spec.forward:
        forwards = ",".join(f"hostfwd=tcp:127.0.0.1:{h}-:{g}" for h, g in spec.forward)
        extra += ["-netdev", f"user,id=n0,{forwards}", "-device", "virtio-net-pci,netdev=n0"]
    return RunSpec(image, mechanism=job.mechanism, accel=job.accel, memory_mb=spec.memory_mb,
                   args=spec.kernel_args, timeout=spec.timeout, compartment_images=comps, extra=extra)


def _measure(job: BenchJob, image: Path, comps: list[Path], cancel: threading.Event,
             out: BenchOutcome) -> None:
    metric = job.spec.metrics[job.metric]
    runs = job.spec.warmup + job.spec.repetitions
    if job.spec.client:
        _measure_with_client(job, image, comps, cancel, out, runs)
    else:
        for i in range(runs):
            report(job.run_id, job.key, "booting" if i == 0 else "measuring")
            result = run_qemu(_run_spec(job, image, comps), stop=cancel)
            out.accel = result.accel
            out.boot_seconds.append(result.duration)
            if result.stopped:
                out.cancelled, out.error = True, "cancelled"
                return
            if result.timed_out:
                out.error = f"the guest did not finish within {job.spec.timeout:g} s"
                return
            value = metric.value_in(result.output)
            if value is None:
                out.error = f"no line of the guest's output matches {metric.pattern!r}"
                return
            if i >= job.spec.warmup:
                out.values.append(value)
            report(job.run_id, job.key, "measuring")
    out.ok = len(out.values) == job.spec.repetitions


def _measure_with_client(job: BenchJob, image: Path, comps: list[Path], cancel: threading.Event,
                         out: BenchOutcome, runs: int) -> None:
    """Boot once, wait for the ready line, run the client `runs` times, then stop the guest."""
    import re

    metric = job.spec.metrics[job.metric]
    ready = threading.Event()
    pattern = re.compile(job.spec.ready) if job.spec.ready else None
    stop = threading.Event()
    report(job.run_id, job.key, "booting")

    def on_output(line: str) -> None:
        if pattern is None or pattern.search(line):
            ready.set()

    holder: dict = {}
    guest = threading.Thread(target=lambda: holder.setdefault(
        "result", run_qemu(_run_spec(job, image, comps), on_output, stop)), daemon=True)
    guest.start()
    deadline = time.monotonic() + job.spec.timeout
    while not ready.wait(0.1):
        if cancel.is_set() or not guest.is_alive() or time.monotonic() > deadline:
            break
    try:
        if not ready.is_set():
            out.cancelled = cancel.is_set()
            out.error = "cancelled" if out.cancelled else "the guest never became ready"
            return
        report(job.run_id, job.key, "measuring")
        for i in range(runs):
            if cancel.is_set():
                out.cancelled, out.error = True, "cancelled"
                return
            try:
                proc = subprocess.run(job.spec.client_argv(), capture_output=True, text=True,
                                      timeout=job.spec.timeout, stdin=subprocess.DEVNULL)
            except FileNotFoundError:
                out.error = f"{job.spec.client[0]}: not installed on the benchmark host"
                return
            except subprocess.TimeoutExpired:
                out.error = f"the client did not finish within {job.spec.timeout:g} s"
                return
            value = metric.value_in(proc.stdout.splitlines())
            if value is None:
                out.error = f"no line of the client's output matches {metric.pattern!r}"
                return
            if i >= job.spec.warmup:
                out.values.append(value)
    finally:
        stop.set()
        guest.join(timeout=10)
        result = holder.get("result")
        if result is not None:
            out.accel = result.accel
            out.boot_seconds.append(result.duration)
