"""La répartition de l'enveloppe d'une région entre ses structures (docs/methode.md).

Trois règles, choisies par la méthode :
- `plafond` (note 2014-04, docs/conception.md) : quand le total des montants calculés de la
  région dépasse son enveloppe, chacun est multiplié par enveloppe / total, au centime
  inférieur ; sinon rien ;
- `totale` : toute l'enveloppe est répartie en proportion des montants calculés, à la hausse
  comme à la baisse ; aucune structure ne dépasse le montant de son plafond (socle × plafond, au
  centime) : ce qu'une structure plafonnée ne peut pas prendre est partagé entre les autres,
  jusqu'à ce que plus aucune ne le dépasse ; chaque montant au centime inférieur ;
- `taux-moyen` : la même répartition, d'un montant tel que le taux moyen de la région (total
  modulé ÷ total des socles) soit la cible : cible × total des socles, au centime inférieur, et
  jamais plus que l'enveloppe de la région quand il y en a une.
Dans les trois, les montants à taux fixe (milieu pénitentiaire avant 2022) ne changent pas et
s'imputent d'abord ; ce qui reste (arrondis, plafonds atteints) est le reliquat, rapporté.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

import pandas as pd

from iae_modulation.formats import CENTIME, arrondi_centime, montant_fr, nombre_fr, taux_fr
from iae_modulation.methode import REPARTITION_PLAFOND, REPARTITION_TAUX_MOYEN
from iae_modulation.montants import montant_reduit


class ErreurRepartition(Exception):
    """Répartition impossible (enveloppe absente ou sous les taux fixes) ; en français."""


COLONNES_BILAN = [
    "region",
    "enveloppe",
    "cible",
    "a_repartir",
    "total_avant_enveloppe",
    "total_module",
    "reliquat",
]


@dataclass
class Repartition:
    """Montants après répartition ; pour chaque structure dont le montant est « avant × disponible
    / total », les deux termes (pour que chacun puisse refaire la division) ; le bilan par
    région ; les remarques de chaque structure."""

    modules: list[Decimal]
    disponible: list[Decimal | None]
    total: list[Decimal | None]
    bilan: pd.DataFrame
    notes: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Structure:
    """Ce que la répartition sait d'une structure : sa région, son socle, son montant calculé,
    son plafond (None : taux fixe, hors répartition)."""

    region: str
    socle: Decimal
    avant: Decimal
    plafond: Decimal | None


def plancher_centime(valeur: Decimal) -> Decimal:
    return valeur.quantize(CENTIME, rounding=ROUND_FLOOR)


def centimes(montant: Decimal) -> int:
    """Un montant au centime, en nombre entier de centimes."""
    return int(montant * 100)


def repartir(
    structures: list[Structure],
    regle: str,
    enveloppes: dict[str, Decimal] | None,
    taux_moyen: Decimal | None = None,
) -> Repartition:
    """Applique la règle, région par région (ordre alphabétique des régions pour le bilan)."""
    n = len(structures)
    resultat = Repartition(
        [s.avant for s in structures], [None] * n, [None] * n, pd.DataFrame(), {}
    )
    bilan = []
    par_region: dict[str, list[int]] = {}
    for i, structure in enumerate(structures):
        par_region.setdefault(structure.region, []).append(i)
    for region in sorted(par_region):
        index = par_region[region]
        enveloppe = (enveloppes or {}).get(region)
        total = sum((structures[i].avant for i in index), Decimal(0))
        cible = None
        a_repartir: Decimal | None
        if regle == REPARTITION_TAUX_MOYEN:
            if taux_moyen is None:
                raise ErreurRepartition("Répartition « taux-moyen » sans taux moyen visé.")
            socles = sum((structures[i].socle for i in index), Decimal(0))
            cible = plancher_centime(taux_moyen * socles)
            a_repartir = cible if enveloppe is None else min(cible, enveloppe)
        elif regle == REPARTITION_PLAFOND:
            a_repartir = enveloppe if enveloppe is not None and total > enveloppe else None
        elif enveloppe is None:
            raise ErreurRepartition(
                f"Répartition « totale » : aucune enveloppe pour la région {region}. Donnez "
                "l'enveloppe de chaque région (fichier des enveloppes, ou cellule « Enveloppe "
                "régionale »), ou choisissez la répartition « plafond »."
            )
        else:
            a_repartir = enveloppe
        if a_repartir is not None:
            _repartir_region(structures, index, region, a_repartir, regle, resultat)
        apres = sum((resultat.modules[i] for i in index), Decimal(0))
        reference = a_repartir if a_repartir is not None else enveloppe
        reliquat = None if reference is None else reference - apres
        bilan.append((region, enveloppe, cible, a_repartir, total, apres, reliquat))
    resultat.bilan = pd.DataFrame(bilan, columns=COLONNES_BILAN)
    return resultat


def _repartir_region(
    structures: list[Structure],
    index: list[int],
    region: str,
    a_repartir: Decimal,
    regle: str,
    resultat: Repartition,
) -> None:
    """Répartit `a_repartir` entre les structures de la région qui ne sont pas à taux fixe et
    dont le montant calculé n'est pas nul : plafonnées d'abord, les autres en proportion."""
    fixes = [i for i in index if structures[i].plafond is None]
    part_fixe = sum((structures[i].avant for i in fixes), Decimal(0))
    disponible = a_repartir - part_fixe
    if disponible < 0 and regle == REPARTITION_TAUX_MOYEN:
        raise ErreurRepartition(
            f"Montant visé {region} de {montant_fr(a_repartir)} (taux moyen visé) inférieur aux "
            "montants à taux fixe des structures en milieu pénitentiaire "
            f"({montant_fr(part_fixe)}) : vérifiez le taux moyen visé."
        )
    if disponible < 0:
        raise ErreurRepartition(
            f"Enveloppe {region} de {montant_fr(a_repartir)} inférieure aux montants à taux fixe "
            f"des structures en milieu pénitentiaire ({montant_fr(part_fixe)}) : vérifiez "
            "l'enveloppe."
        )
    # un montant calculé nul n'a rien à réduire ni à augmenter (socle ou taux nul)
    taux_plafonds = {
        i: taux
        for i in index
        if (taux := structures[i].plafond) is not None and structures[i].avant
    }
    candidates = list(taux_plafonds)
    plafonds = {i: arrondi_centime(structures[i].socle * t) for i, t in taux_plafonds.items()}
    total = sum((structures[i].avant for i in candidates), Decimal(0))
    plafonnees = []
    if regle != REPARTITION_PLAFOND:
        # du plus petit rapport plafond / montant au plus grand : une structure est plafonnée
        # si sa part, avant × disponible / total, atteint son plafond ; le rapport disponible /
        # total ne fait alors que croître, les suivantes sont examinées avec lui
        for i in sorted(
            candidates, key=lambda i: Fraction(centimes(plafonds[i]), centimes(structures[i].avant))
        ):
            if centimes(structures[i].avant) * centimes(disponible) < centimes(
                plafonds[i]
            ) * centimes(total):
                break
            plafonnees.append(i)
            disponible -= plafonds[i]
            total -= structures[i].avant
    for i in plafonnees:
        resultat.modules[i] = plafonds[i]
        resultat.notes.setdefault(i, []).append(
            f"au plafond dans la répartition de l'enveloppe : {nombre_fr(structures[i].socle)} € "
            f"× {taux_fr(taux_plafonds[i])} = {nombre_fr(plafonds[i])} €"
        )
    verbe = (
        "réduit par l'enveloppe régionale"
        if regle == REPARTITION_PLAFOND
        else ("enveloppe répartie")
    )
    for i in candidates:
        if i in plafonnees:
            continue
        avant = structures[i].avant
        resultat.modules[i] = montant_reduit(avant, disponible, total)
        resultat.disponible[i], resultat.total[i] = disponible, total
        resultat.notes.setdefault(i, []).append(
            f"{verbe} : {nombre_fr(avant)} € × {nombre_fr(disponible)} / {nombre_fr(total)} = "
            f"{nombre_fr(resultat.modules[i])} € (au centime inférieur)"
        )
