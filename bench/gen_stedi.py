#!/usr/bin/env python3
"""Writes a STEDI-like landing data set (customer, accelerometer, step_trainer JSON-lines), deterministic.

usage: gen_stedi.py OUT_DIR CUSTOMERS ACCEL_READINGS STEP_READINGS [SEED] [TIME_OFFSET_MS]
The same SEED gives the same customers; TIME_OFFSET_MS shifts the readings (new readings, same customers).
About half the customers consent to research; a few share a serial number; phones send two or three
accelerometer readings at each Step Trainer instant.
"""
import json, os, random, sys, uuid

out, n_cust, n_accel, n_step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 7)
offset = int(sys.argv[6]) if len(sys.argv) > 6 else 0
for z in ("customer", "accelerometer", "step_trainer"):
    os.makedirs(os.path.join(out, z), exist_ok=True)
base = 1655564376361
custs = []
with open(os.path.join(out, "customer", "customer-1.json"), "w") as f:
    for i in range(n_cust):
        serial = str(uuid.UUID(int=rnd.getrandbits(128))) if i % 40 or i == 0 else custs[i - 1]["serialNumber"]
        reg = base + i * 997
        c = {"customerName": f"Customer {i}", "email": f"customer.{i}@test.com", "phone": "8015551212",
             "birthDay": "1980-01-01", "serialNumber": serial, "registrationDate": reg, "lastUpdateDate": reg}
        if rnd.random() < 0.5:
            c["shareWithResearchAsOfDate"] = reg + rnd.randint(0, 10_000_000)
        custs.append(c)
        f.write(json.dumps(c, separators=(",", ":")) + "\n")
per_step = max(1, n_accel // max(1, n_step))
with open(os.path.join(out, "step_trainer", "step_trainer-1.json"), "w") as st, \
     open(os.path.join(out, "accelerometer", "accelerometer-1.json"), "w") as ac:
    written = 0
    for k in range(n_step):
        c = custs[k % n_cust]
        t = base + 20_000_000 + k * 3000 + (k % n_cust) + offset
        st.write('{"sensorReadingTime":%d,"serialNumber":"%s","distanceFromObject":%d}\n' % (t, c["serialNumber"], rnd.randint(150, 300)))
        for _ in range(per_step):
            if written < n_accel:
                ac.write('{"user":"%s","timeStamp":%d,"x":%.3f,"y":%.3f,"z":%.3f}\n' % (
                    c["email"], t, rnd.uniform(-1, 1), rnd.uniform(-1, 1), rnd.uniform(-1, 1)))
                written += 1
    while written < n_accel:
        c = custs[written % n_cust]
        ac.write('{"user":"%s","timeStamp":%d,"x":0.1,"y":0.2,"z":0.3}\n' % (c["email"], base + written + offset))
        written += 1
