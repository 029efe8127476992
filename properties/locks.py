"""Properties of distributed locks, independent of any one lock design.

Each function returns an :class:`distcheck.contract.model.Property` to assign as a class
attribute of a model; the model binds it with small adapters that say, in the
model's own terms, "who is in the critical section in this state", "who does
the lock service think owns the lock", "from which grant came the write the
resource accepted".
Adapters take the model instance first (``lambda self, s: ...``) so they can
read parameters.

The property's name is the attribute name it is assigned to (unless ``name``
is given), so ``expected = {...}`` overrides in variants use that name.  Every
property takes ``because``: why a violation is expected (``{"pauses": 0}``, see
:data:`distcheck.contract.model.Cause`).

Properties (seed §8: mutual exclusion, no deadlock, reentrancy, fault tolerance):

* :func:`mutual_exclusion` -- at most one client is in its critical section;
* :func:`eventually_free` -- a lock held by a crashed client is eventually
  free (liveness; checked by :mod:`distcheck.engines.liveness`);
* :func:`no_release_of_others` -- a client's release never removes a lock
  another client owns (an action property);
* :func:`reentrancy` -- a reentrant lock stays owned by its holder until the
  holder's hold count returns to 0;
* :func:`fencing` -- the resource never accepts a write from an older lock
  grant after one from a newer grant (no stale write); staleness is the
  lock service's grant order, recorded apart from the token the resource
  checks, so the property does not restate the resource's rule.
  :func:`no_stale_write` binds it to a log of :class:`Write` entries, which
  :func:`accept_write` appends to;
* :func:`wakeups_per_release` -- releasing the lock wakes at most ``limit``
  waiters (the herd effect), with :func:`max_wakeups_per_release` measuring
  the worst case over the explored space and :func:`wakeups_measure`
  reporting it as a measured claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from distcheck import Cause, Model, Property, Step, leads_to

#: (model, state) -> the clients in their critical section
Holders = Callable[[Any, Any], Iterable[Any]]
#: (model, state) -> the client the lock service records as owner, or None when free
Owner = Callable[[Any, Any], Any]
#: (model, state) -> {client: how many nested holds the client's program has}
HoldCounts = Callable[[Any, Any], Mapping[Any, int]]
#: (model, state, step, next state) -> the grant number of the write the resource accepted
#: in this step, or None
AcceptedGrant = Callable[[Any, Any, Step, Any], Any]
#: (model, state) -> the highest grant number among the writes accepted so far, or None
NewestGrant = Callable[[Any, Any], Any]
#: (model, state, step, next state) -> how many waiting clients this step woke up
Woken = Callable[[Any, Any, Step, Any], int]

Claims = Iterable[str]


def mutual_exclusion(
    holders: Holders,
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """At most one client is in its critical section (an invariant)."""

    def check(model: Any, s: Any) -> bool:
        return len(set(holders(model, s))) <= 1

    return Property(
        kind="invariant",
        fn=check,
        expect=expect,
        doc=doc or "At most one client is in its critical section (mutual exclusion).",
        claims=tuple(claims),
        name=name,
        because=because,
    )


def no_release_of_others(
    owner: Owner,
    release_actions: Iterable[str],
    *,
    client_arg: str = "client",
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """A release by client ``c`` never removes a lock owned by another client.

    ``release_actions`` names the actions that are a client's release (or a
    command of it, such as the DEL after a GET); ``client_arg`` is the action
    argument naming the releasing client.  Expiry and faults are not releases.
    """
    releases = frozenset(release_actions)

    def check(model: Any, s: Any, step: Step, t: Any) -> bool:
        if step.action not in releases:
            return True
        releaser = step.kwargs()[client_arg]
        before = owner(model, s)
        return before is None or before == releaser or owner(model, t) == before

    return Property(
        kind="action",
        fn=check,
        expect=expect,
        doc=doc or "A client's release never deletes a lock held by another client.",
        claims=tuple(claims),
        name=name,
        because=because,
    )


def reentrancy(
    hold_counts: HoldCounts,
    owner: Owner,
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """While a client's program holds the lock (count > 0), the lock service says it owns it.

    So the lock is released only when the hold count returns to 0: an inner
    unlock of a nested acquisition must not free it.
    """

    def check(model: Any, s: Any) -> bool:
        current = owner(model, s)
        return all(current == c for c, n in hold_counts(model, s).items() if n > 0)

    return Property(
        kind="invariant",
        fn=check,
        expect=expect,
        doc=doc or "The lock is released only when the holder's hold count returns to 0.",
        claims=tuple(claims),
        name=name,
        because=because,
    )


class Write(NamedTuple):
    """One write the protected resource accepted, as the resource's log records it.

    ``token`` is what the client presented and the resource compared;
    ``grant`` is the lock service's grant sequence number: the true order in
    which clients were granted the lock, which the client never shows the
    resource.  The fencing property reads only ``grant``, the resource only
    ``token``, so a token source that does not follow the grant order makes
    the property fail.
    """

    grant: int
    token: int


def fencing(
    accepted_grant: AcceptedGrant,
    newest_grant: NewestGrant,
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """No write from an older grant is accepted after a write from a newer grant (no stale write).

    Staleness is defined by the lock service's grant order, not by the token
    the resource checks: ``accepted_grant`` gives the grant number of the
    write accepted in a step (None when none was), ``newest_grant`` the
    highest grant number among the writes accepted so far.
    """

    def check(model: Any, s: Any, step: Step, t: Any) -> bool:
        grant = accepted_grant(model, s, step, t)
        if grant is None:
            return True
        newest = newest_grant(model, s)
        return newest is None or grant >= newest

    return Property(
        kind="action",
        fn=check,
        expect=expect,
        doc=doc or "No write from an older lock grant is accepted after one from a newer grant "
        "(no stale write).",
        claims=tuple(claims),
        name=name,
        because=because,
    )


def no_stale_write(
    log: str = "accepted",
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """:func:`fencing` for a model whose state field ``log`` is the resource's tuple of :class:`Write`."""

    def accepted_grant(model: Any, s: Any, step: Step, t: Any) -> int | None:
        before, after = getattr(s, log), getattr(t, log)
        return after[-1].grant if len(after) > len(before) else None

    def newest_grant(model: Any, s: Any) -> int | None:
        return max((w.grant for w in getattr(s, log)), default=None)

    return fencing(accepted_grant, newest_grant, expect=expect, claims=claims, name=name, doc=doc,
                   because=because)


def accept_write(
    log: tuple[Write, ...], grant: int, token: int, *, fenced: bool
) -> tuple[Write, ...]:
    """The resource's log after a write presenting ``token`` (from grant ``grant``).

    Unfenced, the resource accepts every write.  Fenced, it rejects a token
    lower than the highest it has accepted: it compares tokens only, never
    grant numbers, which it cannot know.
    """
    if fenced and token < max((w.token for w in log), default=token):
        return log
    return (*log, Write(grant, token))


WAKEUPS_MEASURE = "max wake-ups per release"


def wakeups_per_release(
    woken: Woken,
    *,
    limit: int = 1,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """No step wakes more than ``limit`` waiting clients (herd effect when it does).

    A release (or the expiry that acts as one) is the only step that wakes
    waiters, so this bounds the wake-ups per release.  The property carries the
    per-step count in its ``spec`` (``{"per_step": woken}``) so that
    :func:`max_wakeups_per_release` can find it; :func:`wakeups_measure`
    reports that maximum as a measured claim.
    """

    def check(model: Any, s: Any, step: Step, t: Any) -> bool:
        return woken(model, s, step, t) <= limit

    return Property(
        kind="action",
        fn=check,
        expect=expect,
        doc=doc or f"Each release wakes at most {limit} waiting client(s) (no herd effect).",
        claims=tuple(claims),
        name=name,
        spec={"per_step": woken},
    )


def max_wakeups_per_release(model: Model, woken: Woken | None = None) -> int:
    """The most waiters one step wakes, over every transition of ``model``'s reachable space.

    ``woken`` defaults to the adapter of the model's :func:`wakeups_per_release`
    property.  Raises ValueError when the space is too large to explore here.
    """
    from distcheck.contract.compiled import compile_model
    from distcheck.engines import bfs

    view = compile_model(model)
    if woken is None:
        woken = _wakeups_adapter(model)
    run = bfs.explore(view, properties=[], check_deadlock=False)
    if not run.stats.complete:
        raise ValueError(f"model {model.id}: exploration was cut ({run.cut}); no maximum")
    most = 0
    for s in run.parent:
        for a, args, t in view.transitions(s):
            most = max(most, woken(model, s, a.step(args), t))
    return most


def _wakeups_adapter(model: Model) -> Woken:
    from distcheck.contract.compiled import compile_model

    for p in compile_model(model).properties:
        if isinstance(p.spec, dict) and "per_step" in p.spec:
            return p.spec["per_step"]
    raise ValueError(f"model {model.id} has no wakeups_per_release property")


def wakeups_measure(
    woken: Woken,
    *,
    predicted: Callable[[Any], int] | None = None,
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """A measured claim: the maximum wake-ups per release over the explored space.

    The verdict is ``reported`` with the figure; when ``predicted(model)``
    is given (the theory's figure, e.g. ``clients - 1`` for the herd) and the
    model disagrees, the verdict is ``violated`` and says by how much.
    """
    from distcheck import Measurement

    def compute(model: Any) -> Measurement:
        try:
            most = max_wakeups_per_release(model, woken)
        except ValueError as exc:
            return Measurement({}, str(exc), problem=str(exc))
        figures: dict[str, Any] = {WAKEUPS_MEASURE: most}
        problem = None
        if predicted is not None:
            expected = predicted(model)
            figures["predicted"] = expected
            if most != expected:
                problem = f"{WAKEUPS_MEASURE} is {most}, the design predicts {expected}"
        return Measurement(figures, f"{WAKEUPS_MEASURE}: {most}", problem)

    return Property(
        kind="measure",
        fn=compute,
        expect="reported",
        doc=doc or "The most waiters one release wakes, over every reachable state.",
        claims=tuple(claims),
        name=name,
        because=because,
    )


#: (model, state, client) -> whether that client has crashed
Crashed = Callable[[Any, Any, Any], bool]


def eventually_free(
    owner: Owner,
    crashed: Crashed,
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
    because: Cause = None,
) -> Property:
    """A lock held by a crashed client is eventually free (liveness, ``P ~> Q``).

    P: the lock service records a crashed client as owner; Q: it no longer
    does.  Checked by :mod:`distcheck.engines.liveness` under the model's declared
    fairness: time (``tick``) and the service's own recovery (``expire``)
    must be weakly fair for any expiry-based design to pass.
    """
    def crashed_holder(model: Any, s: Any) -> bool:
        current = owner(model, s)
        return current is not None and crashed(model, s, current)

    def free_again(model: Any, s: Any) -> bool:
        return not crashed_holder(model, s)

    prop = leads_to(
        crashed_holder,
        free_again,
        expect=expect,
        doc=doc or "A lock held by a crashed client is eventually free.",
        claims=tuple(claims),
    )
    prop.name = name
    prop.because = because
    return prop
