"""The server's memory allocator, told to give what a closed session freed back to the system.

Streamlit runs every session's script in its own thread, and glibc's malloc gives threads arenas of
their own (up to eight per core) and, after the first large array is freed, serves arrays that size
from those arenas instead of mapping them afresh. Photos, features and heatmaps are arrays of 0.2-2 MB:
once freed, they leave holes the process keeps, and the server's resident memory climbs session after
session. Two arenas, large blocks always mapped (so freeing one unmaps it) and a lower trim threshold
keep it flat: `python -m bench.server_memory` shows the figures (`docs/decisions.md`).

Elsewhere (macOS, Windows, musl) there is no glibc to tune, and nothing is done.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's <malloc.h>
SETTINGS = {M_ARENA_MAX: 2, M_MMAP_THRESHOLD: 256 * 1024, M_TRIM_THRESHOLD: 1024 * 1024}


@functools.cache
def tune() -> bool:
    """Set `SETTINGS` once for this process; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return all(mallopt(option, value) == 1 for option, value in SETTINGS.items())
