"""The token mechanism: fetch a token, send it with the request, the server checks and deletes it.

Claims: IDP-1 (GET, compare, DEL as three commands: two duplicates both pass
the check and the business runs twice), IDP-1b (one atomic check-and-delete
script: at most once), IDP-2 (token deleted *after* the business step: a
crash before the DEL and a retry run it twice), IDP-3 (token deleted
*before* the business step: when the business fails, a retry with the same
token is turned away as a duplicate and the order never takes effect; the
fix is a new token or restoring the old one).

Seed §15: the client first fetches a token, which the server saves in Redis;
the request carries it.  A server that finds the token in Redis treats the
request as the first, deletes the token and runs the business step; one that
does not answers "duplicate" and runs nothing.  The client here starts with
token 1 already saved.  Redis holds the set of live ``tokens``.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Param, action, branch, fault, lane, put, sometimes
from distcheck.models.idempotency._scene import DOWN, IDLE, ORDER, Scene
from distcheck.properties import effects
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import Answer


class Tk(NamedTuple):
    client: str  # ready | waiting | done
    call: int | None  # the server whose answer the client waits for
    retries_left: int
    pc: tuple[str, ...]  # idle | received | checked | claimed | applied | down
    req: tuple[int | None, ...]  # the token the copy carries
    answers: tuple[Answer, ...]
    effects: tuple[Effect, ...]
    token: int  # the client's current token
    tokens: frozenset[int]  # live tokens in Redis
    crashes_left: int = 0
    failures_left: int = 0


class TokenGetCompareDel(Scene):
    """Token checked with GET, compared, then deleted with DEL: three commands.  Claims: IDP-1.

    Takeaway: delete the token atomically with the check.  Between one
    server's GET and its DEL, a duplicate on another server GETs the same
    token, and both go on to run the business step.
    """

    id = "idempotency.token"
    claims = ("IDP-1",)
    effect = "charged"

    def init(self):
        yield Tk(**self.scene(token=1, tokens=frozenset({1})), **self.faults.initial())

    def payload(self, s: Tk) -> int:
        return s.token

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_get(self, s: Tk, server: int):
        """GET the token and compare: present, this is the first request; absent, a duplicate."""
        if s.pc[server] == "received":
            if s.req[server] in s.tokens:
                return self.at(s, server, "checked")
            return self.reply(s, server, "duplicate")

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_del(self, s: Tk, server: int):
        """DEL the token (whether it was still there is not looked at)."""
        if s.pc[server] == "checked":
            return self.at(s, server, "claimed", tokens=s.tokens - {s.req[server]})

    @action(server="servers")
    @lane("server {server}")
    def server_business(self, s: Tk, server: int):
        """Run the business step (charge the order) and answer ok."""
        if s.pc[server] == "claimed":
            return self.reply(self.apply(s), server, "ok")

    at_most_once = effects.at_most_once(lambda self, s: s.effects, expect="violated",
                                        claims=("IDP-1",))

    @sometimes()
    def duplicate_turned_away(self, s: Tk) -> bool:
        """Sometimes a copy is answered "duplicate" (the check does fire)."""
        return any(a.value == "duplicate" for a in s.answers)


class TokenCheckAndDelete(TokenGetCompareDel):
    """Token checked and deleted by one atomic script.  Claims: IDP-1b.

    Takeaway: ``if redis.call('get', KEYS[1]) == ARGV[1] then return
    redis.call('del', KEYS[1])`` runs as one command, so exactly one copy
    finds the token and every other copy is a duplicate, however they
    interleave across app servers.
    """

    id = "idempotency.token.atomic"
    claims = ("IDP-1b",)
    server_get = None
    server_del = None
    at_most_once = effects.at_most_once(lambda self, s: s.effects, claims=("IDP-1b",))

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_check_and_delete(self, s: Tk, server: int):
        """EVAL the check-and-delete script: 1, the token was ours and is gone; 0, a duplicate."""
        if s.pc[server] == "received":
            if s.req[server] in s.tokens:
                return self.at(s, server, "claimed", tokens=s.tokens - {s.req[server]})
            return self.reply(s, server, "duplicate")


class TokenDeleteAfter(TokenGetCompareDel):
    """Token deleted after the business step; the app server may crash.  Claims: IDP-2.

    One app server, so no two copies ever run at once: the double charge
    comes from the crash alone (with ``--param servers=2`` concurrent
    duplicates double it as in IDP-1 as well).

    Takeaway: a token deleted after the business step outlives a crash
    between the two; the client's retry finds it and charges again.  Claim
    the token before the business step (and see IDP-3 for what that costs).
    """

    id = "idempotency.token.delete_after"
    claims = ("IDP-2",)
    defaults = {"servers": 1}
    faults = Faults(crash=1)  # an app server crash; restart comes with it
    duplicate_turned_away = None  # one server, no concurrent copy: nothing to turn away
    at_most_once = effects.at_most_once(lambda self, s: s.effects, expect="violated",
                                        claims=("IDP-2",))

    @action(server="servers")
    @lane("server {server}")
    def server_business(self, s: Tk, server: int):
        """Run the business step (charge the order); the token is still in Redis."""
        if s.pc[server] == "checked":
            return self.at(self.apply(s), server, "applied")

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_del(self, s: Tk, server: int):
        """DEL the token, then answer ok."""
        if s.pc[server] == "applied":
            return self.reply(s, server, "ok", tokens=s.tokens - {s.req[server]})

    @fault("crash", server="servers")
    @lane("server {server}")
    def crash(self, s: Tk, server: int):
        if s.pc[server] != DOWN:
            return self.faults.spend(s, "crash", pc=put(s.pc, server, DOWN),
                                     req=put(s.req, server, None))

    @fault("restart", server="servers")
    @lane("server {server}")
    def restart(self, s: Tk, server: int):
        if s.pc[server] == DOWN:
            return s._replace(pc=put(s.pc, server, IDLE))


def order_requested(self: Scene, s: Tk) -> bool:
    return s.client == "waiting"


class TokenBusinessFails(TokenCheckAndDelete):
    """Token deleted first (atomically); the business step may fail; retry with the same token.  Claims: IDP-3.

    The business step fails at most ``failures`` times (the payment
    provider declines, the database errors out); nothing is charged and the
    server answers "failed".  The client sends the order again, with the
    token it has.  No timeouts here (``retries=0``): the client resends only
    after an answer.

    Takeaway: the token is gone but the business never ran, so the retry is
    turned away as a duplicate and the order never takes effect, although
    the client was told "duplicate" as if it had.  A failed business step
    needs a new token, or the token put back.
    """

    id = "idempotency.token.business_fails"
    claims = ("IDP-3",)
    defaults = {"retries": 0}
    failures = Param(1, at_least=0, at_most=3, doc="business steps that fail (and are answered 'failed')")
    weak_fair = ("all_protocol",)

    def init(self):
        yield Tk(**self.scene(token=1, tokens=frozenset({1})), failures_left=self.failures,
                 **self.faults.initial())

    @action(server="servers")
    @lane("server {server}")
    def server_business(self, s: Tk, server: int):
        """Run the business step: it charges the order and answers ok, or fails and answers failed."""
        if s.pc[server] == "claimed":
            yield branch("ok", self.reply(self.apply(s), server, "ok"))
            if s.failures_left > 0:
                failed = s._replace(failures_left=s.failures_left - 1)
                yield branch("fails", self.reply(self.after_failure(failed, server), server, "failed"))

    def after_failure(self, s: Tk, server: int) -> Tk:
        """What the server does when the business step failed, before answering: nothing."""
        return s

    def on_answer(self, s: Tk, value: str) -> Tk:
        if value == "failed":
            return self.resend(s)
        return s._replace(client="done", call=None)

    def resend(self, s: Tk) -> Tk:
        """The client's reaction to "failed": send the order again, with the same token."""
        return s._replace(client="ready", call=None)

    eventually_applied = effects.eventually_applied(
        order_requested, lambda self, s: s.effects, lambda self, s: (ORDER,),
        expect="violated", claims=("IDP-3",),
    )

    @sometimes()
    def business_failed(self, s: Tk) -> bool:
        """Sometimes the business step fails (the fault this claim is about happens)."""
        return any(a.value == "failed" for a in s.answers)


class TokenNewAfterFailure(TokenBusinessFails):
    """After a failed business step the client fetches a new token.  Claims: IDP-3 (fixed).

    Takeaway: the seed's advice -- delete the token first and, if the
    business call fails, fetch a new token and request again -- makes every
    order take effect, once, as long as the client learns of the failure.
    """

    id = "idempotency.token.business_fails.new_token"
    expected = {"eventually_applied": "holds"}
    duplicate_turned_away = None  # without timeouts no copy is ever a duplicate

    def resend(self, s: Tk) -> Tk:
        new = s.token + 1  # the token service saves it in Redis before handing it out
        return s._replace(client="ready", call=None, token=new, tokens=s.tokens | {new})


class TokenRestoredAfterFailure(TokenBusinessFails):
    """After a failed business step the server puts the token back.  Claims: IDP-3 (fixed).

    Takeaway: restoring the token (SET it again) before answering "failed"
    lets the client's retry with the same token through, once.
    """

    id = "idempotency.token.business_fails.restore_token"
    expected = {"eventually_applied": "holds"}
    duplicate_turned_away = None  # without timeouts no copy is ever a duplicate

    def after_failure(self, s: Tk, server: int) -> Tk:
        return s._replace(tokens=s.tokens | {s.req[server]})


class TokenNewAfterFailureTimeout(TokenNewAfterFailure):
    """New token after a failure, and a client that also retries on timeouts.  Claims: IDP-3.

    Beyond IDP-3: the fix assumes the client hears of the failure.  Here the
    client times out and resends while the first copy is still running; the
    resend is answered "duplicate" and the client takes that as done; then
    the first copy fails, and its "failed" goes to a call the client has
    abandoned.

    Takeaway: a bare "duplicate" is not an answer.  A duplicate must get the
    first request's outcome (store it with the key, see the dedup table),
    or the client must be able to ask for it.
    """

    id = "idempotency.token.business_fails.new_token.timeout"
    defaults = {"retries": 1}
    expected = {"eventually_applied": "violated"}

