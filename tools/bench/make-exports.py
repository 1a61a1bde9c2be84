"""Deterministic large exports of the seed exam for benchmarks: the seed's 46 response rows
repeated with fresh IDs and e-mails (resubmissions stay resubmissions of the same copy), until
N rows.

With --distinct, every copy after the first also rewrites its free-text and summary answers the
way students' answers differ — a word dropped, doubled or moved, a typo, the template's spacing
changed — so that (almost) no answer is given twice and every one has to be scored: the worst
case for examgrade's sharing of repeated answers. Ticked options and numbers still repeat, as
they do in a real class.

Usage: python3 tools/bench/make-exports.py [--distinct] N OUT.csv
"""
import csv, random, sys

args = sys.argv[1:]
distinct = '--distinct' in args
args = [a for a in args if a != '--distinct']
n, out = int(args[0]), args[1]
seed = 'fixtures/2022-02-09/responses-utf8.csv'
rows = list(csv.reader(open(seed, encoding='utf-8', newline='')))
header, body = rows[0], rows[1:]
# Free-text and summary columns: the long answers (anything with several words) that are not
# ticked options (`A;B;`).
long_cols = [i for i in range(9, len(header))
             if not header[i].startswith(('Points - ', 'Feedback - '))
             and sum(len(r[i].split()) for r in body) / len(body) > 8
             and not any(r[i].rstrip().endswith(';') for r in body)]


def vary(text, rng):
    words = text.split(' ')
    if len(words) < 4:
        return text + ' '
    for _ in range(rng.randint(2, 6)):
        i = rng.randrange(len(words))
        op = rng.randrange(4)
        if op == 0 and len(words) > 4:
            del words[i]
        elif op == 1:
            words.insert(i, words[i])
        elif op == 2 and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
        elif len(words[i]) > 3:
            w = list(words[i])
            j = rng.randrange(len(w) - 1)
            w[j], w[j + 1] = w[j + 1], w[j]
            words[i] = ''.join(w)
    return ' '.join(words)


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
            if distinct and copy > 0:
                # Resubmissions of one copy stay alike: seed by copy and respondent.
                rng = random.Random(f'{copy}/{r[3] or r[4]}')
                for i in long_cols:
                    if r[i]:
                        r[i] = vary(r[i], rng)
            w.writerow(r)
        copy += 1
