"""results.jsonl of run_ablation.sh -> the markdown table of examples/jmt/README.md."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]
names = {"sent_avg": "Sent-Avg", "sent_lstm": "Sent-LSTM", "jmt_sent_avg": "JMT-Sent-Avg",
         "jmt_sent_lstm": "JMT-Sent-LSTM", "jmt_sent_lstm_no_mono": "JMT-Sent-LSTM*no-mono"}
print("| parallel pairs | model | de->en P@1 | en->de P@1 | de->en P@5 | en->de P@5 | train time (s) |")
print("|---|---|---|---|---|---|---|")
for pairs in ("17580", "5000"):
    for key, label in names.items():
        by = {r["direction"]: r for r in rows  # cosine rows (older results have no "scoring" column)
              if r["model"] == f"{key}-{pairs}" and r.get("scoring", "cosine") == "cosine"}
        if len(by) == 2:
            a, b = by["de->en"], by["en->de"]
            print(f"| {int(pairs):,} | {label} | {100 * a['p@1']:.1f} | {100 * b['p@1']:.1f} | "
                  f"{100 * a['p@5']:.1f} | {100 * b['p@5']:.1f} | {a['train_seconds']} |")
