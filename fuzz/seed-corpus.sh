#!/usr/bin/env bash
# Seed each fuzz target's corpus from the repository's fixtures (real-looking inputs), so the
# fuzzer starts from exports, rubrics, answers and snippets a user really has.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
for target in export_csv export_xlsx rubric summary_answer free_text keras; do mkdir -p "corpus/$target"; done
cp ../fixtures/*/*.csv ../fixtures/*/*.txt ../fixtures/msforms-samples/* corpus/export_csv/ 2>/dev/null || true
cp ../fixtures/*/*.xlsx ../fixtures/msforms-samples/*.xlsx corpus/export_xlsx/ 2>/dev/null || true
find ../fixtures/hostile-xlsx -name '*.xlsx' -size -100k -exec cp {} corpus/export_xlsx/ \;
cp ../rubrics/*.toml ../rubrics/mohler/*.toml ../fixtures/*/*.toml ../fixtures/rubrics/invalid/*.toml corpus/rubric/ 2>/dev/null || true
cp ../fixtures/summary-answers/* corpus/summary_answer/
cp ../fixtures/keras/*.py ../rubrics/models/*.py corpus/keras/
# Free-text answers: each answer cell of the seed export and the marked answers, one per file.
python3 - <<'PY'
import csv, glob, hashlib, os
cells = set()
for path in ['../fixtures/2022-02-09/responses-utf8.csv', '../fixtures/marked/seed-text-marked.csv']:
    for row in csv.reader(open(path, encoding='utf-8', newline='')):
        cells.update(c for c in row if len(c) > 40)
for c in cells:
    name = hashlib.sha1(c.encode()).hexdigest()[:16]
    open(os.path.join('corpus/free_text', name), 'w', encoding='utf-8').write(c)
PY
echo "seeded: $(for d in corpus/*; do printf '%s %s  ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
