"""Content served by the test servers (deterministic, so tests compare bytes)."""

from __future__ import annotations

BIG = bytes((i * 7 + i // 251) % 256 for i in range(3 << 20))  # 3 MiB
TEXT = "".join(f"line {i}: h\u00e9llo w\u00f6rld\n" for i in range(2000))
