"""Distributed ID generators (seed §6, claims ID-1 ... ID-7); see README.md."""
