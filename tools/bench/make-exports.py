"""Deterministic large exports of the seed exam for benchmarks: the seed's 46 response rows
repeated with fresh IDs and e-mails (resubmissions stay resubmissions of the same copy), until
N rows. Usage: python3 tools/bench/make-exports.py N OUT.csv
"""
import csv, sys

n, out = int(sys.argv[1]), sys.argv[2]
seed = 'fixtures/2022-02-09/responses-utf8.csv'
rows = list(csv.reader(open(seed, encoding='utf-8', newline='')))
header, body = rows[0], rows[1:]
with open(out, 'w', encoding='utf-8', newline='') as f:
    w = csv.writer(f, lineterminator='\r\n')
    w.writerow(header)
    written = 0
    copy = 0
    while written < n:
        for r in body:
            if written >= n:
                break
            r = list(r)
            written += 1
            r[0] = str(written)
            if r[3] and r[3] != 'anonymous':
                user, _, domain = r[3].partition('@')
                r[3] = f'{user}.c{copy}@{domain}'
            w.writerow(r)
        copy += 1
