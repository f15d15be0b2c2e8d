#!/usr/bin/env python3
"""Drive `aaprof lsp` over stdio as an editor does and time each edit:
from sending a didChange to receiving the publishDiagnostics for that
version. Prints the median and the 90th percentile, in milliseconds.

    lsp.py BIN FILE EDITS --base DIR [--include DIR]...

Each edit types one character into a path of the file's first file rule,
the next deletes it again, so every edit changes the text and the
diagnostics are computed afresh."""
import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import pathlib


def send(proc, msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server closed its output")
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def wait_for(proc, pred):
    while True:
        msg = receive(proc)
        if pred(msg):
            return msg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("file")
    ap.add_argument("edits", type=int)
    ap.add_argument("--base", required=True)
    ap.add_argument("--include", action="append", default=[])
    a = ap.parse_args()
    path = pathlib.Path(a.file).resolve()
    text = path.read_text()
    uri = path.as_uri()
    # where to type: just before the permissions of the first file rule
    m = re.search(r"^[ \t]+(?:owner )?/[^ \n]*(?= +[rwmlkix]+,)", text, re.M)
    if not m:
        raise SystemExit(f"{path}: no file rule to type into")
    line = text[: m.end()].count("\n")
    col = len(text[: m.end()].rsplit("\n", 1)[-1].encode())
    proc = subprocess.Popen([a.bin, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "capabilities": {"general": {"positionEncodings": ["utf-8"]}},
        "initializationOptions": {"base": a.base, "include": a.include}}})
    wait_for(proc, lambda m: m.get("id") == 1)
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "apparmor", "version": 1, "text": text}}})
    first = wait_for(proc, lambda m: m.get("method") == "textDocument/publishDiagnostics")
    times = []
    for i in range(a.edits):
        version = i + 2
        if i % 2 == 0:
            change = {"range": {"start": {"line": line, "character": col},
                                "end": {"line": line, "character": col}}, "text": "x"}
        else:
            change = {"range": {"start": {"line": line, "character": col},
                                "end": {"line": line, "character": col + 1}}, "text": ""}
        t0 = time.perf_counter()
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        wait_for(proc, lambda m: m.get("method") == "textDocument/publishDiagnostics"
                 and m["params"].get("version") == version)
        times.append((time.perf_counter() - t0) * 1000)
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    wait_for(proc, lambda m: m.get("id") == 2)
    send(proc, {"jsonrpc": "2.0", "method": "exit"})
    proc.wait(timeout=10)
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1]
    lines = text.count("\n")
    found = len(first["params"]["diagnostics"])
    print(f"{path.name}: {lines} lines, {found} findings; edit -> diagnostics over "
          f"{len(times)} edits: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms")


if __name__ == "__main__":
    main()
