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

from distcheck import BadInput, Model


class VariantModel(Model):
    """A model whose ``design_choices`` are class attributes set by its variants."""

    #: names of the class attributes that tell this model's variants apart
    design_choices: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def unknown_parameter(cls, name: str) -> BadInput:
        if name not in cls.design_choices:
            return super().unknown_parameter(name)
        variants = ", ".join(
            f"{v.id} ({name}={getattr(v, name)!r})" for v in _family_of(cls) if v.id
        )
        return BadInput(
            f"{name} is a design choice of model {cls.id}, not a parameter; "
            f"check the variant that makes the choice you want: {variants}"
        )


def _family_of(cls: type[VariantModel]) -> list[type[VariantModel]]:
    """The class that first declared ``design_choices`` and all its subclasses, by id."""
    root = next(k for k in reversed(cls.__mro__)
                if "design_choices" in vars(k) and k is not VariantModel)
    found, todo = {root}, [root]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda k: k.id)
