"""lcc.malloc: with the thresholds raised, a freed large buffer is reused from the heap
instead of being mapped and faulted in again on every allocation (the system time that
doubled a CPU evaluation's cost)."""

from __future__ import annotations

import subprocess
import sys

CYCLES = """
import ctypes, ctypes.util, resource, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "keep":
    from lcc.malloc import keep_buffers_in_heap
    assert keep_buffers_in_heap()

def use(n=50_000_000):  # 50 MB, written: above glibc's default mmap threshold (32 MiB at most)
    buffer = libc.malloc(n)
    ctypes.memset(buffer, 1, n)
    libc.free(buffer)

use()  # the first one is faulted in either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    use()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CYCLES, mode], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


def test_a_freed_large_buffer_is_reused_without_faulting_its_pages_in_again():
    default, kept = _page_faults("default"), _page_faults("keep")
    pages = 50_000_000 // 4096
    assert default >= 4 * pages  # each of the 5 allocations maps and faults 12,207 new pages
    assert kept < pages  # the heap keeps the first one's pages: next to no new faults
