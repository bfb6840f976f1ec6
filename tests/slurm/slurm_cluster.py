"""A throwaway one-node SLURM cluster (munge, slurmctld, slurmd from Debian's packages).

No systemd: the daemons are started here in the foreground, remembered by pid and stopped
by pid. The config goes to /etc/slurm (the jobstep plugin drops SLURM_CONF, so a job's `srun`
only finds the config at the default path); every file written there carries MARKER, and a
config without it (a real cluster's) is never touched.

Used by tests/test_slurm.py; also runnable by hand to poke at the cluster:

    sudo .venv/bin/python tests/slurm/slurm_cluster.py     # up until Ctrl-C, then down
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ETC = Path("/etc/slurm")
CONFIGS = ("slurm.conf", "gres.conf", "cgroup.conf")
MARKER = "written by neighborhoods tests/slurm/slurm_cluster.py"
PACKAGES = ("munge", "slurmctld", "slurmd", "slurm-client")
PROGRAMS = (
    "munged",
    "munge",
    "unmunge",
    "slurmctld",
    "slurmd",
    "sbatch",
    "srun",
    "squeue",
    "scontrol",
    "scancel",
)
SBIN = ("/usr/sbin", "/sbin")


class Unavailable(Exception):
    """SLURM cannot run here (no root, no apt, a real cluster's config in the way)."""


def which(program: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    return shutil.which(program, path=path)


def missing_programs() -> list[str]:
    return [p for p in PROGRAMS if which(p) is None]


def install(timeout: float = 900) -> None:
    """apt-get the four packages when any program is missing; quick when all are there."""
    if not missing_programs():
        return
    if os.geteuid() != 0:
        raise Unavailable(
            f"SLURM is not installed ({', '.join(missing_programs())} missing) and this is not root"
        )
    if which("apt-get") is None:
        raise Unavailable(
            f"SLURM is not installed ({', '.join(missing_programs())} missing) and there is no apt-get"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:  # stale or empty package lists on a fresh machine
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True, timeout=timeout)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or missing_programs():
        raise Unavailable(f"apt-get install {' '.join(PACKAGES)} failed: {result.stderr[-2000:]}")


def running(name: str) -> list[int]:
    """Pids of processes whose command name is `name` (to refuse to start a second cluster)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
    return pids


def check_can_run() -> None:
    if os.geteuid() != 0:
        raise Unavailable("slurmd and slurmctld need root here (and /etc/slurm must be writable)")
    for name in CONFIGS:
        path = ETC / name
        if path.exists() and MARKER not in path.read_text(errors="replace"):
            raise Unavailable(f"{path} belongs to a real SLURM installation; not overwriting it")
    for daemon in ("slurmctld", "slurmd"):
        if pids := running(daemon):
            raise Unavailable(f"a {daemon} is already running (pid {pids[0]}); not starting a second cluster")


def munge_works() -> bool:
    try:
        credential = subprocess.run([which("munge"), "-n"], capture_output=True, timeout=10)
        if credential.returncode != 0:
            return False
        check = subprocess.run([which("unmunge")], input=credential.stdout, capture_output=True, timeout=10)
        return check.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def wait_for(condition, timeout: float, what: str, logs: list[Path] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    tails = "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


class Cluster:
    """Bring up munge (unless one already answers), slurmctld and slurmd; tear down what was started."""

    def __init__(self, state: Path):
        self.state = Path(state)
        self.host = socket.gethostname().split(".")[0]
        self.started: list[tuple[str, subprocess.Popen]] = []
        self.written: list[Path] = []

    @property
    def jobcomp(self) -> Path:
        return self.state / "jobcomp.txt"

    def log(self, daemon: str) -> Path:
        return self.state / f"{daemon}.log"

    # --- bring-up -------------------------------------------------------------------------

    def start(self) -> Cluster:
        check_can_run()
        self.state.mkdir(parents=True, exist_ok=True)
        for sub in ("slurmctld", "slurmd"):
            (self.state / sub).mkdir(exist_ok=True)
        self._start_munge()
        self._write_configs()
        self._spawn("slurmctld", [which("slurmctld"), "-D", "-i"])
        wait_for(self._controller_answers, 30, "slurmctld to answer", [self.log("slurmctld")])
        self._spawn("slurmd", [which("slurmd"), "-D"])
        wait_for(
            self._node_idle, 60, f"node {self.host} to be idle", [self.log("slurmctld"), self.log("slurmd")]
        )
        return self

    def _start_munge(self) -> None:
        if munge_works():
            return  # a munged is already serving the default socket; leave it alone
        key = Path("/etc/munge/munge.key")
        user = pwd.getpwnam("munge")
        if not key.exists():
            if which("mungekey"):
                subprocess.run([which("mungekey"), "--create", f"--keyfile={key}"], check=True, timeout=30)
            else:
                key.write_bytes(os.urandom(1024))
        for folder in (
            Path("/etc/munge"),
            Path("/var/lib/munge"),
            Path("/var/log/munge"),
            Path("/run/munge"),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod("/etc/munge", 0o700)
        os.chmod("/run/munge", 0o755)
        os.chown(key, user.pw_uid, user.pw_gid)
        os.chmod(key, 0o400)
        self._spawn("munged", [which("munged"), "--foreground"], user=user)
        wait_for(munge_works, 20, "munged to answer", [self.log("munged")])

    def _write_configs(self) -> None:
        ETC.mkdir(parents=True, exist_ok=True)
        for name in CONFIGS:
            text = (HERE / f"{name}.in").read_text()
            text = (
                text.replace("@MARKER@", MARKER)
                .replace("@HOST@", self.host)
                .replace("@STATE@", str(self.state))
            )
            (ETC / name).write_text(text)
            self.written.append(ETC / name)

    def _spawn(self, name: str, command: list[str], user: pwd.struct_passwd | None = None) -> None:
        log = self.log(name).open("ab")
        ids = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **ids,
        )
        log.close()
        self.started.append((name, process))

    def _scontrol(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([which("scontrol"), *args], capture_output=True, text=True, timeout=15)

    def _alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n"
                    f"{self.log(name).read_text(errors='replace')[-3000:]}"
                )

    def _controller_answers(self) -> bool:
        self._alive()
        return self._scontrol("ping").returncode == 0

    def _node_idle(self) -> bool:
        self._alive()
        node = self._scontrol("show", "node", self.host, "--oneliner").stdout
        return "State=IDLE" in node

    # --- what ran -------------------------------------------------------------------------

    def jobs(self) -> list[dict[str, str]]:
        """Every job slurmctld still remembers (MinJobAge=300 keeps finished ones), as key=value dicts."""
        out = self._scontrol("show", "job", "--details", "--oneliner").stdout
        jobs = []
        for line in out.splitlines():
            if line.startswith("JobId="):
                fields = {}
                for token in line.split():
                    key, _, value = token.partition("=")
                    fields.setdefault(key, value)
                jobs.append(fields)
        return jobs

    def completed(self) -> list[dict[str, str]]:
        """jobcomp/filetxt's record of every finished job (one line of key=value per job)."""
        if not self.jobcomp.exists():
            return []
        return [
            dict(token.partition("=")[::2] for token in line.split())
            for line in self.jobcomp.read_text().splitlines()
        ]

    # --- teardown -------------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel leftover jobs, stop what start() launched (by pid, newest first), remove its configs."""
        errors = []
        if any(name == "slurmctld" and p.poll() is None for name, p in self.started):
            with contextlib.suppress(Exception):
                queued = subprocess.run(
                    [which("squeue"), "-h", "-o", "%i"], capture_output=True, text=True, timeout=15
                )
                ids = queued.stdout.split()
                if ids:
                    subprocess.run([which("scancel"), *ids], capture_output=True, timeout=15)
                    with contextlib.suppress(RuntimeError):
                        wait_for(
                            lambda: (
                                not subprocess.run(
                                    [which("squeue"), "-h", "-o", "%i"],
                                    capture_output=True,
                                    text=True,
                                    timeout=15,
                                ).stdout.split()
                            ),
                            20,
                            "jobs to end",
                        )
        had_slurmd = any(name == "slurmd" for name, _ in self.started)
        for name, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
                    errors.append(f"{name} (pid {process.pid}) ignored SIGTERM and was killed")
        self.started.clear()
        # A finished job's slurmstepd lingers for a moment after slurmd is gone; let it go.
        if had_slurmd:
            with contextlib.suppress(RuntimeError):
                wait_for(lambda: not running("slurmstepd"), 15, "slurmstepd to exit")
        for path in self.written:
            with contextlib.suppress(FileNotFoundError):
                if MARKER in path.read_text(errors="replace"):
                    path.unlink()
        self.written.clear()
        if errors:
            raise RuntimeError("; ".join(errors))

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    install()
    with Cluster(Path(tempfile.mkdtemp(prefix="slurm-"))) as cluster:
        print(f"SLURM up on {cluster.host}; state and logs in {cluster.state}. Ctrl-C to stop.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
