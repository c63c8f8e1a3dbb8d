#!/usr/bin/env python3
"""tests/harness/faultproxy.py: a fault-injecting TCP proxy for the tests (127.0.0.1 only).

    faultproxy.py --listen PORT --to PORT --control FILE --log FILE

Forwards every connection made to 127.0.0.1:LISTEN to 127.0.0.1:TO, and injects faults on
command. A command is one line written to the control file (replace the file to send another;
the proxy reads it when its content changes):

    pass                      forward normally
    cut                       close every open connection at once, both ways (like a reset)
    stall SECONDS             forward nothing, either way, for SECONDS (connections stay open)
    trickle BYTES_PER_S SECONDS   forward at most BYTES_PER_S each way for SECONDS
    chaos SEED SECONDS        for SECONDS, a fault every 0.5-3 s, drawn from SEED: cut (40%),
                              stall 1-4 s (30%), trickle 2-16 KiB/s for 1-4 s (30%)
    refuse SECONDS            close each new connection at once for SECONDS

Each fault is a line in the log file ("<time> cut 3 connections", "<time> stall 2.1 s", ...);
on SIGTERM the last line is the total: "total: cut 5 (17 connections) stall 3 trickle 2 refuse 0".
Why not a Debian package: toxiproxy is not in Debian, and tc/netem needs root and a network
namespace; this is a few lines of asyncio.
"""
import argparse
import asyncio
import os
import random
import signal
import sys
import time


class Proxy:
    def __init__(self, args):
        self.args = args
        self.conns = set()          # (client_writer, upstream_writer)
        self.stall_until = 0.0
        self.trickle_until = 0.0
        self.trickle_bps = 0
        self.refuse_until = 0.0
        self.counts = {"cut": 0, "cut_conns": 0, "stall": 0, "trickle": 0, "refuse": 0}
        self.log = open(args.log, "a", buffering=1)
        self.chaos_task = None

    def note(self, text):
        self.log.write(f"{time.time():.3f} {text}\n")

    # --- faults ---
    def cut(self):
        n = len(self.conns)
        for cw, uw in list(self.conns):
            for w in (cw, uw):
                try:
                    w.transport.abort()
                except Exception:
                    pass
        self.conns.clear()
        self.counts["cut"] += 1
        self.counts["cut_conns"] += n
        self.note(f"cut {n} connections")

    def stall(self, secs):
        self.stall_until = time.monotonic() + secs
        self.counts["stall"] += 1
        self.note(f"stall {secs:.1f} s")

    def trickle(self, bps, secs):
        self.trickle_bps = max(1, int(bps))
        self.trickle_until = time.monotonic() + secs
        self.counts["trickle"] += 1
        self.note(f"trickle {self.trickle_bps} B/s for {secs:.1f} s")

    def refuse(self, secs):
        self.refuse_until = time.monotonic() + secs
        self.counts["refuse"] += 1
        self.note(f"refuse new connections for {secs:.1f} s")

    async def chaos(self, seed, secs):
        rnd = random.Random(seed)
        end = time.monotonic() + secs
        self.note(f"chaos seed {seed} for {secs} s")
        while time.monotonic() < end:
            await asyncio.sleep(rnd.uniform(0.5, 3.0))
            if time.monotonic() >= end:
                break
            r = rnd.random()
            if r < 0.4:
                self.cut()
            elif r < 0.7:
                self.stall(rnd.uniform(1, 4))
            else:
                self.trickle(rnd.randint(2048, 16384), rnd.uniform(1, 4))
        self.note("chaos over")

    def command(self, line):
        w = line.split("#")[0].split()
        if not w:
            return
        if self.chaos_task and w[0] != "chaos":
            self.chaos_task.cancel()
            self.chaos_task = None
        if w[0] == "pass":
            self.stall_until = self.trickle_until = self.refuse_until = 0
            self.note("pass")
        elif w[0] == "cut":
            self.cut()
        elif w[0] == "stall":
            self.stall(float(w[1]))
        elif w[0] == "trickle":
            self.trickle(int(w[1]), float(w[2]))
        elif w[0] == "refuse":
            self.refuse(float(w[1]))
        elif w[0] == "chaos":
            if self.chaos_task:
                self.chaos_task.cancel()
            self.chaos_task = asyncio.ensure_future(self.chaos(int(w[1]), float(w[2])))
        else:
            self.note(f"unknown command: {line.strip()}")

    async def watch(self):
        last = None
        while True:
            try:
                with open(self.args.control) as f:
                    text = f.read()
            except OSError:
                text = None
            if text is not None and text != last:
                last = text
                for line in text.splitlines()[-1:]:
                    self.command(line)
            await asyncio.sleep(0.05)

    # --- forwarding ---
    async def pump(self, reader, writer):
        try:
            while True:
                data = await reader.read(16384)
                if not data:
                    break
                while data:
                    now = time.monotonic()
                    if now < self.stall_until:
                        await asyncio.sleep(0.05)
                        continue
                    if now < self.trickle_until:
                        piece = max(1, self.trickle_bps // 20)
                        writer.write(data[:piece])
                        data = data[piece:]
                        await writer.drain()
                        await asyncio.sleep(0.05)
                        continue
                    writer.write(data)
                    data = b""
                    await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def handle(self, creader, cwriter):
        if time.monotonic() < self.refuse_until:
            cwriter.transport.abort()
            return
        try:
            ureader, uwriter = await asyncio.open_connection("127.0.0.1", self.args.to)
        except OSError:
            cwriter.transport.abort()
            return
        pair = (cwriter, uwriter)
        self.conns.add(pair)
        await asyncio.gather(self.pump(creader, uwriter), self.pump(ureader, cwriter))
        self.conns.discard(pair)

    def total(self):
        c = self.counts
        return (f"total: cut {c['cut']} ({c['cut_conns']} connections) stall {c['stall']} "
                f"trickle {c['trickle']} refuse {c['refuse']}")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    p = Proxy(args)
    server = await asyncio.start_server(p.handle, "127.0.0.1", args.listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    watcher = asyncio.ensure_future(p.watch())
    p.note(f"listening on 127.0.0.1:{args.listen} -> 127.0.0.1:{args.to}")
    await stop.wait()
    watcher.cancel()
    server.close()
    p.note(p.total())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
