"""Snowflake ID layout: proved with Z3 for all field values.  Claims: ID-6.

A Snowflake ID is one signed 64-bit word: a zero sign bit, then a millisecond
timestamp counted from a custom epoch (41 bits), the worker id (10 bits) and a
per-millisecond sequence (12 bits).  The layout is the model's parameters, so
a user can point the checker at their own generator::

    distcheck prove ids.snowflake --param timestamp_bits=39 \\
        --param worker_bits=8 --param sequence_bits=16

(Sonyflake itself counts 10 ms ticks with a 16-bit machine id and an 8-bit
sequence: ``-p timestamp_bits=39 -p tick_ms=10 -p worker_bits=16 -p
sequence_bits=8`` reports its 174 years and 25,600 IDs/s per machine.)

Fields are packed the way generators do it, ``timestamp << ts_shift | worker
<< worker_shift | sequence``, truncated to the 64-bit word; by default each
field sits directly above the one below (shift ``-1``), and explicit shifts
describe other (possibly overlapping) layouts.

Proved for all values of the fields, over 64-bit vectors:

* ``packing_injective``: distinct (timestamp, worker, sequence) never pack to
  the same ID -- the uniqueness half of ID-6, given distinct worker ids and a
  clock that never repeats a (timestamp, sequence) pair on one worker, which
  the explored generator (``ids.snowflake_gen``) checks;
* ``sign_bit_zero``: every timestamp in range leaves the sign bit zero (the ID
  is a positive BIGINT / Java long);
* ``increasing_per_worker``: for one worker, a later (timestamp, sequence) --
  in lexicographic order -- gives a larger signed ID.

Reported (``lifetime_and_rate``): the layout's lifetime, 2^timestamp_bits
ticks (2^41 ms is about 69.7 years), and the per-worker rate, 2^sequence_bits
IDs per tick (4096 per ms).

A layout whose fields overlap, or need more than 63 bits, is refuted with the
concrete colliding inputs: ``ids.snowflake.overlapping`` (the worker field
shifted one bit into the sequence) and ``ids.snowflake.wide`` (a 42-bit
timestamp: 64 bits of payload, so the top timestamp bit lands in the sign).

Takeaway: the bit layout itself is sound for all inputs (proved, not tested);
what remains are the operational premises the proof assumes -- distinct worker
ids and a clock that never repeats a (timestamp, sequence) pair -- which the
explored generator ``ids.snowflake_gen`` checks, and the layout's lifetime,
which the choice of epoch spends.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from distcheck import Measurement, Model, Param, Query, measured, proof

WORD_BITS = 64
MS_PER_YEAR = 31_557_600_000  # a Julian year of 365.25 days


@dataclass(frozen=True)
class Layout:
    """Where each field of an ID sits in the 64-bit word."""

    timestamp_bits: int
    worker_bits: int
    sequence_bits: int
    worker_shift: int
    timestamp_shift: int

    @property
    def payload_bits(self) -> int:
        """Bits up to the top of the highest field."""
        return max(self.timestamp_shift + self.timestamp_bits,
                   self.worker_shift + self.worker_bits, self.sequence_bits)

    def pack(self, timestamp: int, worker: int, sequence: int) -> int:
        """The ID as an unsigned 64-bit word, exactly as a generator computes it."""
        word = (timestamp << self.timestamp_shift) | (worker << self.worker_shift) | sequence
        return word & ((1 << WORD_BITS) - 1)

    @staticmethod
    def signed(word: int) -> int:
        """The word read as a signed 64-bit integer (BIGINT, Java long)."""
        return word - (1 << WORD_BITS) if word >> (WORD_BITS - 1) else word

    def fits(self, timestamp: int, worker: int, sequence: int) -> bool:
        return (0 <= timestamp < 1 << self.timestamp_bits and 0 <= worker < 1 << self.worker_bits
                and 0 <= sequence < 1 << self.sequence_bits)

    # -- the same packing over Z3 bit-vectors --------------------------------------------

    def z3_pack(self, z3: Any, timestamp: Any, worker: Any, sequence: Any) -> Any:
        wide = max(WORD_BITS, self.payload_bits)

        def field(value: Any, bits: int, shift: int) -> Any:
            return z3.ZeroExt(wide - bits, value) << z3.BitVecVal(shift, wide)

        word = (field(timestamp, self.timestamp_bits, self.timestamp_shift)
                | field(worker, self.worker_bits, self.worker_shift)
                | field(sequence, self.sequence_bits, 0))
        return z3.Extract(WORD_BITS - 1, 0, word)


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**21 else f"{Decimal(n):.3e}"


def _years(ms: int) -> str:
    years = Decimal(ms) / Decimal(MS_PER_YEAR)  # exact enough for any width: no float overflow
    return f"{years:.1f}" if years < 10**9 else f"{years:.3e}"


def _fields(prefix: str, t: int, w: int, q: int) -> str:
    return f"{prefix}(timestamp={t}, worker={w}, sequence={q})"


class SnowflakeLayout(Model):
    """Snowflake 1/41/10/12 bit layout, proved with Z3.  Claims: ID-6."""

    id = "ids.snowflake"
    claims = ("ID-6",)
    timestamp_bits = Param(41, at_least=1, at_most=1024, doc="timestamp field width")
    worker_bits = Param(10, at_least=1, at_most=1024, doc="worker id field width")
    sequence_bits = Param(12, at_least=1, at_most=1024, doc="sequence field width")
    worker_shift = Param(-1, at_least=-1, at_most=1024,
                         doc="bit position of the worker field; -1: directly above the sequence")
    timestamp_shift = Param(-1, at_least=-1, at_most=1024,
                            doc="bit position of the timestamp; -1: directly above the worker")
    tick_ms = Param(1, at_least=1, doc="milliseconds per timestamp tick (Sonyflake: 10)")

    def setup(self) -> None:
        worker_shift = self.sequence_bits if self.worker_shift < 0 else self.worker_shift
        timestamp_shift = (worker_shift + self.worker_bits if self.timestamp_shift < 0
                           else self.timestamp_shift)
        self.layout = Layout(self.timestamp_bits, self.worker_bits, self.sequence_bits,
                             worker_shift, timestamp_shift)

    def figures(self) -> dict[str, Any]:
        lay = self.layout
        lifetime_ms = (1 << lay.timestamp_bits) * self.tick_ms
        per_tick = 1 << lay.sequence_bits
        unit = "ms" if self.tick_ms == 1 else f"{self.tick_ms} ms"
        return {
            "layout": (f"sign bit 63, timestamp {lay.timestamp_bits} bits at {lay.timestamp_shift}, "
                       f"worker {lay.worker_bits} bits at {lay.worker_shift}, "
                       f"sequence {lay.sequence_bits} bits at 0 ({lay.payload_bits} payload bits)"),
            "lifetime": (f"2^{lay.timestamp_bits} ticks of {unit} = {_count(lifetime_ms)} ms "
                         f"= {_years(lifetime_ms)} years from the epoch"),
            "rate": (f"{_count(per_tick)} IDs per {unit} per worker, "
                     f"{_count(1 << lay.worker_bits)} workers "
                     f"({_count(per_tick * 1000 // self.tick_ms)} IDs/s per worker)"),
        }

    # -- proofs --------------------------------------------------------------------------

    @proof(expect="holds")
    def packing_injective(self, z3: Any) -> Query:
        """distinct (timestamp, worker, sequence) never pack to the same ID"""
        lay = self.layout
        t1, t2 = z3.BitVec("t1", lay.timestamp_bits), z3.BitVec("t2", lay.timestamp_bits)
        w1, w2 = z3.BitVec("w1", lay.worker_bits), z3.BitVec("w2", lay.worker_bits)
        q1, q2 = z3.BitVec("q1", lay.sequence_bits), z3.BitVec("q2", lay.sequence_bits)
        collide = z3.And(z3.Or(t1 != t2, w1 != w2, q1 != q2),
                         lay.z3_pack(z3, t1, w1, q1) == lay.z3_pack(z3, t2, w2, q2))

        def refutes(v: dict[str, int]) -> str | None:
            a, b = (v["t1"], v["w1"], v["q1"]), (v["t2"], v["w2"], v["q2"])
            if a != b and lay.fits(*a) and lay.fits(*b) and lay.pack(*a) == lay.pack(*b):
                return (f"{_fields('', *a)} and {_fields('', *b)} both give ID {lay.pack(*a)}")
            return None

        def show(v: dict[str, int]) -> dict[str, Any]:
            return {"id_1": lay.pack(v["t1"], v["w1"], v["q1"]),
                    "id_2": lay.pack(v["t2"], v["w2"], v["q2"])}

        unknowns = {"t1": t1, "w1": w1, "q1": q1, "t2": t2, "w2": w2, "q2": q2}
        return Query(collide, unknowns, refutes, show, self.figures())

    @proof(expect="holds")
    def sign_bit_zero(self, z3: Any) -> Query:
        """every timestamp, worker and sequence in range leaves the sign bit zero"""
        lay = self.layout
        t = z3.BitVec("t", lay.timestamp_bits)
        w = z3.BitVec("w", lay.worker_bits)
        q = z3.BitVec("q", lay.sequence_bits)
        negative = z3.Extract(WORD_BITS - 1, WORD_BITS - 1, lay.z3_pack(z3, t, w, q)) == 1

        def refutes(v: dict[str, int]) -> str | None:
            fields = (v["t"], v["w"], v["q"])
            if lay.fits(*fields) and lay.signed(lay.pack(*fields)) < 0:
                return f"{_fields('', *fields)} gives a negative ID {lay.signed(lay.pack(*fields))}"
            return None

        def show(v: dict[str, int]) -> dict[str, Any]:
            return {"id_signed": lay.signed(lay.pack(v["t"], v["w"], v["q"]))}

        return Query(negative, {"t": t, "w": w, "q": q}, refutes, show, self.figures())

    @proof(expect="holds")
    def increasing_per_worker(self, z3: Any) -> Query:
        """for one worker, a later (timestamp, sequence) gives a larger signed ID"""
        lay = self.layout
        w = z3.BitVec("w", lay.worker_bits)
        t1, t2 = z3.BitVec("t1", lay.timestamp_bits), z3.BitVec("t2", lay.timestamp_bits)
        q1, q2 = z3.BitVec("q1", lay.sequence_bits), z3.BitVec("q2", lay.sequence_bits)
        later = z3.Or(z3.ULT(t1, t2), z3.And(t1 == t2, z3.ULT(q1, q2)))
        # `>=` on bit-vectors is the signed comparison: IDs are signed BIGINTs
        not_larger = lay.z3_pack(z3, t1, w, q1) >= lay.z3_pack(z3, t2, w, q2)

        def refutes(v: dict[str, int]) -> str | None:
            a, b = (v["t1"], v["w"], v["q1"]), (v["t2"], v["w"], v["q2"])
            if not (lay.fits(*a) and lay.fits(*b) and (a[0], a[2]) < (b[0], b[2])):
                return None
            id_a, id_b = lay.signed(lay.pack(*a)), lay.signed(lay.pack(*b))
            if id_a >= id_b:
                return (f"{_fields('earlier', *a)} gives {id_a} but {_fields('later', *b)} "
                        f"gives {id_b}")
            return None

        def show(v: dict[str, int]) -> dict[str, Any]:
            return {"id_earlier": lay.signed(lay.pack(v["t1"], v["w"], v["q1"])),
                    "id_later": lay.signed(lay.pack(v["t2"], v["w"], v["q2"]))}

        unknowns = {"w": w, "t1": t1, "q1": q1, "t2": t2, "q2": q2}
        return Query(z3.And(later, not_larger), unknowns, refutes, show, self.figures())

    @measured(claims=("ID-6",))
    def lifetime_and_rate(self) -> Measurement:
        """the layout's lifetime and per-worker rate"""
        figures = self.figures()
        return Measurement(figures, f"lifetime {figures['lifetime']}; rate {figures['rate']}")


class OverlappingLayout(SnowflakeLayout):
    """A broken layout: the worker field starts one bit too low, overlapping the sequence.

    The solver finds two inputs that pack to the same ID, and a worker whose
    IDs go down when its sequence goes up.
    """

    id = "ids.snowflake.overlapping"
    defaults = {"worker_shift": 11}  # one bit into the 12-bit sequence
    expected = {"packing_injective": "violated", "increasing_per_worker": "violated"}


class WideLayout(SnowflakeLayout):
    """A broken layout: a 42-bit timestamp makes 64 payload bits, one more than 63.

    Packing stays injective (64 bits are enough to hold them), but late
    timestamps set the sign bit: the ID is negative and sorts before earlier ones.
    """

    id = "ids.snowflake.wide"
    defaults = {"timestamp_bits": 42}
    expected = {"sign_bit_zero": "violated", "increasing_per_worker": "violated"}
