"""Design choices that a model's variant fixes, rather than a parameter.

The variants of an ID generator differ in a design decision -- what Redis
persists, where a read goes, compare-and-set or a blind write -- and their
expected verdicts belong to that decision, so ``--param`` must not change it:
``-p persistence=aof_always`` on ``ids.redis_incr`` would check the fixed
design against the broken design's expectations.  A decision is a class
attribute that each variant sets, listed in ``design_choices``; naming one as
a parameter is bad input whose message lists the variants to check instead.
"""

from __future__ import annotations

from typing import ClassVar

from distcheck import Model


class VariantModel(Model):
    """A model whose ``design_choices`` are class attributes set by its variants."""

    #: names of the class attributes that tell this model's variants apart
    design_choices: ClassVar[tuple[str, ...]] = ()
