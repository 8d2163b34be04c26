"""Throughput of our LinearChainCRF next to pytorch-crf (``torchcrf.CRF``), same tensors, back to back.

    python benchmarks/crf.py [--threads 2] [--batch 32] [--length 40] [--tags 9 17] [--repeats 20] [--clock wall]

For each tag count and two masks (full; random lengths in [1, length], right-padded since pytorch-crf needs
the first position on), times the NLL forward + backward and Viterbi decoding, best of --repeats after
warm-up, and prints a markdown table in tokens/s, tokens = B * T per call. Both CRFs get the same parameters.
Timings on 2 shared cores are fragile: run on a quiet machine. On a loaded one, ``--threads 1 --clock cpu``
(this thread's CPU time) still compares the two fairly: it leaves out the time the thread waits for a core.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # `python benchmarks/crf.py`

from fairseq_xling.modules.crf import LinearChainCRF  # noqa: E402


def best_seconds(fns, repeats: int, clock=time.perf_counter, warmup: int = 3):
    """Best time of each function; the calls alternate so that a change in machine load hits both."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = clock()
            fn()
            best[i] = min(best[i], clock() - start)
    return best


def make_pair(num_tags: int):
    ours = LinearChainCRF(num_tags)
    from torchcrf import CRF

    peer = CRF(num_tags, batch_first=True)
    with torch.no_grad():
        peer.transitions.copy_(ours.transitions)
        peer.start_transitions.copy_(ours.start)
        peer.end_transitions.copy_(ours.end)
    return ours, peer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=40)
    parser.add_argument("--tags", type=int, nargs="+", default=[9, 17])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: this thread's CPU time, for loaded machines (use with --threads 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    torch.manual_seed(0)
    batch, length = args.batch, args.length
    tokens = batch * length

    clock = time.perf_counter if args.clock == "wall" else time.thread_time
    print(f"# LinearChainCRF vs pytorch-crf, batch {batch}, length {length}, {args.threads} threads, float32, "
          f"{args.clock} clock")
    print("| tags | mask | op | ours tokens/s | pytorch-crf tokens/s | ratio |")
    print("|---|---|---|---|---|---|")
    for num_tags in args.tags:
        ours, peer = make_pair(num_tags)
        emissions = torch.randn(batch, length, num_tags, requires_grad=True)
        tags = torch.randint(num_tags, (batch, length))
        lengths = torch.randint(1, length + 1, (batch,))
        masks = {"full": torch.ones(batch, length, dtype=torch.bool),
                 "random lengths": torch.arange(length) < lengths.unsqueeze(1)}
        for mask_name, mask in masks.items():
            def ours_nll():
                ours(emissions, tags, mask).sum().backward()

            def peer_nll():
                (-peer(emissions, tags, mask, reduction="none")).sum().backward()

            def ours_viterbi():
                ours.viterbi_decode(emissions, mask)

            def peer_viterbi():
                with torch.no_grad():
                    peer.decode(emissions, mask)

            for op, fns in (("NLL fwd+bwd", (ours_nll, peer_nll)), ("Viterbi", (ours_viterbi, peer_viterbi))):
                ours_rate, peer_rate = (tokens / seconds for seconds in best_seconds(fns, args.repeats, clock))
                print(f"| {num_tags} | {mask_name} | {op} | {ours_rate:,.0f} | {peer_rate:,.0f} "
                      f"| {ours_rate / peer_rate:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
