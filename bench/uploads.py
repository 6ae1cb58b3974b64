"""Upload benchmark: throughput and server memory while daphne receives a large file.

    .venv/bin/python bench/uploads.py [--mib 20] [--rounds 3]

Starts daphne serving codenest.asgi on a throw-away SQLite database and media folder (embedded
defaults otherwise), then POSTs a random (incompressible, non-image) file of `--mib` MiB to
/api/v1/uploads/ `--rounds` times, and finally one body over UPLOAD_MAX_BYTES. Reported:

- throughput: file MiB / wall time of the whole request (client send → 201);
- server memory: VmRSS just before each upload and VmHWM (peak RSS, reset before each upload
  through /proc/<pid>/clear_refs) after it, from /proc/<daphne pid>/status; the target is a peak
  growth under 2x the file size (daphne queues the body once; Django spools it to disk);
- the 413 answer time for a body declared larger than the cap.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import urllib3

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.chat_fanout import start_daphne, wait_for  # noqa: E402

MIB = 1024 * 1024


def proc_status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def prepare(env: dict) -> str:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    code = (
        "from tests.factories import UserFactory;"
        "from rest_framework_simplejwt.tokens import RefreshToken;"
        "print(str(RefreshToken.for_user(UserFactory(handle='bench-uploader')).access_token))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    return out.stdout.decode().strip().splitlines()[-1]


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="uploads-bench-"))
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="codenest.settings",
        CODENEST_TESTING="1",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        UPLOAD_MAX_BYTES=str(25 * MIB),
        RATELIMIT_UPLOADS="1000/m",
        PYTHONUNBUFFERED="1",
    )
    token = prepare(env)
    proc, port = start_daphne("codenest.asgi:application", env, workdir / "daphne.log")
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=300))
    url = f"http://127.0.0.1:{port}/api/v1/uploads/"
    auth = {"Authorization": f"Bearer {token}"}
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        http.request("GET", f"http://127.0.0.1:{port}/api/v1/", headers=auth)  # warm up imports
        data = os.urandom(args.mib * MIB)
        body, content_type = multipart(data)
        before = proc_status(proc.pid)
        print(f"daphne pid {proc.pid}; file {args.mib} MiB; RSS before {before['VmRSS'] / MIB:.1f} MiB")
        print(f"{'round':>5}{'status':>8}{'seconds':>9}{'MiB/s':>8}{'peak RSS':>10}{'growth':>9}{'growth/file':>13}")
        for round_no in range(1, args.rounds + 1):
            Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            before = proc_status(proc.pid)
            started = time.perf_counter()
            response = http.request("POST", url, body=body, headers={**auth, "Content-Type": content_type})
            elapsed = time.perf_counter() - started
            after = proc_status(proc.pid)
            growth = after["VmHWM"] - before["VmRSS"]
            print(
                f"{round_no:>5}{response.status:>8}{elapsed:>9.2f}{args.mib / elapsed:>8.1f}"
                f"{after['VmHWM'] / MIB:>9.1f}M{growth / MIB:>8.1f}M{growth / len(data):>13.2f}"
            )
            assert response.status == 201, response.data[:300]
            assert json.loads(response.data)["size"] == len(data)
        too_big = os.urandom(30 * MIB)
        body, content_type = multipart(too_big)
        started = time.perf_counter()
        response = http.request("POST", url, body=body, headers={**auth, "Content-Type": content_type})
        print(f"30 MiB body over a 25 MiB cap: {response.status} in {time.perf_counter() - started:.2f} s")
        print(f"final peak RSS {proc_status(proc.pid)['VmHWM'] / MIB:.1f} MiB")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
