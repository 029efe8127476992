"""Seata AT mode: local commit with an undo log, a global row lock, two-phase cleanup.

Claims: TX-9 (no dirty write between global transactions; it holds with the
global lock, and is violated without it or with a writer that bypasses
Seata).

Two global transactions ``g0`` and ``g1`` each update the same row (stock +1,
say) through Seata's data source proxy (seed §14):

* Phase 1, per branch: take the **global lock** on the row from the
  transaction coordinator, then, in one local transaction, update the row
  and write an **undo log** with the before- and after-image, and commit
  locally (the local lock is released here; the global lock is not).
* Phase 2 commit: delete the undo log and release the global lock.
* Phase 2 rollback: compare the row with the after-image; if they match,
  restore the before-image, delete the undo log and release the lock.  If
  they differ, someone changed the row behind Seata's back: Seata stops,
  flags the branch (rollback failed, the lock kept) and leaves it to an
  operator -- it never silently overwrites.

Each global transaction's writes, and a non-Seata writer's, go into a
:mod:`~distcheck.properties.history` (a global transaction is a ``txn`` span
from its first step to the end of phase 2).

* ``transactions.seata_at``: no dirty write, and no update is lost.
* ``transactions.seata_at.no_global_lock``: branches commit locally without
  the global lock: ``g1`` overwrites ``g0``'s uncommitted row (a dirty
  write); when ``g0`` rolls back, the after-image check catches it.
* ``transactions.seata_at.outside_writer``: a plain local transaction (not
  through Seata) changes the row between ``g0``'s phase 1 and its rollback:
  a dirty write Seata cannot prevent; the rollback detects it and stops.
* ``transactions.seata_at.outside_writer.no_image_check``: a rollback that
  restores the before-image without checking wipes the outside write out.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Model, action, branch, invariant, lane, put, sometimes
from distcheck.properties import transactions
from distcheck.properties.history import FAIL, INVOKE, OK, Event, instant, record

GLOBALS = ("g0", "g1")
WRITER = "writer"
OUTSIDE_DELTA = 10  # the outside writer's change (a restock), told apart from a branch's +1


class S(NamedTuple):
    row: int
    lock: str | None  # the global lock's holder
    phase: tuple[str, ...]  # per global txn: init | locked | prepared | committed | rolled_back | flagged
    undo: tuple[tuple[int, int] | None, ...]  # per global txn: (before, after) image
    writer: str  # idle | wrote
    history: tuple[Event, ...]


class SeataAT(Model):
    """Seata AT with the global lock and the after-image check.  Claims: TX-9.

    Takeaway: the global lock is what isolates AT transactions from each
    other (take it before the local commit); every writer of those rows must
    go through Seata, or the after-image check can only stop and call an
    operator.
    """

    id = "transactions.seata_at"
    lane_order = ("TC", "branch", "database", "outside writer")
    claims = ("TX-9",)
    #: phase 1 takes the global row lock before the local commit
    global_lock = True
    #: phase 2 rollback compares the row with the after-image first
    image_check = True
    #: a plain local transaction writes the row once, outside Seata
    outside_writer = False
    may_be_dead = {"outside_write": "there is a writer outside Seata only with outside_writer"}
    design_choices = ("global_lock", "image_check", "outside_writer")
    globals_ = GLOBALS

    def init(self):
        yield S(0, None, ("init",) * len(GLOBALS), (None,) * len(GLOBALS), "idle", ())

    # -- phase 1 ------------------------------------------------------------------------

    @action(g="globals_")
    @lane("branch {g}", to="TC")
    def acquire_global_lock(self, s: S, g: str):
        """The branch asks the coordinator for the row's global lock (it waits while another holds it)."""
        i = GLOBALS.index(g)
        if self.global_lock and s.phase[i] == "init" and s.lock is None:
            return s._replace(lock=g, phase=put(s.phase, i, "locked"),
                              history=record(s.history, g, INVOKE, "txn"))

    @action(g="globals_")
    @lane("branch {g}", to="database")
    def local_commit(self, s: S, g: str):
        """Update the row and write the undo log in one local transaction, and commit it."""
        i = GLOBALS.index(g)
        ready = "locked" if self.global_lock else "init"
        if s.phase[i] != ready:
            return None
        history = s.history if self.global_lock else record(s.history, g, INVOKE, "txn")
        after = s.row + 1
        return s._replace(row=after, phase=put(s.phase, i, "prepared"),
                          undo=put(s.undo, i, (s.row, after)),
                          history=instant(history, g, "write", ("row", after)))

    # -- phase 2 ------------------------------------------------------------------------

    @action(g="globals_")
    @lane("TC", to="branch {g}")
    def phase2(self, s: S, g: str):
        """The coordinator decides: commit (delete the undo log) or roll back (undo, checked)."""
        i = GLOBALS.index(g)
        if s.phase[i] != "prepared":
            return None
        lock = None if s.lock == g else s.lock
        yield branch("commit", s._replace(
            phase=put(s.phase, i, "committed"), undo=put(s.undo, i, None), lock=lock,
            history=record(s.history, g, OK, "txn")))
        before, after = s.undo[i]
        if self.image_check and s.row != after:
            # the row changed behind Seata's back: stop, keep the lock, call an operator
            yield branch("rollback", s._replace(phase=put(s.phase, i, "flagged")))
            return
        history = instant(s.history, g, "write", ("row", before))
        yield branch("rollback", s._replace(
            row=before, phase=put(s.phase, i, "rolled_back"), undo=put(s.undo, i, None),
            lock=lock, history=record(history, g, FAIL, "txn")))

    # -- a writer outside Seata ---------------------------------------------------------

    @action()
    @lane("outside writer", to="database")
    def outside_write(self, s: S):
        """A plain local transaction changes the row, taking no global lock."""
        if self.outside_writer and s.writer == "idle":
            value = s.row + OUTSIDE_DELTA
            return s._replace(row=value, writer="wrote",
                              history=instant(s.history, WRITER, "write", ("row", value)))

    # -- properties ---------------------------------------------------------------------

    no_dirty_write = transactions.no_dirty_write(lambda self, s: s.history, claims=("TX-9",))

    @invariant(claims=("TX-9",))
    def no_lost_update(self, s: S) -> bool:
        """Every committed change is still in the row (no rollback silently overwrites one)."""
        kept = sum(p == "committed" for p in s.phase)
        return s.row >= kept + (OUTSIDE_DELTA if s.writer == "wrote" else 0)

    @sometimes()
    def both_committed(self, s: S) -> bool:
        """Sometimes both global transactions commit (the protocol is not vacuous)."""
        return s.phase == ("committed",) * len(GLOBALS)

    @sometimes()
    def rolled_back(self, s: S) -> bool:
        """Sometimes a global transaction rolls back its branch."""
        return "rolled_back" in s.phase


class NoGlobalLock(SeataAT):
    """Seata AT whose branches commit locally without the global lock.  Claims: TX-9 (broken).

    Takeaway: without the global lock a second global transaction writes over
    the first one's uncommitted row; the after-image check then stops the
    first one's rollback (flagged, by hand from there).
    """

    id = "transactions.seata_at.no_global_lock"
    may_be_dead = {"acquire_global_lock": "this variant takes no global lock"}
    global_lock = False
    expected = {"no_dirty_write": "violated"}


class OutsideWriter(SeataAT):
    """Seata AT with a writer that bypasses Seata.  Claims: TX-9 (broken).

    Takeaway: the global lock protects only from writers that ask for it.
    The rollback's after-image check sees the outside change and stops
    rather than overwrite it.
    """

    id = "transactions.seata_at.outside_writer"
    outside_writer = True
    expected = {"no_dirty_write": "violated"}

    @sometimes()
    def flagged(self, s: S) -> bool:
        """Sometimes a rollback stops at the after-image check (the outside change is detected)."""
        return "flagged" in s.phase


class NoImageCheck(OutsideWriter):
    """Seata AT with an outside writer and a rollback that does not check.  Claims: TX-9 (broken).

    Takeaway: restoring the before-image blindly erases the outside change: a
    lost update nobody is told about.
    """

    id = "transactions.seata_at.outside_writer.no_image_check"
    image_check = False
    expected = {"no_dirty_write": "violated", "no_lost_update": "violated"}
    flagged = None  # nothing checks, so nothing is ever flagged
