"""Calcul et versement du montant modulé de l'aide au poste des SIAE.

Instruction DGEFP n° 2014-2 du 5 février 2014 et note DGEFP n° 2014-04 du 10 octobre 2014.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iae-modulation")
except PackageNotFoundError:  # exécution depuis les sources sans installation
    __version__ = "0+sources"
