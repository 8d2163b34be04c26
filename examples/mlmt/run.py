"""The Lin et al. (2018) experiments: train with fairseq-train, score span F1 on ned.testa / esp.testa.

    python examples/mlmt/run.py lowres   [--work work/mlmt] [--seeds 1 2 3] [--jobs 2]   # Figure 3
                                          [--sizes 0 10 50 100 200]   (0: zero-shot, no Dutch NER data)
    python examples/mlmt/run.py ablation [--sizes 10 100 200] [--seeds 1 2]               # Table 6
    python examples/mlmt/run.py full                                                      # Table 3

Needs the data-bins of ``examples/mlmt/prepare_data.sh``. Every run appends one JSON line to
``WORK/results.jsonl`` (setting, size, seed, F1 per type, train seconds); runs already there are skipped, so an
interrupted sweep resumes. ``examples/mlmt/table.py`` turns the file into the README's tables and plot.

Model selection: none by default. Each run trains a fixed number of updates and the last checkpoint is scored,
so the dev split (testa; the test splits are held out) is only measured, never used to choose. ``full
--converge P`` instead trains until the target's dev F1 (testa, logged as ``ner_nl:f1`` at every epoch) has not
improved for P epochs (at most ``--max-epoch``), keeps the best epoch's checkpoint and scores it (issue 13): testa
then chooses the epoch, as dev sets do.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from tqdm import tqdm

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("XLING_DATA", os.path.join(REPO, "..", "shared", "data"))

# the paper's settings for Dutch NER: which auxiliary (task, language) objectives join the target
SETTINGS = {
    "baseline": [],
    "cross_task": ["pos_nl"],
    "cross_lingual": ["ner_en", "ner_es"],
    "full": ["pos_nl", "ner_en", "ner_es"],
}
# Table 6 (additive, all with the full model's objectives): Basic = separate LSTMs, no characters, no
# highway, no language-specific layer, no dropout; then +Characters, +shared LSTM (L), +language-Specific
# layer, +Highway, +Dropout (= the full model)
ABLATIONS = {
    "basic": ["--separate-lstm", "--char-filters", "0", "--no-lang-specific-layer", "--highway-layers", "0",
              "--dropout", "0"],
    "+C": ["--separate-lstm", "--no-lang-specific-layer", "--highway-layers", "0", "--dropout", "0"],
    "+CL": ["--no-lang-specific-layer", "--highway-layers", "0", "--dropout", "0"],
    "+CLS": ["--highway-layers", "0", "--dropout", "0"],
    "+CLSH": ["--dropout", "0"],
}
# Table 2 of the paper; the low-resource runs use its 50-dimensional word embeddings
TRAIN_ARGS = ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.02", "--clip-norm", "5",
              "--lr-scheduler", "step", "--lr-deacy-period", "10000", "--lr-decay", "0.9", "--batch-size", "19"]


def train_args(plateau=None):
    """Table 2's optimisation; with ``plateau`` (a dev-set choice for the runs to convergence) the lr is multiplied
    by ``plateau`` after every epoch whose dev F1 (the checkpoint metric) did not improve, instead of the step decay."""
    if not plateau:
        return TRAIN_ARGS
    step = TRAIN_ARGS.index("--lr-scheduler")
    return TRAIN_ARGS[:step] + ["--lr-scheduler", "reduce_lr_on_plateau", "--lr-shrink", str(plateau),
                                "--lr-patience", "0"] + TRAIN_ARGS[step + 6:]


TESTA = {"nl": "conll2002/ned.testa", "es": "conll2002/esp.testa"}
# the data-bin of an auxiliary objective, where its name is not the data-bin's
AUX_BINS = {"ner_nl": "ner_nl_all"}
# Table 3's full models: the target's auxiliaries. Spanish has no POS training set here (UD-POS trains en/nl
# only), so its cross-task auxiliary is Dutch POS (mu * zeta = 0.01 of its weight)
FULL_AUX = {"nl": SETTINGS["full"], "es": ["pos_nl", "ner_en", "ner_nl"]}
TARGET_BINS = {"nl": "ner_nl_all", "es": "ner_es"}


def run_one(job, work):
    """Train one model, score it on the target's testa; return the result row."""
    name, target = job["name"], job["target"]
    save_dir = os.path.join(work, "checkpoints", name)
    bins = os.path.join(work, "bin")
    # the target's data-bin (none for zero-shot: size 0), then the auxiliary objectives'
    data = {target: os.path.join(bins, job["target_bin"])} if job["target_bin"] else {}
    data.update({aux: os.path.join(bins, AUX_BINS.get(aux, aux)) for aux in job["aux"]})
    objectives = [f"tagging:{o.split('_')[1]}:task={o.split('_')[0]}:data={path}" for o, path in data.items()]
    cmd = ["fairseq-train", next(iter(data.values())), "--user-dir", os.path.join(REPO, "fairseq_xling"),
           "--task", "xling_multitask", "--objectives", ",".join(objectives),
           "--schedule", f"mixing:target={target}", "--criterion", "xling_multitask",
           "--arch", "xling_char_cnn_tagger", *train_args(job.get("plateau")), *job["model_args"],
           "--seed", str(job["seed"]), "--save-dir", save_dir, "--no-epoch-checkpoints",
           "--cpu", "--num-workers", "0", "--log-format", "simple", "--log-interval", "500"]
    if job.get("patience"):  # to convergence: dev F1 of the target every epoch selects and stops
        cmd += ["--max-epoch", str(job["max_epoch"]), "--patience", str(job["patience"]),
                "--best-checkpoint-metric", f"{target}:f1", "--maximize-best-checkpoint-metric",
                "--no-last-checkpoints"]
        checkpoint = os.path.join(save_dir, "checkpoint_best.pt")
    else:  # a fixed number of updates, the last checkpoint (written once, when --max-update is reached)
        cmd += ["--max-update", str(job["updates"]), "--disable-validation", "--save-interval", "1000000"]
        checkpoint = os.path.join(save_dir, "checkpoint_last.pt")
    os.makedirs(save_dir, exist_ok=True)
    for stale in ("checkpoint_last.pt", "checkpoint_best.pt"):  # left by an interrupted run: start over
        if os.path.exists(os.path.join(save_dir, stale)):
            os.remove(os.path.join(save_dir, stale))
    env = dict(os.environ, OMP_NUM_THREADS=str(job["threads"]), MKL_NUM_THREADS=str(job["threads"]))
    log = os.path.join(save_dir, "train.log")
    start = time.time()
    with open(log, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, check=True)
    seconds = time.time() - start
    lang = target.split("_")[1]  # scored with the model's NER head on the target language's testa
    score = subprocess.run([sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
                            checkpoint, "--input", os.path.join(DATA, TESTA[lang]), "--format", "conll2002",
                            "--lang", lang, "--task", "ner", "--repair"],  # esp.testa: one I- after O
                           capture_output=True, text=True, env=env)
    if score.returncode != 0:
        raise RuntimeError(f"{name}: xling-eval failed:\n{score.stderr[-2000:]}")
    row = json.loads(score.stdout.strip().splitlines()[-1])
    if not job["keep_checkpoint"]:
        os.remove(checkpoint)
    result = {**{k: job[k] for k in ("name", "sweep", "setting", "size", "seed", "updates")},
              "f1": row["f1"], "f1_per_type": row.get("f1_per_type"), "train_seconds": round(seconds),
              "eval_file": TESTA[lang]}
    if job.get("patience"):  # the learning curve: dev F1 of the target after each epoch, and the epoch kept
        with open(log) as f:
            text = f.read()
        curve = [float(m) for m in re.findall(rf"\| {re.escape(target)}:f1 ([\d.]+)", text)]
        # updates of the target objective per epoch (a full model's epoch also holds the auxiliaries' batches)
        plans = re.findall(rf"epoch \d+ plan: \d+ updates; .*?\b{re.escape(target)}: (\d+)", text)
        result["target_updates_by_epoch"] = [int(n) for n in plans[:len(curve)]]
        result.update(dev_f1_by_epoch=curve, epochs=len(curve), patience=job["patience"], max_epoch=job["max_epoch"],
                      best_epoch=1 + max(range(len(curve)), key=curve.__getitem__) if curve else None)
    return result


def sweep_jobs(args):
    jobs = []
    if args.sweep == "lowres":
        for size in args.sizes:
            for setting, aux in SETTINGS.items():
                if setting not in args.settings:
                    continue
                zero_shot_ready = any(a.startswith("ner_") for a in aux) and any(a.endswith("_nl") for a in aux)
                if size == 0 and not zero_shot_ready:
                    continue  # zero-shot needs NER in another language and Dutch words (from Dutch POS)
                for seed in args.seeds:
                    jobs.append(dict(sweep="lowres", setting=setting, size=size, seed=seed, aux=aux,
                                     target="ner_nl", target_bin=f"ner_nl_{size}" if size else None,
                                     model_args=["--word-dim", "50"]))
    elif args.sweep == "ablation":
        for size in args.sizes:
            for setting, extra in ABLATIONS.items():
                for seed in args.seeds:
                    jobs.append(dict(sweep="ablation", setting=setting, size=size, seed=seed, aux=SETTINGS["full"],
                                     target="ner_nl", target_bin=f"ner_nl_{size}",
                                     model_args=["--word-dim", "50", *extra]))
    else:  # full training sets; the paper's high-resource sizes (100-d words, LSTM 225)
        for target in args.targets:
            for setting in args.settings:
                aux = {"baseline": [], "full": FULL_AUX[target]}[setting]
                for seed in args.seeds:
                    jobs.append(dict(sweep="full", setting=f"{setting}_{target}", size="all", seed=seed, aux=aux,
                                     target=f"ner_{target}", target_bin=TARGET_BINS[target],
                                     model_args=["--word-dim", "100", "--lstm-hidden", "225"]))
    for job in jobs:
        if args.vectors:  # every language of the run starts from its pretrained vectors
            langs = sorted({name.split("_")[1] for name in [job["target"], *job["aux"]]})
            job["model_args"] += ["--pretrained-word-vectors",
                                  ",".join(f"{lang}:{os.path.join(args.vectors, lang + '.vec')}" for lang in langs)]
            job["setting"] += "+w2v"
        job["updates"] = args.updates if not args.converge else None
        job["patience"], job["max_epoch"] = args.converge, args.max_epoch
        if args.converge:
            job["setting"] += "+conv"
        if args.plateau:
            job["plateau"] = args.plateau
            job["setting"] += f"+plateau{args.plateau:g}"
        if args.input_dropout:
            job["model_args"] += ["--input-dropout", str(args.input_dropout)]
            job["setting"] += f"+indrop{args.input_dropout:g}"
        job["threads"] = args.threads
        job["keep_checkpoint"] = args.keep_checkpoints
        job["name"] = f"{job['sweep']}-{job['setting']}-{job['size']}-s{job['seed']}"
    return jobs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep", choices=("lowres", "ablation", "full"))
    parser.add_argument("--work", default=os.path.join(REPO, "work", "mlmt"))
    parser.add_argument("--sizes", nargs="+", type=int, default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--updates", type=int, default=None,
                        help="updates per run (default: 2,000 low-resource, 8,000 full)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at the same time")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--keep-checkpoints", action="store_true", help="keep each run's checkpoint_last.pt")
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS),
                        help="the settings to run (default: all; full: baseline and full)")
    parser.add_argument("--targets", nargs="+", default=list(TESTA), choices=list(TESTA),
                        help="full: the target languages (default: nl es)")
    parser.add_argument("--converge", type=int, metavar="PATIENCE", default=0,
                        help="full: train until the target's dev F1 has not improved for PATIENCE epochs and score "
                             "the best epoch (default 0: a fixed number of --updates)")
    parser.add_argument("--max-epoch", type=int, default=60, help="with --converge: at most this many epochs")
    parser.add_argument("--input-dropout", type=float, default=0.0, metavar="P",
                        help="dropout on the BiLSTM's input (a dev-set choice; the paper drops its output only)")
    parser.add_argument("--plateau", type=float, default=None, metavar="SHRINK",
                        help="with --converge: multiply the lr by SHRINK after an epoch without dev gain "
                             "(fairseq's reduce_lr_on_plateau) instead of Table 2's step decay")
    parser.add_argument("--vectors", help="directory with LANG.vec word2vec text files (train_word_vectors.py): "
                                          "initialise the word embeddings from them; settings get a +w2v suffix")
    args = parser.parse_args(argv)
    if args.plateau is not None and (not args.converge or not 0 < args.plateau < 1):
        parser.error(f"--plateau {args.plateau}: expected a factor in (0, 1), with --converge")
    if args.converge < 0 or args.max_epoch < 1:
        parser.error(f"--converge {args.converge} --max-epoch {args.max_epoch}: expected PATIENCE >= 0 and N >= 1")
    if args.sweep == "full" and not set(args.settings or ()) <= {"baseline", "full"}:
        parser.error(f"full: --settings {' '.join(args.settings)}: expected baseline and/or full")
    args.settings = args.settings or (["baseline", "full"] if args.sweep == "full" else list(SETTINGS))
    args.sizes = args.sizes or ([0, 10, 50, 100, 200] if args.sweep == "lowres" else [10, 100, 200])
    args.updates = args.updates or (8000 if args.sweep == "full" else 2000)
    results = os.path.join(args.work, "results.jsonl")
    done = set()
    if os.path.exists(results):
        with open(results) as f:
            done = {json.loads(line)["name"] for line in f if line.strip()}
    jobs = [j for j in sweep_jobs(args) if j["name"] not in done]
    print(f"{len(jobs)} runs to do ({len(done)} already in {results})", file=sys.stderr)
    failed = []
    with ThreadPoolExecutor(args.jobs) as pool, open(results, "a") as out:
        futures = {pool.submit(run_one, job, args.work): job["name"] for job in jobs}
        for future in tqdm(as_completed(futures), total=len(futures), desc=args.sweep):
            try:
                row = future.result()
            except (subprocess.CalledProcessError, RuntimeError) as err:  # the others go on; reported below
                failed.append(futures[future])
                tqdm.write(f"{futures[future]}: FAILED ({err}); log in {args.work}/checkpoints/{futures[future]}")
                continue
            out.write(json.dumps(row) + "\n")
            out.flush()
            tqdm.write(f"{row['name']}: F1 {100 * row['f1']:.2f} ({row['train_seconds']} s)")
    if failed:
        sys.exit(f"{len(failed)} of {len(jobs)} runs failed: {', '.join(failed)}")

if __name__ == "__main__":
    main()
