"""Write the offline grader's encoding of the current question bank (its off-topic test's index).

    PYTHONPATH=functions python bench/bank_index.py

Run it whenever a bank version's questions or ideal answers change: the brain uses the file only while its
digest matches the bank it loads, and otherwise encodes the bank itself at its first grade (about 20 s).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from talentcrew.adapters.local_brain import BANK_INDEX_FILES, LocalBrain, bank_digest, bank_rows


def main() -> int:
    brain = LocalBrain()
    rows = bank_rows(brain.bank)
    started = time.perf_counter()
    vectors = brain.encode_texts([texts for _, texts, _ in rows])
    BANK_INDEX_FILES.mkdir(exist_ok=True)
    target = BANK_INDEX_FILES / f"{brain.bank.version}.npz"
    np.savez_compressed(target, vectors=vectors.astype(np.float32), digest=np.array(bank_digest(rows)))
    print(f"encoded {len(rows)} bank texts in {time.perf_counter() - started:.1f} s; wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
