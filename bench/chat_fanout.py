"""Chat fan-out benchmark: one message to N sockets in one room, through the real stack.

    createdb -h 127.0.0.1 -U postgres codenest_bench   # once; any throw-away database will do
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/codenest_bench \\
    REDIS_URL=redis://127.0.0.1:6379/2 \\
        .venv/bin/python bench/chat_fanout.py [--clients 100 1000] [--rounds 30] [--burst 50] [--repeat 3]
    (or `make bench-chat`; without BENCH_DATABASE_URL a throw-away SQLite file is used; REDIS_URL
    defaults to redis://127.0.0.1:6379/2 and its keys get a unique prefix per run)

It starts, itself: (1) two daphne processes serving codenest.asgi with the Redis channel layer on
the benchmark database (migrated and seeded by this script), and (2) a bare ASGI broadcast server
under daphne (a set of sockets in one process, no auth, no database, no channel layer) as the
reference. For each N and repeat, three set-ups are measured in turn, in the same run:

- `codenest`: N receiving sockets and the sender on one daphne process;
- `bare`: the same against the bare server;
- `2 procs`: the N receivers split half and half over the two daphne processes (one Redis), the
  sender on the first: the multi-process deployment.

Each set-up: for `rounds` single messages, send → receipt at every client (p50/p95 of the time until
the LAST client has it, and over all individual deliveries); then `burst` messages sent back to
back: deliveries per second until every client got all. Deliveries that never arrive are counted
as lost (they do not stop the run). Memory: the resident set (VmRSS) of a fresh codenest daphne
process, then with the largest N of idle room sockets open.

The summary prints, per N, the median and the spread (min-max) over the repeats of each figure and
of the ratios of issue 16 (P5: p95 codenest / bare <= 2 and <= 250 ms; P6: deliveries/s codenest /
bare >= 0.40 with 0 lost; P7: two processes within 1.5x of one). All receivers are one user (so N
joins do not cause N^2 presence frames) and the client side is one asyncio process, which is part
of what is measured at large N: compare ratios, not absolute figures, between machines.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# --- the reference: a bare ASGI broadcast server -----------------------------------------------

_bare_sockets: set = set()


async def bare_app(scope, receive, send):
    """Every text frame is wrapped like a chat message and sent to every open socket."""
    if scope["type"] == "http":  # health probe
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if scope["type"] != "websocket":
        return
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            _bare_sockets.add(send)
        elif event["type"] == "websocket.receive":
            frame = json.loads(event["text"])
            if frame.get("type") != "message.send":
                continue
            out = json.dumps(
                {"type": "message.new", "message": {"client_id": frame["client_id"], "content": frame["content"]}}
            )
            await asyncio.gather(*(peer({"type": "websocket.send", "text": out}) for peer in list(_bare_sockets)))
        elif event["type"] == "websocket.disconnect":
            _bare_sockets.discard(send)
            return


# --- driving a server --------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start_daphne(app: str, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, port


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Receiver:
    def __init__(self, ws):
        self.ws = ws
        self.arrivals: dict[str, float] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["type"] == "message.new":
                self.arrivals[frame["message"]["client_id"]] = time.perf_counter()


async def open_many(url: str, count: int, *, wait_presence: bool) -> list:
    from websockets.asyncio.client import connect

    async def one():
        ws = await connect(url, max_queue=None, open_timeout=60)
        if wait_presence:
            while json.loads(await ws.recv())["type"] != "presence":
                pass
        return ws

    sockets = []
    for start in range(0, count, 50):  # in batches: daphne's accept backlog is finite
        sockets += await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return sockets


def missing(receivers, client_ids) -> int:
    return sum(cid not in r.arrivals for r in receivers for cid in client_ids)


async def wait_all(receivers, client_ids, timeout: float) -> int:
    """Wait until every receiver has every message or the time is up; the number still missing."""
    deadline = time.perf_counter() + timeout
    while missing(receivers, client_ids):
        if time.perf_counter() > deadline:
            return missing(receivers, client_ids)
        await asyncio.sleep(0.001)
    return 0


def pct(values, p) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def measure(receiver_urls: list[str], sender_url: str, n: int, rounds: int, burst: int, *, chat: bool) -> dict:
    sockets = []
    for i, url in enumerate(receiver_urls):  # the N receivers split evenly over the servers given
        share = n // len(receiver_urls) + (i < n % len(receiver_urls))
        sockets += await open_many(url, share, wait_presence=chat)
    receivers = [Receiver(ws) for ws in sockets]
    (sender,) = await open_many(sender_url, 1, wait_presence=chat)
    sender_reader = Receiver(sender)
    run = uuid.uuid4().hex[:6]

    async def send(cid: str):
        await sender.send(json.dumps({"type": "message.send", "content": f"bench {cid}", "client_id": cid}))

    await send(f"{run}-warm")
    await wait_all(receivers, [f"{run}-warm"], timeout=30)
    to_last, each, lost = [], [], 0
    for i in range(rounds):
        cid = f"{run}-r{i}"
        t0 = time.perf_counter()
        await send(cid)
        lost += await wait_all(receivers, [cid], timeout=10)
        arrivals = [r.arrivals[cid] - t0 for r in receivers if cid in r.arrivals]
        if arrivals:
            to_last.append(max(arrivals))
            each.extend(arrivals)
        await asyncio.sleep(0.02)
    ids = [f"{run}-b{i}" for i in range(burst)]
    t0 = time.perf_counter()
    for cid in ids:
        await send(cid)
    lost += await wait_all(receivers, ids, timeout=120)
    delivered = [r.arrivals[cid] for r in receivers for cid in ids if cid in r.arrivals]
    elapsed = max(delivered) - t0 if delivered else float("inf")  # nothing arrived: 0 deliveries/s
    for ws in [*sockets, sender]:
        await ws.close()
    for r in [*receivers, sender_reader]:
        r.task.cancel()
    ms = 1000
    to_last, each = to_last or [float("inf")], each or [float("inf")]  # every round lost
    return {
        "p50_last_ms": pct(to_last, 50) * ms,
        "p95_last_ms": pct(to_last, 95) * ms,
        "p50_each_ms": pct(each, 50) * ms,
        "p95_each_ms": pct(each, 95) * ms,
        "deliveries_per_s": len(delivered) / elapsed,
        "lost": lost,
    }


async def idle_memory(url: str, pid: int, n: int, *, chat: bool) -> tuple[float, float]:
    """RSS (MiB) of the server before and with n idle sockets open (after they settle)."""
    before = rss_mib(pid)
    sockets = await open_many(url, n, wait_presence=chat)
    await asyncio.sleep(3)
    after = rss_mib(pid)
    for ws in sockets:
        await ws.close()
    return before, after


# --- setting up the real application --------------------------------------------------------


def prepare_database(env: dict) -> dict:
    """Migrate the database and create a room with a sender and a receiver; return their tokens."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    tag = uuid.uuid4().hex[:6]  # a reused database keeps the users of earlier runs
    code = (
        "import json;"
        "from tests.factories import RoomFactory, MembershipFactory, UserFactory;"
        "from rest_framework_simplejwt.tokens import RefreshToken;"
        f"sender=UserFactory(handle='bench-sender-{tag}', email='bench-sender-{tag}@example.com');"
        f"reader=UserFactory(handle='bench-reader-{tag}', email='bench-reader-{tag}@example.com');"
        f"room=RoomFactory(creator=sender, name='Bench {tag}', slug='bench-{tag}');"
        "MembershipFactory(room=room, user=reader);"
        "tok=lambda u: str(RefreshToken.for_user(u).access_token);"
        "print(json.dumps({'room': room.id, 'sender': tok(sender), 'reader': tok(reader)}))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def spread(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def print_summary(results: dict, clients: list[int]) -> None:
    """Median (min-max) over the repeats; ratios are taken within each repeat, then summarised."""
    print("\nsummary: median (min-max) over repeats")
    print(f"{'N':>5}  {'set-up':<9}{'p95 last ms':>22}{'deliveries/s':>26}{'lost':>7}")
    for n in clients:
        for setup in ("codenest", "bare", "2 procs"):
            runs = results[n][setup]
            p95 = spread([r["p95_last_ms"] for r in runs], ".1f")
            rate = spread([r["deliveries_per_s"] for r in runs], ".0f")
            print(f"{n:>5}  {setup:<9}{p95:>22}{rate:>26}{sum(r['lost'] for r in runs):>7}")
    print(f"\n{'N':>5}  {'ratio':<40}{'value':>22}  target")
    for n in clients:
        one, bare, two = (results[n][s] for s in ("codenest", "bare", "2 procs"))
        rows = [
            (
                "P5 p95 last codenest / bare",
                [a["p95_last_ms"] / b["p95_last_ms"] for a, b in zip(one, bare, strict=True)],
                "<= 2",
            ),
            ("P5 p95 last codenest (ms)", [a["p95_last_ms"] for a in one], "<= 250"),
            (
                "P6 deliveries/s codenest / bare",
                [a["deliveries_per_s"] / b["deliveries_per_s"] for a, b in zip(one, bare, strict=True)],
                ">= 0.40",
            ),
            ("P6 lost (sum)", [sum(a["lost"] for a in one)], "0"),
            (
                "P7 p95 last 2 procs / 1 proc",
                [t["p95_last_ms"] / a["p95_last_ms"] for a, t in zip(one, two, strict=True)],
                "<= 1.5",
            ),
            (
                "P7 deliveries/s 1 proc / 2 procs",
                [a["deliveries_per_s"] / t["deliveries_per_s"] for a, t in zip(one, two, strict=True)],
                "<= 1.5",
            ),
            ("P7 lost (sum)", [sum(t["lost"] for t in two)], "0"),
        ]
        for name, values, target in rows:
            print(f"{n:>5}  {name:<40}{spread(values, '.2f'):>22}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chat-fanout-"))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="codenest.settings",
        CODENEST_TESTING="1",  # production-like settings minus the HTTPS redirect
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"),
        CHANNEL_LAYER_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        RATELIMIT_CHAT="1000000/s",
        PYTHONUNBUFFERED="1",
    )
    seeded = prepare_database(env)
    procs: list[subprocess.Popen] = []
    try:
        chat_a, port_a = start_daphne("codenest.asgi:application", env, workdir / "chat-a.log")
        chat_b, port_b = start_daphne("codenest.asgi:application", env, workdir / "chat-b.log")
        bare, bare_port = start_daphne("bench.chat_fanout:bare_app", env, workdir / "bare.log")
        procs += [chat_a, chat_b, bare]
        wait_for(f"http://127.0.0.1:{port_a}/healthz", chat_a)
        wait_for(f"http://127.0.0.1:{port_b}/healthz", chat_b)
        wait_for(f"http://127.0.0.1:{bare_port}/", bare)
        room_path = f"/ws/rooms/{seeded['room']}/?token="

        def chat_url(port: int, who: str) -> str:
            return f"ws://127.0.0.1:{port}{room_path}{seeded[who]}"

        database = env["DATABASE_URL"].split("://", 1)[0]
        print(f"chat fan-out on {database}, Redis channel layer at {env['REDIS_URL']}; ", end="")
        print(f"rounds={args.rounds}, burst={args.burst}, repeat={args.repeat}")

        largest = max(args.clients)
        for name, url, pid, chat in (
            ("codenest", chat_url(port_b, "reader"), chat_b.pid, True),  # B is still fresh here
            ("bare", f"ws://127.0.0.1:{bare_port}/", bare.pid, False),
        ):
            before, after = asyncio.run(idle_memory(url, pid, largest, chat=chat))
            per_socket = (after - before) * 1024 / largest
            print(f"memory {name:<9} RSS {before:.1f} MiB fresh, {after:.1f} MiB with {largest} idle sockets")
            print(f"       ({per_socket:.1f} KiB per socket)")
            time.sleep(2)

        setups = {
            "codenest": ([chat_url(port_a, "reader")], chat_url(port_a, "sender"), True),
            "bare": ([f"ws://127.0.0.1:{bare_port}/"], f"ws://127.0.0.1:{bare_port}/", False),
            "2 procs": ([chat_url(port_a, "reader"), chat_url(port_b, "reader")], chat_url(port_a, "sender"), True),
        }
        print(f"\n{'set-up':<9}{'N':>5}{'p50 last':>11}{'p95 last':>11}{'p50 each':>11}{'p95 each':>11}", end="")
        print(f"{'deliv/s':>10}{'lost':>6}")
        results = {n: {name: [] for name in setups} for n in args.clients}
        for _ in range(args.repeat):
            for n in args.clients:
                for name, (receiver_urls, sender_url, chat) in setups.items():
                    r = asyncio.run(measure(receiver_urls, sender_url, n, args.rounds, args.burst, chat=chat))
                    results[n][name].append(r)
                    print(
                        f"{name:<9}{n:>5}{r['p50_last_ms']:>9.1f}ms{r['p95_last_ms']:>9.1f}ms"
                        f"{r['p50_each_ms']:>9.1f}ms{r['p95_each_ms']:>9.1f}ms{r['deliveries_per_s']:>10.0f}"
                        f"{r['lost']:>6}",
                        flush=True,
                    )
                    time.sleep(1)  # let closed sockets leave presence before the next run
        print_summary(results, args.clients)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"logs in {workdir}")


if __name__ == "__main__":
    main()
