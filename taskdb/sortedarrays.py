"""Sorted integers kept in blocks of ``array('q')``: :class:`SeqSet` and :class:`SortedPairs`.

What the indexes need from a sorted container, without its cost per entry: a
``sortedcontainers.SortedList`` or a ``set`` holds one Python int object per entry (30 to 50
bytes, and a reference the cyclic garbage collector visits on every full collection); here
an entry is one machine word (two for a pair) in arrays the collector never looks into.
Blocks keep an insert or a delete to a memmove of a few kilobytes, and a lookup to two
bisections; appending past the end, the usual case for insertion numbers and timestamps, is
an ``array.append``.

Entries are record *seqs* (insertion numbers: unique, >= 0).  In a :class:`SortedPairs` a
seq breaks ties between equal keys, so equal timestamps stay in insertion order.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import chain, islice

__all__ = ["SeqSet", "SortedPairs", "Position", "LOAD"]

#: A block splits when it grows past twice this many entries.
LOAD = 1024

#: A position in a :class:`SortedPairs`: ``(block, offset)``.
Position = tuple[int, int]


class SeqSet:
    """A set of seqs, iterated in ascending order (a hash bucket, a null bucket)."""

    __slots__ = ("_blocks", "_maxes", "_len")

    def __init__(self, seqs: Iterable[int] = ()) -> None:
        self._blocks: list[array[int]] = []
        self._maxes: list[int] = []  # the last seq of each block
        self._len = 0
        for s in seqs:
            self.add(s)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(self._blocks)

    def __contains__(self, seq: object) -> bool:
        if type(seq) is not int or not self._maxes or seq > self._maxes[-1]:
            return False
        block = self._blocks[bisect_left(self._maxes, seq)]
        i = bisect_left(block, seq)
        return i < len(block) and block[i] == seq

    def add(self, seq: int) -> None:
        """Add ``seq`` (not already present)."""
        maxes = self._maxes
        if maxes and seq > maxes[-1]:  # the usual case: the newest record
            block = self._blocks[-1]
            block.append(seq)
            maxes[-1] = seq
            self._len += 1
            if len(block) > 2 * LOAD:
                self._split(len(maxes) - 1)
            return
        if not maxes:
            self._blocks.append(array("q", (seq,)))
            maxes.append(seq)
            self._len = 1
            return
        b = min(bisect_left(maxes, seq), len(maxes) - 1)
        block = self._blocks[b]
        i = bisect_left(block, seq)
        block.insert(i, seq)
        if i == len(block) - 1:
            maxes[b] = seq
        self._len += 1
        if len(block) > 2 * LOAD:
            self._split(b)

    def _split(self, b: int) -> None:
        block = self._blocks[b]
        half = len(block) >> 1
        self._blocks[b : b + 1] = [block[:half], block[half:]]
        self._maxes.insert(b, block[half - 1])

    def remove(self, seq: int) -> None:
        """Remove ``seq``; KeyError if absent."""
        maxes = self._maxes
        b = bisect_left(maxes, seq)
        if b == len(maxes):
            raise KeyError(seq)
        block = self._blocks[b]
        i = bisect_left(block, seq)
        if i == len(block) or block[i] != seq:
            raise KeyError(seq)
        del block[i]
        self._len -= 1
        if not block:
            del self._blocks[b], maxes[b]
        elif i == len(block):
            maxes[b] = block[-1]

    def __repr__(self) -> str:
        return f"SeqSet({len(self)} seqs in {len(self._maxes)} blocks)"


class SortedPairs:
    """Pairs ``(key, seq)`` in ascending order; both are signed 64-bit integers."""

    __slots__ = ("_keys", "_seqs", "_maxk", "_len")

    def __init__(self) -> None:
        self._keys: list[array[int]] = []
        self._seqs: list[array[int]] = []
        self._maxk: list[int] = []  # the last key of each block
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def add_pair(self, key: int, seq: int) -> None:
        maxk = self._maxk
        if maxk and key > maxk[-1]:  # the common case: timestamps mostly grow
            keys = self._keys[-1]
            keys.append(key)
            self._seqs[-1].append(seq)
            maxk[-1] = key
            self._len += 1
            if len(keys) > 2 * LOAD:
                self._split(len(maxk) - 1)
            return
        self._insert(key, seq)

    def add_sorted(self, pairs: list[tuple[int, int]]) -> None:
        """Add ``pairs``, sorted and not yet present: those past the last key are appended
        in bulk (the usual case for timestamps), those within the last block merged into it
        at once, any others one by one."""
        maxk = self._maxk
        cut = bisect_left(pairs, (maxk[-1] + 1, -(2**63))) if maxk else 0
        if cut:
            self._merge_head(pairs[:cut])
        rest = pairs[cut:]
        while rest:
            if not self._keys or len(self._keys[-1]) >= 2 * LOAD:
                self._keys.append(array("q"))
                self._seqs.append(array("q"))
                self._maxk.append(0)
            keys = self._keys[-1]
            room = 2 * LOAD - len(keys)
            chunk, rest = rest[:room], rest[room:]
            keys.extend([k for k, _ in chunk])
            self._seqs[-1].extend([s for _, s in chunk])
            self._maxk[-1] = keys[-1]
            self._len += len(chunk)

    def _merge_head(self, head: list[tuple[int, int]]) -> None:
        """Add sorted pairs no greater than the last key (timestamps a little out of order)."""
        last = len(self._maxk) - 1
        if self._block(*head[0]) != last:
            for key, seq in head:
                self._insert(key, seq)
            return
        keys, seqs = self._keys[last], self._seqs[last]
        lo = bisect_left(keys, head[0][0])
        merged = sorted([*zip(keys[lo:], seqs[lo:], strict=True), *head])  # two sorted runs
        del keys[lo:], seqs[lo:]
        keys.extend([k for k, _ in merged])
        seqs.extend([s for _, s in merged])
        self._len += len(head)
        while len(self._keys[-1]) > 2 * LOAD:
            self._split(len(self._maxk) - 1)

    def _block(self, key: int, seq: int) -> int:
        """The block a pair belongs in (its max pair is the first one >= the pair)."""
        maxk = self._maxk
        b = bisect_left(maxk, key)
        last = len(maxk) - 1
        while b < last and maxk[b] == key and self._seqs[b][-1] < seq:
            b += 1  # equal keys run on into the next block
        return min(b, last)

    def _insert(self, key: int, seq: int) -> None:
        if not self._maxk:
            self._keys.append(array("q", (key,)))
            self._seqs.append(array("q", (seq,)))
            self._maxk.append(key)
            self._len = 1
            return
        b = self._block(key, seq)
        keys, seqs = self._keys[b], self._seqs[b]
        i = bisect_left(keys, key)
        n = len(keys)
        while i < n and keys[i] == key and seqs[i] < seq:
            i += 1
        keys.insert(i, key)
        seqs.insert(i, seq)
        if i == n:
            self._maxk[b] = key
        self._len += 1
        if n + 1 > 2 * LOAD:
            self._split(b)

    def _split(self, b: int) -> None:
        keys, seqs = self._keys[b], self._seqs[b]
        half = len(keys) >> 1
        self._keys[b : b + 1] = [keys[:half], keys[half:]]
        self._seqs[b : b + 1] = [seqs[:half], seqs[half:]]
        self._maxk.insert(b, keys[half - 1])

    def remove_pair(self, key: int, seq: int) -> None:
        """Remove the pair; KeyError if absent."""
        if not self._maxk or key > self._maxk[-1]:
            raise KeyError((key, seq))
        b = self._block(key, seq)
        keys, seqs = self._keys[b], self._seqs[b]
        i = bisect_left(keys, key)
        n = len(keys)
        while i < n and keys[i] == key and seqs[i] != seq:
            i += 1
        if i == n or keys[i] != key:
            raise KeyError((key, seq))
        del keys[i]
        del seqs[i]
        self._len -= 1
        if not keys:
            del self._keys[b], self._seqs[b], self._maxk[b]
        elif i == n - 1:
            self._maxk[b] = keys[-1]

    def find(self, key: int | None) -> Position:
        """The position of the first pair whose key is ``>= key`` (None: the end)."""
        if key is None:
            return (len(self._maxk), 0)
        b = bisect_left(self._maxk, key)
        if b == len(self._maxk):
            return (b, 0)
        return (b, bisect_left(self._keys[b], key))

    def start(self) -> Position:
        return (0, 0)

    def count(self, lo: Position, hi: Position) -> int:
        """How many pairs lie in ``[lo, hi)``."""
        (b1, i1), (b2, i2) = lo, hi
        if (b1, i1) >= (b2, i2):
            return 0
        if b1 == b2:
            return i2 - i1
        return len(self._keys[b1]) - i1 + sum(map(len, self._keys[b1 + 1 : b2])) + i2

    def seqs(self, lo: Position, hi: Position) -> Iterator[int]:
        """The seqs of the pairs in ``[lo, hi)``, in order."""
        (b1, i1), (b2, i2) = lo, hi
        if (b1, i1) >= (b2, i2):
            return iter(())
        blocks = self._seqs
        if b1 == b2:
            return iter(blocks[b1][i1:i2])
        tail = (blocks[b2][:i2],) if i2 else ()
        return chain(blocks[b1][i1:], *blocks[b1 + 1 : b2], *tail)

    def first(self, n: int) -> list[int]:
        """The seqs of the first ``n`` pairs."""
        return list(islice(chain.from_iterable(self._seqs), n))

    def all_seqs(self) -> list[int]:
        return list(chain.from_iterable(self._seqs))

    def all_keys(self) -> list[int]:
        return list(chain.from_iterable(self._keys))

    def pairs(self) -> Iterator[tuple[int, int]]:
        return zip(chain.from_iterable(self._keys), chain.from_iterable(self._seqs), strict=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} pairs in {len(self._maxk)} blocks)"
