"""Chat fan-out benchmark: one message to N sockets in one room, through the real stack.

    .venv/bin/python bench/chat_fanout.py [--clients 10 100 500] [--rounds 30] [--burst 50]
    (REDIS_URL defaults to redis://127.0.0.1:6379/2; its keys get a unique prefix per run)

For each N it starts, itself, (1) daphne serving codenest.asgi with the Redis channel layer on a
throw-away SQLite database (migrated and seeded by this script), and (2) a bare ASGI broadcast
server (a set of sockets in one process, no auth, no database, no channel layer) as the reference.
Against each it opens N receiving sockets plus one sender, then measures:

- latency: for `rounds` single messages, send → receipt at every client; reported p50/p95 of the
  time until the LAST client has it, and p50/p95 over all individual deliveries;
- throughput: `burst` messages sent back to back; deliveries per second until every client got all.

All receivers are one user (so N joins do not cause N² presence frames) and the client side is one
asyncio process, which is part of what is measured at large N.
"""

import argparse
import asyncio
import json
import os
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


async def wait_all(receivers, client_ids, timeout=60.0) -> None:
    deadline = time.perf_counter() + timeout
    while any(cid not in r.arrivals for r in receivers for cid in client_ids):
        if time.perf_counter() > deadline:
            missing = sum(cid not in r.arrivals for r in receivers for cid in client_ids)
            raise RuntimeError(f"{missing} deliveries missing after {timeout}s")
        await asyncio.sleep(0.001)


def pct(values, p) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def measure(receiver_url: str, sender_url: str, n: int, rounds: int, burst: int, *, chat: bool) -> dict:
    sockets = await open_many(receiver_url, n, wait_presence=chat)
    receivers = [Receiver(ws) for ws in sockets]
    (sender,) = await open_many(sender_url, 1, wait_presence=chat)
    sender_reader = Receiver(sender)
    run = uuid.uuid4().hex[:6]

    async def send(cid: str):
        await sender.send(json.dumps({"type": "message.send", "content": f"bench {cid}", "client_id": cid}))

    await send(f"{run}-warm")
    await wait_all(receivers, [f"{run}-warm"])
    to_last, each = [], []
    for i in range(rounds):
        cid = f"{run}-r{i}"
        t0 = time.perf_counter()
        await send(cid)
        await wait_all(receivers, [cid])
        arrivals = [r.arrivals[cid] - t0 for r in receivers]
        to_last.append(max(arrivals))
        each.extend(arrivals)
        await asyncio.sleep(0.02)
    ids = [f"{run}-b{i}" for i in range(burst)]
    t0 = time.perf_counter()
    for cid in ids:
        await send(cid)
    await wait_all(receivers, ids, timeout=300)
    elapsed = max(r.arrivals[cid] for r in receivers for cid in ids) - t0
    for ws in [*sockets, sender]:
        await ws.close()
    for r in [*receivers, sender_reader]:
        r.task.cancel()
    ms = 1000
    return {
        "p50_last_ms": pct(to_last, 50) * ms,
        "p95_last_ms": pct(to_last, 95) * ms,
        "p50_each_ms": pct(each, 50) * ms,
        "p95_each_ms": pct(each, 95) * ms,
        "deliveries_per_s": n * burst / elapsed,
    }


# --- setting up the real application --------------------------------------------------------


def prepare_database(env: dict, n_extra: int = 0) -> dict:
    """Migrate a throw-away database and create a room with a sender and a receiver; return tokens."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    code = (
        "import json;"
        "from tests.factories import RoomFactory, MembershipFactory, UserFactory;"
        "from rest_framework_simplejwt.tokens import RefreshToken;"
        "sender=UserFactory(handle='bench-sender'); reader=UserFactory(handle='bench-reader');"
        "room=RoomFactory(creator=sender); MembershipFactory(room=room, user=reader);"
        "tok=lambda u: str(RefreshToken.for_user(u).access_token);"
        "print(json.dumps({'room': room.id, 'sender': tok(sender), 'reader': tok(reader)}))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=50)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chat-fanout-"))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="codenest.settings",
        CODENEST_TESTING="1",  # production-like settings minus the HTTPS redirect
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"),
        CHANNEL_LAYER_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        RATELIMIT_CHAT="1000000/s",
        PYTHONUNBUFFERED="1",
    )
    seeded = prepare_database(env)
    chat_proc, chat_port = start_daphne("codenest.asgi:application", env, workdir / "chat.log")
    bare_proc, bare_port = start_daphne("bench.chat_fanout:bare_app", env, workdir / "bare.log")
    try:
        wait_for(f"http://127.0.0.1:{chat_port}/healthz", chat_proc)
        wait_for(f"http://127.0.0.1:{bare_port}/", bare_proc)
        room_path = f"/ws/rooms/{seeded['room']}/?token="
        print(f"chat fan-out, Redis channel layer at {env['REDIS_URL']}; rounds={args.rounds}, burst={args.burst}")
        header = f"{'server':<8}{'N':>5}{'p50 last':>11}{'p95 last':>11}{'p50 each':>11}{'p95 each':>11}{'deliv/s':>10}"
        print(header)
        for n in args.clients:
            for name, port, chat in (("codenest", chat_port, True), ("bare", bare_port, False)):
                base = f"ws://127.0.0.1:{port}"
                receiver_url = f"{base}{room_path}{seeded['reader']}" if chat else f"{base}/"
                sender_url = f"{base}{room_path}{seeded['sender']}" if chat else f"{base}/"
                r = asyncio.run(measure(receiver_url, sender_url, n, args.rounds, args.burst, chat=chat))
                print(
                    f"{name:<8}{n:>5}{r['p50_last_ms']:>9.1f}ms{r['p95_last_ms']:>9.1f}ms"
                    f"{r['p50_each_ms']:>9.1f}ms{r['p95_each_ms']:>9.1f}ms{r['deliveries_per_s']:>10.0f}",
                    flush=True,
                )
                time.sleep(1)  # let closed sockets leave presence before the next run
    finally:
        for proc in (chat_proc, bare_proc):
            proc.terminate()
            proc.wait(timeout=10)
    print(f"logs in {workdir}")


if __name__ == "__main__":
    main()
