#!/usr/bin/env python3
"""Writes a synthetic accelerometer landing JSON-lines file of about SIZE_MB megabytes (deterministic)."""
import random, sys
out, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(42)
users = [f"user{i}.name{i % 97}@test.com" for i in range(1000)]
target = size_mb * 1024 * 1024
written, t = 0, 1655564444103
with open(out, "w", buffering=1 << 20) as f:
    while written < target:
        chunk = []
        for _ in range(10000):
            t += 7
            u = users[t % 1000]
            key = "timeStamp" if t & 1 else "timestamp"
            chunk.append('{"user":"%s","%s":%d,"x":%.3f,"y":%.3f,"z":%.3f}\n' % (
                u, key, t, random.uniform(-1, 1), random.uniform(-1, 1), random.uniform(-1, 1)))
        s = "".join(chunk)
        f.write(s)
        written += len(s)
