#!/usr/bin/env python3
# Memory under sustained indexing at a (nearly) fixed index size: run a daemon on an index that
# edit-latency.mjs --keep built, then
#
#   python3 bench/daemon/soak-rss.py <daemon pid> <minutes> [corpus folder]
#
# Every second it appends a fresh ~40-word paragraph to 3 random markdown files of the corpus
# (each edit embeds about one new chunk: the index grows by that much), and every 5 s it prints
# the RSS of the daemon and of its embed worker as a JSON line. The corpus is changed in place.
import os, random, subprocess, sys, time, json
daemon = int(sys.argv[1]); minutes = float(sys.argv[2])
root = sys.argv[3] if len(sys.argv) > 3 else '/var/tmp/ragctl-bench-10k/corpus'
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.md')]
def rss(pid):
    try:
        for l in open(f'/proc/{pid}/status'):
            if l.startswith('VmRSS'): return int(l.split()[1]) // 1024
    except FileNotFoundError: return None
def worker():
    out = subprocess.run(['pgrep', '-P', str(daemon)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None
random.seed(7)
t0 = time.time(); n = 0; last = 0
while time.time() - t0 < minutes * 60:
    for f in random.sample(files, 3):
        with open(f, 'a') as h:
            n += 1
            h.write(f"\n\n## Soak {n}\n\nSoak paragraph {n}: {' '.join(random.choice(['ferry','harbour','timetable','island','port','ticket','captain','deck','cabin','wind']) for _ in range(40))}.\n")
    if time.time() - last >= 5:
        last = time.time()
        print(json.dumps({'s': round(last - t0), 'edits': n, 'daemon': rss(daemon), 'worker': rss(worker() or 0)}), flush=True)
    time.sleep(1)
