"""The session in a cookie, unsigned or HMAC-signed, and an attacker who edits it.

Claims: SS-4 (an unsigned cookie session accepts a forged session; an
HMAC-signed one never does).

The server keeps no session: at login it puts the session data (user and
role) in a cookie, and on each request it believes the cookie it gets back.
The attacker, Mallory, logs in as herself and can then present any cookie she
can build: any user and role she likes, with any signature she has seen
(from her own cookies), or none.  The signature is modelled as unforgeable
(the symbolic, Dolev-Yao view of a MAC): ``("hmac", payload)`` can be made
only by the server, which holds the key; anyone can copy one.  The server
records every session it accepts; ``no_forged_session`` says each accepted
session is one the server itself issued.

``sessions.cookie``: the server accepts any well-formed cookie.
``sessions.cookie.signed``: it accepts a cookie only if its signature is the
HMAC of its payload.

Takeaway: a client-side session is only as trustworthy as its signature: an
unsigned one is a form field the user fills in.  Signing stops edits (a
signed cookie can still be replayed or stolen, and it cannot be revoked
before it expires: the trade-offs the seed's "security risk" points at).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Model, action, invariant, lane, sometimes

USERS = ("mallory", "alice")
ROLES = ("user", "admin")
#: who may log in, with which role (Mallory is an ordinary user)
ACCOUNTS = {"mallory": "user", "alice": "admin"}

Payload = tuple[str, str]  # (user, role)
Cookie = tuple[Payload, tuple | None]  # (payload, signature or None)


class Jar(NamedTuple):
    issued: frozenset[Payload]  # the session payloads the server put in cookies
    seen: frozenset[tuple]  # the signatures Mallory has seen on her own cookies
    accepted: frozenset[Payload]  # the sessions the server accepted from presented cookies


class CookieSession(Model):
    """The session in an unsigned cookie, edited by the attacker.  Claims: SS-4."""

    id = "sessions.cookie"
    lane_order = ("mallory", "server")
    claims = ("SS-4",)
    #: the server signs cookies with an HMAC and checks the signature
    signed: ClassVar[bool] = False

    def init(self):
        yield Jar(frozenset(), frozenset(), frozenset())

    def sign(self, payload: Payload) -> tuple | None:
        return ("hmac", payload) if self.signed else None

    @action()
    @lane("mallory", to="server")
    def login(self, s: Jar):
        """Mallory logs in with her own password and gets her cookie."""
        payload = ("mallory", ACCOUNTS["mallory"])
        tag = self.sign(payload)
        seen = s.seen | {tag} if tag is not None else s.seen
        return s._replace(issued=s.issued | {payload}, seen=seen)

    def cookies(self, s: Jar) -> list[Cookie]:
        """Every cookie Mallory can build: any payload, with a signature she saw or none."""
        tags = [None, *sorted(s.seen)]
        return [((u, r), tag) for u in USERS for r in ROLES for tag in tags]

    @action(cookie="cookies")
    @lane("mallory", to="server")
    def present(self, s: Jar, cookie: Cookie):
        """Mallory sends a request with ``cookie``; the server takes the session it carries."""
        payload, tag = cookie
        if self.signed and tag != self.sign(payload):
            return None  # signature mismatch: rejected
        if payload not in s.accepted:
            return s._replace(accepted=s.accepted | {payload})

    @invariant(expect="violated", claims=("SS-4",))
    def no_forged_session(self, s: Jar) -> bool:
        """every session the server accepts from a cookie is one it issued"""
        return s.accepted <= s.issued

    @sometimes()
    def own_session_accepted(self, s: Jar) -> bool:
        """sometimes Mallory's genuine cookie is accepted (not vacuous)"""
        return ("mallory", "user") in s.accepted


class SignedCookieSession(CookieSession):
    """The session in an HMAC-signed cookie, edited by the attacker.  Claims: SS-4."""

    id = "sessions.cookie.signed"
    signed = True
    expected = {"no_forged_session": "holds"}
