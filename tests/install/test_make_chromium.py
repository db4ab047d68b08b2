"""`make install` brings Debian's Chromium for the browser tests: installed with apt as root,
otherwise a stop at once with the command to run. `id` and `apt-get` are replaced by recording
stand-ins on PATH, so the test changes nothing on the machine."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _stand_in(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _make_chromium(tmp_path: Path, *, uid: int, chromium: Path) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    _stand_in(bin_dir, "id", f"echo {uid}")
    _stand_in(bin_dir, "apt-get", f'echo "apt-get $*" >> {tmp_path / "apt.log"}')
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("KITCLINIC_CHROMIUM", None)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "chromium", f"CHROMIUM={chromium}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_user_without_chromium_is_told_the_exact_command(tmp_path: Path) -> None:
    result = _make_chromium(tmp_path, uid=1000, chromium=tmp_path / "no-chromium")
    assert result.returncode != 0
    assert "sudo apt-get install -y chromium" in result.stderr
    assert not (tmp_path / "apt.log").exists()


def test_root_without_chromium_installs_debians_package(tmp_path: Path) -> None:
    result = _make_chromium(tmp_path, uid=0, chromium=tmp_path / "no-chromium")
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["apt-get update -qq", "apt-get install -y -qq chromium"]


def test_nothing_is_done_when_chromium_is_there(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    _stand_in(tmp_path, "chromium", "exit 0")
    result = _make_chromium(tmp_path, uid=1000, chromium=chromium)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "apt.log").exists()
