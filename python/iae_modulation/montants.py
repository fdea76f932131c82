"""L'arithmétique des montants d'une structure, aux arrondis de docs/conception.md (« Méthode par
défaut »), telle que le calcul l'applique. La relecture d'un grand livre (`resultats.csv`) ne s'en
sert pas : elle refait les mêmes nombres par son propre contrôle (`controle_grand_livre`), pour
qu'une faute ici soit vue.

- montant modulé = montant socle × taux, au centime, moitié vers le haut ;
- enveloppe régionale : chaque montant × enveloppe / total, au centime INFÉRIEUR (la somme ne
  dépasse jamais l'enveloppe) ;
- taux effectif = montant modulé ÷ montant socle, à 4 décimales, moitié vers le haut.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from iae_modulation.formats import arrondi_centime

QUATRE_DECIMALES = Decimal("0.0001")


def montant_module(socle: Decimal, taux: Decimal) -> Decimal:
    """montant socle × taux, arrondi au centime (moitié vers le haut)."""
    return arrondi_centime(Decimal(socle) * Decimal(taux))


def montant_reduit(montant: Decimal, enveloppe: Decimal, total: Decimal) -> Decimal:
    """montant × enveloppe / total, arrondi au centime inférieur (calcul exact en centimes)."""
    return Decimal(int(montant * 100) * int(enveloppe * 100) // int(total * 100)).scaleb(-2)


def taux_effectif(montant: Decimal, socle: Decimal) -> Decimal | None:
    """Montant modulé ÷ montant socle, à 4 décimales ; None pour un socle nul."""
    if not socle:
        return None
    return (montant / socle).quantize(QUATRE_DECIMALES, rounding=ROUND_HALF_UP)
