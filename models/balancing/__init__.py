"""Load balancing (seed §3, claims LB-1 … LB-7): every algorithm the seed lists, and its limits.

What the family shows, read across the algorithms: the deterministic ones
keep exact promises.  Round robin gives each of n servers exactly k of every
k·n consecutive requests, but only while one counter orders the requests: two
balancer workers with counters of their own break it.  Weighted round robin
gives each server exactly its weight per cycle; the naive expansion sends a
server's whole weight in one burst, nginx's smooth variant interleaves it.
Least connections always picks a least-loaded live server.  Source-IP hashing
keeps a client on one server while the server list is unchanged, which is its
use (sessions stay local) and its risk: when a server crashes, its clients
lose service, and when the list changes, hash-mod-n moves about (n-1)/n of all
clients where consistent hashing moves only the removed server's share, about
1/n.  The random algorithms promise only shares on average: they are computed
exactly here, by enumerating every draw of the random source, and a seeded
sample is checked against a tolerance derived from Hoeffding's bound.
"""
